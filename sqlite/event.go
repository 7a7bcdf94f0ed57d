package sqlite

import (
	"context"
	"fmt"

	"github.com/liveblog/liveblog"
)

const eventColumns = `id, slug, title, description, state, time_zone, language, summary, summary_updated_at,
	coverage_started_at, coverage_ended_at, created_at, updated_at, version, head`

func scanEvent(row scanner) (*liveblog.Event, error) {
	var e liveblog.Event
	err := row.Scan(&e.ID, &e.Slug, &e.Title, &e.Description, &e.State, &e.TimeZone, &e.Language,
		jsonColumn{&e.Summary.Points}, timeColumn{&e.Summary.UpdatedAt},
		timeColumn{&e.CoverageStartedAt}, timeColumn{&e.CoverageEndedAt},
		timeColumn{&e.CreatedAt}, timeColumn{&e.UpdatedAt}, &e.Version, &e.Head)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// FindEventByID returns an event.
func (s *Store) FindEventByID(ctx context.Context, id int64) (*liveblog.Event, error) {
	var e *liveblog.Event
	err := s.view(ctx, func(tx *tx) (err error) {
		e, err = tx.findEvent(`id = ?`, id)
		return err
	})
	return e, err
}

// FindEventBySlug returns the event with this slug.
func (s *Store) FindEventBySlug(ctx context.Context, slug string) (*liveblog.Event, error) {
	var e *liveblog.Event
	err := s.view(ctx, func(tx *tx) (err error) {
		e, err = tx.EventBySlug(slug)
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
	rows, err := s.reader.QueryContext(ctx, `SELECT `+eventColumns+` FROM events
		WHERE ? = '' OR state = ?
		ORDER BY state = 'live' DESC, updated_at DESC, id DESC
		LIMIT ? OFFSET ?`, f.State, f.State, limit, f.Offset)
	return all(rows, err, scanEvent, "find events")
}

func (tx *tx) EventBySlug(slug string) (*liveblog.Event, error) {
	return tx.findEvent(`slug = ?`, slug)
}

func (tx *tx) findEvent(where string, arg any) (*liveblog.Event, error) {
	e, err := scanEvent(tx.QueryRowContext(tx.ctx, `SELECT `+eventColumns+` FROM events WHERE `+where, arg))
	return one(e, err, liveblog.ErrNoEvent, "find event")
}

func (tx *tx) CheckEvent(id int64) error {
	var ok bool
	if err := tx.QueryRowContext(tx.ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE id = ?)`, id).Scan(&ok); err != nil {
		return fmt.Errorf("find event: %w", err)
	} else if !ok {
		return liveblog.ErrNoEvent
	}
	return nil
}

// LockEvent checks that the event exists: the single writer connection is
// the lock.
func (tx *tx) LockEvent(id int64) error { return tx.CheckEvent(id) }

func (tx *tx) LockedEvent(id int64) (*liveblog.Event, error) { return tx.findEvent(`id = ?`, id) }

func (tx *tx) InsertEvent(e *liveblog.Event, floor int64) error {
	summary, err := jsonValue(e.Summary.Points)
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(tx.ctx, `INSERT INTO events (id, slug, title, description, state, time_zone, language, summary,
		summary_updated_at, coverage_started_at, coverage_ended_at, created_at, updated_at, version, head, floor)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		idValue(e.ID), e.Slug, e.Title, e.Description, e.State, e.TimeZone, e.Language, summary,
		timeValue(e.Summary.UpdatedAt), timeValue(e.CoverageStartedAt), timeValue(e.CoverageEndedAt),
		timeValue(e.CreatedAt), timeValue(e.UpdatedAt), e.Version, e.Head, floor).Scan(&e.ID)
	if isUnique(err, "events.slug") {
		return liveblog.ErrSlugTaken
	} else if err != nil {
		return fmt.Errorf("insert event: %w", err)
	}
	return nil
}

func (tx *tx) SaveEvent(e *liveblog.Event) error {
	summary, err := jsonValue(e.Summary.Points)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(tx.ctx, `UPDATE events SET title = ?, description = ?, state = ?, time_zone = ?,
		language = ?, summary = ?, summary_updated_at = ?, coverage_started_at = ?, coverage_ended_at = ?,
		updated_at = ?, version = ? WHERE id = ?`,
		e.Title, e.Description, e.State, e.TimeZone, e.Language, summary, timeValue(e.Summary.UpdatedAt),
		timeValue(e.CoverageStartedAt), timeValue(e.CoverageEndedAt), timeValue(e.UpdatedAt), e.Version, e.ID)
	if err != nil {
		return fmt.Errorf("save event: %w", err)
	}
	return nil
}
