package liveblog

import "time"

// Check validates the update's fields.
func (u *EventUpdate) Check() error { return u.Validate() }

// Apply edits e's title, description or zone. The feed only hears of an
// update that changed something.
func (u *EventUpdate) Apply(e *Event, now time.Time) (ChangeKind, error) {
	if err := checkVersion(e.Version, u.Version); err != nil {
		return "", err
	}
	e.touch(now)
	return u.edit(e), nil
}

// SetCoverage moves an event's coverage to State (see Event.MoveCoverage).
type SetCoverage struct {
	State   CoverageState
	Version int
}

// Check refuses a state that is not one of the four.
func (c SetCoverage) Check() error { return c.State.Check() }

// Apply moves e's coverage, stamping when it started and ended.
func (c SetCoverage) Apply(e *Event, now time.Time) (ChangeKind, error) {
	if err := checkVersion(e.Version, c.Version); err != nil {
		return "", err
	}
	if err := e.MoveCoverage(c.State, now); err != nil {
		return "", err
	}
	e.touch(now)
	return ChangeCoverage, nil
}

// ReplaceSummary replaces an event's key points.
type ReplaceSummary struct {
	Points  []string
	Version int
}

// Check validates the points.
func (r ReplaceSummary) Check() error { return ValidateSummary(r.Points) }

// Apply replaces e's key points, stamping when they changed.
func (r ReplaceSummary) Apply(e *Event, now time.Time) (ChangeKind, error) {
	if err := checkVersion(e.Version, r.Version); err != nil {
		return "", err
	}
	e.Summary = Summary{Points: r.Points, UpdatedAt: now}
	e.touch(now)
	return ChangeSummary, nil
}

// newEvent returns e as a store keeps it when it is created at now: version
// 1, an empty feed, its times in UTC. Key points given with it were updated
// now, and an event created live, or already over (an import), has had its
// coverage start and end, now unless it brings those times.
func newEvent(e Event, now time.Time) *Event {
	e.ID = 0
	e.Version, e.Head = 1, 0
	e.CreatedAt, e.UpdatedAt = now, now
	e.Summary.UpdatedAt = utc(e.Summary.UpdatedAt)
	if len(e.Summary.Points) > 0 && e.Summary.UpdatedAt.IsZero() {
		e.Summary.UpdatedAt = now
	}
	e.CoverageStartedAt, e.CoverageEndedAt = utc(e.CoverageStartedAt), utc(e.CoverageEndedAt)
	if e.State != CoverageScheduled && e.CoverageStartedAt.IsZero() {
		e.CoverageStartedAt = now
	}
	if e.State == CoverageEnded && e.CoverageEndedAt.IsZero() {
		e.CoverageEndedAt = now
	}
	return &e
}
