package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/liveblog/liveblog"
)

const eventColumns = `id, slug, title, description, state, time_zone, summary, summary_updated_at,
	coverage_started_at, coverage_ended_at, created_at, updated_at, version, head`

func scanEvent(row scanner) (*liveblog.Event, error) {
	var e liveblog.Event
	err := row.Scan(&e.ID, &e.Slug, &e.Title, &e.Description, &e.State, &e.TimeZone,
		jsonColumn{&e.Summary.Points}, timeColumn{&e.Summary.UpdatedAt},
		timeColumn{&e.CoverageStartedAt}, timeColumn{&e.CoverageEndedAt},
		timeColumn{&e.CreatedAt}, timeColumn{&e.UpdatedAt}, &e.Version, &e.Head)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// CreateEvent stores a new event. It appends no change: the event has no
// readers yet, and its feed starts with its first post.
func (s *Store) CreateEvent(ctx context.Context, e *liveblog.Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *tx) error {
		next := *e
		next.Version, next.Head = 1, 0
		next.CreatedAt, next.UpdatedAt = tx.now, tx.now
		next.Summary.UpdatedAt = utc(next.Summary.UpdatedAt)
		if len(next.Summary.Points) > 0 && next.Summary.UpdatedAt.IsZero() {
			next.Summary.UpdatedAt = tx.now
		}
		// An event created live (or already over, as on import) has had its
		// coverage start; keep the times an import brings.
		next.CoverageStartedAt, next.CoverageEndedAt = utc(next.CoverageStartedAt), utc(next.CoverageEndedAt)
		if next.State != liveblog.CoverageScheduled && next.CoverageStartedAt.IsZero() {
			next.CoverageStartedAt = tx.now
		}
		if next.State == liveblog.CoverageEnded && next.CoverageEndedAt.IsZero() {
			next.CoverageEndedAt = tx.now
		}
		summary, err := jsonValue(next.Summary.Points)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO events (slug, title, description, state, time_zone, summary,
			summary_updated_at, coverage_started_at, coverage_ended_at, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			next.Slug, next.Title, next.Description, next.State, next.TimeZone, summary,
			timeValue(next.Summary.UpdatedAt), timeValue(next.CoverageStartedAt), timeValue(next.CoverageEndedAt),
			timeValue(next.CreatedAt), timeValue(next.UpdatedAt), next.Version).Scan(&next.ID)
		if isUnique(err, "events.slug") {
			return &liveblog.Error{Code: liveblog.ECONFLICT, Field: "slug", Message: "Another event already uses this slug."}
		} else if err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
		*e = next
		tx.result = e
		return nil
	})
}

// FindEventByID returns an event.
func (s *Store) FindEventByID(ctx context.Context, id int64) (*liveblog.Event, error) {
	var e *liveblog.Event
	err := s.view(ctx, func(tx *tx) (err error) {
		e, err = tx.findEventByID(ctx, id)
		return err
	})
	return e, err
}

// FindEventBySlug returns the event with this slug.
func (s *Store) FindEventBySlug(ctx context.Context, slug string) (*liveblog.Event, error) {
	var e *liveblog.Event
	err := s.view(ctx, func(tx *tx) (err error) {
		e, err = tx.findEventBySlug(ctx, slug)
		return err
	})
	return e, err
}

// FindEvents lists events, live ones first, then the most recently updated.
// Limit defaults to liveblog.DefaultPageSize and is capped at MaxPageSize.
func (s *Store) FindEvents(ctx context.Context, f liveblog.EventFilter) ([]*liveblog.Event, error) {
	limit, err := f.Check()
	if err != nil {
		return nil, err
	}
	var events []*liveblog.Event
	err = s.view(ctx, func(tx *tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+eventColumns+` FROM events
			WHERE ? = '' OR state = ?
			ORDER BY state = 'live' DESC, updated_at DESC, id DESC
			LIMIT ? OFFSET ?`, f.State, f.State, limit, f.Offset)
		if err != nil {
			return fmt.Errorf("find events: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEvent(rows)
			if err != nil {
				return fmt.Errorf("find events: %w", err)
			}
			events = append(events, e)
		}
		return rows.Err()
	})
	return events, err
}

// UpdateEvent edits an event's title, description or zone. The version moves
// on every update; the feed only hears of one that changed something.
func (s *Store) UpdateEvent(ctx context.Context, id int64, upd liveblog.EventUpdate) (*liveblog.Event, error) {
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	return s.changeEvent(ctx, id, upd.Version, func(e *liveblog.Event) (liveblog.ChangeKind, error) {
		return upd.Apply(e), nil
	})
}

// SetCoverage moves an event's coverage to state.
func (s *Store) SetCoverage(ctx context.Context, id int64, state liveblog.CoverageState, version int) (*liveblog.Event, error) {
	if err := state.Check(); err != nil {
		return nil, err
	}
	return s.changeEvent(ctx, id, version, func(e *liveblog.Event) (liveblog.ChangeKind, error) {
		if err := e.MoveCoverage(state, e.UpdatedAt); err != nil {
			return "", err
		}
		return liveblog.ChangeCoverage, nil
	})
}

// ReplaceSummary replaces an event's key points.
func (s *Store) ReplaceSummary(ctx context.Context, id int64, points []string, version int) (*liveblog.Event, error) {
	if err := liveblog.ValidateSummary(points); err != nil {
		return nil, err
	}
	return s.changeEvent(ctx, id, version, func(e *liveblog.Event) (liveblog.ChangeKind, error) {
		e.Summary = liveblog.Summary{Points: points, UpdatedAt: e.UpdatedAt}
		return liveblog.ChangeSummary, nil
	})
}

// changeEvent is the shape of every edit of an event: check the version, let
// edit change the event (UpdatedAt is already the transaction's time), save
// it with the next version, and append the change edit names, if any.
func (s *Store) changeEvent(ctx context.Context, id int64, version int, edit func(*liveblog.Event) (liveblog.ChangeKind, error)) (*liveblog.Event, error) {
	var out *liveblog.Event
	err := s.update(ctx, func(tx *tx) error {
		e, err := tx.findEventByID(ctx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(e.Version, version); err != nil {
			return err
		}
		e.UpdatedAt = tx.now
		kind, err := edit(e)
		if err != nil {
			return err
		}
		e.Version++
		if err := tx.saveEvent(ctx, e); err != nil {
			return err
		}
		if kind != "" {
			if err := tx.appendChange(ctx, &liveblog.Change{EventID: e.ID, Kind: kind, Event: e}); err != nil {
				return err
			}
		}
		out = e
		tx.result = e
		return nil
	})
	return out, err
}

func (tx *tx) findEventByID(ctx context.Context, id int64) (*liveblog.Event, error) {
	return tx.findEvent(ctx, `id = ?`, id)
}

func (tx *tx) findEventBySlug(ctx context.Context, slug string) (*liveblog.Event, error) {
	return tx.findEvent(ctx, `slug = ?`, slug)
}

func (tx *tx) findEvent(ctx context.Context, where string, arg any) (*liveblog.Event, error) {
	e, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, liveblog.Errorf(liveblog.ENOTFOUND, "Event not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find event: %w", err)
	}
	return e, nil
}

// saveEvent writes an event's own fields; head and floor belong to the feed.
func (tx *tx) saveEvent(ctx context.Context, e *liveblog.Event) error {
	summary, err := jsonValue(e.Summary.Points)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE events SET title = ?, description = ?, state = ?, time_zone = ?,
		summary = ?, summary_updated_at = ?, coverage_started_at = ?, coverage_ended_at = ?,
		updated_at = ?, version = ? WHERE id = ?`,
		e.Title, e.Description, e.State, e.TimeZone, summary, timeValue(e.Summary.UpdatedAt),
		timeValue(e.CoverageStartedAt), timeValue(e.CoverageEndedAt), timeValue(e.UpdatedAt), e.Version, e.ID)
	if err != nil {
		return fmt.Errorf("save event: %w", err)
	}
	return nil
}
