package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
)

const eventColumns = `id, slug, title, description, state, time_zone, language, summary, summary_updated_at,
	coverage_started_at, coverage_ended_at, created_at, updated_at, version, head`

func scanEvent(row pgx.Row) (*liveblog.Event, error) {
	var e liveblog.Event
	err := row.Scan(&e.ID, &e.Slug, &e.Title, &e.Description, &e.State, &e.TimeZone, &e.Language,
		&e.Summary.Points, timeColumn{&e.Summary.UpdatedAt},
		timeColumn{&e.CoverageStartedAt}, timeColumn{&e.CoverageEndedAt},
		timeColumn{&e.CreatedAt}, timeColumn{&e.UpdatedAt}, &e.Version, &e.Head)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// FindEventByID returns an event.
func (s *Store) FindEventByID(ctx context.Context, id int64) (*liveblog.Event, error) {
	return findEvent(ctx, s.pool, `id = $1`, id)
}

// FindEventBySlug returns the event with this slug.
func (s *Store) FindEventBySlug(ctx context.Context, slug string) (*liveblog.Event, error) {
	return findEvent(ctx, s.pool, `slug = $1`, slug)
}

// FindEvents lists events, live ones first, then the most recently updated.
// Limit defaults to liveblog.DefaultPageSize and is capped at MaxPageSize.
func (s *Store) FindEvents(ctx context.Context, f liveblog.EventFilter) ([]*liveblog.Event, error) {
	limit, err := f.Check()
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE $1::text = '' OR state = $1
		ORDER BY state = 'live' DESC, updated_at DESC, id DESC
		LIMIT $2 OFFSET $3`, f.State, limit, f.Offset)
	return all(rows, err, scanEvent, "find events")
}

// findEvent returns the event matching where, which may end in a locking
// clause.
func findEvent(ctx context.Context, q db, where string, arg any) (*liveblog.Event, error) {
	e, err := scanEvent(q.QueryRow(ctx, `SELECT `+eventColumns+` FROM events WHERE `+where, arg))
	return one(e, err, liveblog.ErrNoEvent, "find event")
}

func (tx *tx) EventBySlug(slug string) (*liveblog.Event, error) {
	return findEvent(tx.ctx, tx, `slug = $1`, slug)
}

func (tx *tx) CheckEvent(id int64) error {
	var ok bool
	if err := tx.QueryRow(tx.ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE id = $1)`, id).Scan(&ok); err != nil {
		return fmt.Errorf("find event: %w", err)
	} else if !ok {
		return liveblog.ErrNoEvent
	}
	return nil
}

// LockEvent takes the event's row lock. FOR NO KEY UPDATE is the lock an
// UPDATE of the head takes anyway; unlike FOR UPDATE it lets other
// transactions insert rows that reference the event meanwhile.
func (tx *tx) LockEvent(id int64) error {
	var one int
	err := tx.QueryRow(tx.ctx, `SELECT 1 FROM events WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return liveblog.ErrNoEvent
	} else if err != nil {
		return fmt.Errorf("lock event: %w", err)
	}
	return nil
}

func (tx *tx) LockedEvent(id int64) (*liveblog.Event, error) {
	return findEvent(tx.ctx, tx, `id = $1 FOR NO KEY UPDATE`, id)
}

// InsertEvent names the id only when it has one: NULL does not make an
// identity column pick the next.
func (tx *tx) InsertEvent(e *liveblog.Event, floor int64) error {
	summary, err := jsonValue(e.Summary.Points)
	if err != nil {
		return err
	}
	args := []any{e.Slug, e.Title, e.Description, e.State, e.TimeZone, e.Language, summary,
		timeValue(e.Summary.UpdatedAt), timeValue(e.CoverageStartedAt), timeValue(e.CoverageEndedAt),
		e.CreatedAt, e.UpdatedAt, e.Version, e.Head, floor}
	q := `INSERT INTO events (slug, title, description, state, time_zone, language, summary, summary_updated_at,
		coverage_started_at, coverage_ended_at, created_at, updated_at, version, head, floor)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`
	if e.ID != 0 {
		q = `INSERT INTO events (slug, title, description, state, time_zone, language, summary, summary_updated_at,
			coverage_started_at, coverage_ended_at, created_at, updated_at, version, head, floor, id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`
		args = append(args, e.ID)
	}
	err = tx.QueryRow(tx.ctx, q, args...).Scan(&e.ID)
	if isUnique(err, "events_slug_key") {
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
	_, err = tx.Exec(tx.ctx, `UPDATE events SET title = $1, description = $2, state = $3, time_zone = $4,
		language = $5, summary = $6, summary_updated_at = $7, coverage_started_at = $8, coverage_ended_at = $9,
		updated_at = $10, version = $11 WHERE id = $12`,
		e.Title, e.Description, e.State, e.TimeZone, e.Language, summary, timeValue(e.Summary.UpdatedAt),
		timeValue(e.CoverageStartedAt), timeValue(e.CoverageEndedAt), e.UpdatedAt, e.Version, e.ID)
	if err != nil {
		return fmt.Errorf("save event: %w", err)
	}
	return nil
}
