package liveblog

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// SummaryRecord is a summary (key points) that was replaced: its points,
// when they were set, and who replaced them when. UserName is kept as it
// was, like the audit log's, so the history still reads after a rename or
// a move to another instance (where UserID is 0).
type SummaryRecord struct {
	ID         int64     `json:"id"`
	EventID    int64     `json:"event_id"`
	Points     []string  `json:"points"`
	UpdatedAt  time.Time `json:"updated_at"`
	ReplacedAt time.Time `json:"replaced_at"`
	UserID     int64     `json:"user_id"`
	UserName   string    `json:"user_name"`
}

// MaxSummaryHistory is how many earlier summaries the desk lists, newest
// first; older ones stay stored, and exported.
const MaxSummaryHistory = 500

// ErrNoSummaryRecord is a restore of a summary the event never had.
var ErrNoSummaryRecord = Errorf(ENOTFOUND, "That earlier version of the key points is not in this event's history.")

// keepSummary records e's summary, about to be replaced in t, in the
// event's history, with who replaces it (w's audit line names them). A
// summary never set (an event created without key points) has nothing to
// keep.
func (t *txn) keepSummary(w Write, e *Event) error {
	if e.Summary.UpdatedAt.IsZero() {
		return nil
	}
	return t.InsertSummaryRecord(&SummaryRecord{EventID: e.ID, Points: nonNilPoints(e.Summary.Points),
		UpdatedAt: e.Summary.UpdatedAt, ReplacedAt: t.Now(), UserID: w.Audit.UserID, UserName: w.Audit.UserName})
}

func nonNilPoints(p []string) []string {
	if p == nil {
		return []string{}
	}
	return p
}

// FindSummaryHistory reads an event's replaced summaries, newest first, at
// most limit of them, or all of them for a limit of 0.
func (s *Service) FindSummaryHistory(ctx context.Context, eventID int64, limit int) ([]*SummaryRecord, error) {
	if limit <= 0 {
		limit = math.MaxInt32
	}
	var out []*SummaryRecord
	err := s.db.Read(ctx, func(tx ReadTx) (err error) {
		if err := tx.CheckEvent(eventID); err != nil {
			return err
		}
		out, err = tx.SummaryHistory(eventID, limit)
		return err
	})
	return out, err
}

// RestoreSummary makes the earlier summary recordID of event id the current
// one: a summary change like any other (version checked, the summary it
// replaces kept, a change in the feed, audited as w says).
func (s *Service) RestoreSummary(ctx context.Context, w Write, id, recordID int64, version int) (*Event, error) {
	var out *Event
	err := s.write(ctx, w, func(t *txn) (target, error) {
		rec, err := t.SummaryRecord(id, recordID)
		if err != nil {
			return target{}, err
		}
		out, err = t.changeEvent(w, id, ReplaceSummary{Points: rec.Points, Version: version})
		if err != nil {
			return target{}, err
		}
		return eventTarget(out), nil
	})
	return out, err
}

// renameSummaryField names the i-th record of an imported history in err,
// which ValidateSummary returned naming "summary.points".
func renameSummaryField(err error, i int) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	return &Error{Code: e.Code, Field: fmt.Sprintf("summary_history[%d]", i) + strings.TrimPrefix(e.Field, "summary"), Message: e.Message}
}
