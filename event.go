package liveblog

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// CoverageState is where a live event is in its life. It drives the LIVE
// badge, whether reader pages keep streaming, and the coverage times.
type CoverageState string

// Coverage states: scheduled → live ⇄ paused → ended.
const (
	CoverageScheduled CoverageState = "scheduled"
	CoverageLive      CoverageState = "live"
	CoveragePaused    CoverageState = "paused"
	CoverageEnded     CoverageState = "ended"
)

// Valid reports whether s is a known state.
func (s CoverageState) Valid() bool {
	switch s {
	case CoverageScheduled, CoverageLive, CoveragePaused, CoverageEnded:
		return true
	}
	return false
}

// Check returns the error for a state that is not one of the four, naming
// the field "state".
func (s CoverageState) Check() error {
	if !s.Valid() {
		return FieldError("state", "Coverage state must be scheduled, live, paused or ended.")
	}
	return nil
}

// CanMoveTo reports whether coverage may go from s to next. Ended is final: an
// ended page is an archive, and a story that flares up again gets a new event.
func (s CoverageState) CanMoveTo(next CoverageState) bool {
	switch s {
	case CoverageScheduled:
		return next == CoverageLive || next == CoverageEnded
	case CoverageLive:
		return next == CoveragePaused || next == CoverageEnded
	case CoveragePaused:
		return next == CoverageLive || next == CoverageEnded
	}
	return false
}

// Streaming reports whether reader pages keep a stream open in this state.
// A scheduled event streams too, so its readers see coverage start.
func (s CoverageState) Streaming() bool { return s != CoverageEnded }

// Event is a live event: one rolling page of coverage.
type Event struct {
	ID          int64         `json:"id"`
	Slug        string        `json:"slug"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	State       CoverageState `json:"state"`
	TimeZone    string        `json:"time_zone"`
	// Language is the BCP 47 tag of the language the event is written in
	// ("en", "ar", "pt-BR"): the reader page's lang and dir, the feeds'
	// language and the JSON-LD's inLanguage.
	Language string  `json:"language"`
	Summary  Summary `json:"summary"`

	// CoverageStartedAt is when coverage first went live; CoverageEndedAt when
	// it ended. Both are zero until then.
	CoverageStartedAt time.Time `json:"coverage_started_at,omitzero"`
	CoverageEndedAt   time.Time `json:"coverage_ended_at,omitzero"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version increases with every change to the event's own fields (title,
	// description, zone, state, summary) and is what an editor's update
	// must name to avoid overwriting a colleague.
	Version int `json:"version"`
	// Head is the sequence of the latest Change in the event's feed, 0 before
	// the first one.
	Head int64 `json:"head"`
}

// Summary is the key-points box shown above the posts.
type Summary struct {
	Points    []string  `json:"points"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Location returns the event's display zone, falling back to UTC for a zone
// the machine does not know (Validate refuses such zones on input).
func (e *Event) Location() *time.Location {
	if loc, ok := zones.Load(e.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	zones.Store(e.TimeZone, loc)
	return loc
}

// zones holds the zones loaded so far, by name: loading one parses tzdata,
// and every page, frame and feed entry shows times in its event's zone. The
// names are those of the zone database, so the map stays small.
var zones sync.Map

// Limits on event fields, generous for real headlines and tight enough that a
// page stays a page.
const (
	MaxSlugLength         = 80
	MaxTitleLength        = 200
	MaxDescriptionLength  = 2000
	MaxSummaryPoints      = 12
	MaxSummaryPointLength = 300
)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// Validate checks an event before it is created.
func (e *Event) Validate() error {
	if e.Slug == "" {
		return FieldError("slug", "A slug is required.")
	} else if len(e.Slug) > MaxSlugLength || !slugPattern.MatchString(e.Slug) {
		return FieldError("slug", "A slug is lowercase letters, digits and single hyphens, at most %d characters.", MaxSlugLength)
	}
	if err := validateText("title", e.Title, MaxTitleLength, true); err != nil {
		return err
	}
	if err := validateText("description", e.Description, MaxDescriptionLength, false); err != nil {
		return err
	}
	if e.State == "" {
		e.State = CoverageScheduled
	} else if err := e.State.Check(); err != nil {
		return err
	}
	if e.TimeZone == "" {
		e.TimeZone = DefaultTimeZone
	}
	if err := ValidateTimeZone(e.TimeZone); err != nil {
		return err
	}
	if e.Language == "" {
		e.Language = DefaultLanguage
	}
	lang, err := CanonicalLanguage(e.Language)
	if err != nil {
		return err
	}
	e.Language = lang
	return ValidateSummary(e.Summary.Points)
}

// ValidateTimeZone checks that zone is an IANA zone name this machine knows.
func ValidateTimeZone(zone string) error {
	if zone == "" || zone == "Local" {
		return FieldError("time_zone", "A time zone such as Europe/London is required.")
	}
	if _, err := time.LoadLocation(zone); err != nil {
		return FieldError("time_zone", "Unknown time zone %q; use an IANA name such as Europe/London.", zone)
	}
	return nil
}

// ValidateSummary checks a list of key points.
func ValidateSummary(points []string) error {
	if len(points) > MaxSummaryPoints {
		return FieldError("summary.points", "A summary has at most %d key points.", MaxSummaryPoints)
	}
	for i, p := range points {
		if err := validateText(indexField("summary.points", i), p, MaxSummaryPointLength, true); err != nil {
			return err
		}
	}
	return nil
}

// EventUpdate is an edit of an event's descriptive fields; nil fields are left
// as they are. Version is the version being edited.
type EventUpdate struct {
	Title       *string `json:"title"`
	Description *string `json:"description"`
	TimeZone    *string `json:"time_zone"`
	Language    *string `json:"language"`
	Version     int     `json:"version"`
}

// Validate checks an update.
func (u *EventUpdate) Validate() error {
	if u.Title != nil {
		if err := validateText("title", *u.Title, MaxTitleLength, true); err != nil {
			return err
		}
	}
	if u.Description != nil {
		if err := validateText("description", *u.Description, MaxDescriptionLength, false); err != nil {
			return err
		}
	}
	if u.TimeZone != nil {
		if err := ValidateTimeZone(*u.TimeZone); err != nil {
			return err
		}
	}
	if u.Language != nil {
		lang, err := CanonicalLanguage(*u.Language)
		if err != nil {
			return err
		}
		*u.Language = lang
	}
	return nil
}

// edit applies u to e and returns the change it makes to the feed: an
// event.updated when a field changed, "" when none did.
func (u *EventUpdate) edit(e *Event) ChangeKind {
	before := *e
	if u.Title != nil {
		e.Title = *u.Title
	}
	if u.Description != nil {
		e.Description = *u.Description
	}
	if u.TimeZone != nil {
		e.TimeZone = *u.TimeZone
	}
	if u.Language != nil {
		e.Language = *u.Language
	}
	if e.Title == before.Title && e.Description == before.Description && e.TimeZone == before.TimeZone &&
		e.Language == before.Language {
		return ""
	}
	return ChangeEvent
}

// MoveCoverage moves e's coverage to state at time at, stamping when coverage
// first went live and when it ended. It refuses a move CanMoveTo forbids.
func (e *Event) MoveCoverage(state CoverageState, at time.Time) error {
	if !e.State.CanMoveTo(state) {
		return FieldError("state", "Coverage cannot go from %s to %s.", e.State, state)
	}
	e.State = state
	if state == CoverageLive && e.CoverageStartedAt.IsZero() {
		e.CoverageStartedAt = at
	}
	if state == CoverageEnded {
		e.CoverageEndedAt = at
	}
	return nil
}

// EventFilter selects events for listings.
type EventFilter struct {
	State  CoverageState // empty for all
	Limit  int
	Offset int
}

// Check validates f and returns the number of events to list (see
// PageLimit).
func (f *EventFilter) Check() (limit int, err error) {
	if limit, err = PageLimit(f.Limit); err != nil {
		return 0, err
	}
	if f.Offset < 0 {
		return 0, FieldError("offset", "The offset cannot be negative.")
	}
	if f.State != "" {
		if err := f.State.Check(); err != nil {
			return 0, err
		}
	}
	return limit, nil
}

// EventStore keeps events. Its writes take a Write: who makes them, and how
// they are recorded.
type EventStore interface {
	// CreateEvent stores a new event, at version 1 with an empty feed.
	CreateEvent(ctx context.Context, w Write, e *Event) error
	FindEventByID(ctx context.Context, id int64) (*Event, error)
	FindEventBySlug(ctx context.Context, slug string) (*Event, error)
	// FindEvents lists events, live ones first, then by most recently updated.
	FindEvents(ctx context.Context, filter EventFilter) ([]*Event, error)
	// ChangeEvent makes a transition of an event (an EventUpdate,
	// SetCoverage, ReplaceSummary) with the change it makes to the feed, in
	// one transaction, and returns the event as it left it.
	ChangeEvent(ctx context.Context, w Write, id int64, t EventTransition) (*Event, error)
	// FindSummaryHistory reads the event's replaced summaries, newest
	// first, at most limit (0 for all); RestoreSummary makes one of them
	// current again.
	FindSummaryHistory(ctx context.Context, eventID int64, limit int) ([]*SummaryRecord, error)
	RestoreSummary(ctx context.Context, w Write, id, recordID int64, version int) (*Event, error)
}

func validateText(field, s string, max int, required bool) error {
	if !utf8.ValidString(s) {
		return FieldError(field, "Text must be valid UTF-8.")
	}
	if required && strings.TrimSpace(s) == "" {
		return FieldError(field, "This cannot be empty.")
	}
	if utf8.RuneCountInString(s) > max {
		return FieldError(field, "This is longer than %d characters.", max)
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return FieldError(field, "Text contains a control character.")
		}
	}
	return nil
}
