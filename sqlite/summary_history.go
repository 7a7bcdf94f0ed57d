package sqlite

import (
	"github.com/liveblog/liveblog"
)

const summaryColumns = `id, event_id, points, updated_at, replaced_at, user_id, user_name`

func scanSummaryRecord(row scanner) (*liveblog.SummaryRecord, error) {
	r := &liveblog.SummaryRecord{}
	return r, row.Scan(&r.ID, &r.EventID, jsonColumn{&r.Points}, timeColumn{&r.UpdatedAt}, timeColumn{&r.ReplacedAt}, &r.UserID, &r.UserName)
}

func (tx *tx) InsertSummaryRecord(r *liveblog.SummaryRecord) error {
	points, err := jsonValue(r.Points)
	if err != nil {
		return err
	}
	return tx.QueryRowContext(tx.ctx, `INSERT INTO summary_history (event_id, points, updated_at, replaced_at, user_id, user_name)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		r.EventID, points, timeValue(r.UpdatedAt), timeValue(r.ReplacedAt), r.UserID, r.UserName).Scan(&r.ID)
}

func (tx *tx) SummaryHistory(eventID int64, n int) ([]*liveblog.SummaryRecord, error) {
	rows, err := tx.QueryContext(tx.ctx, `SELECT `+summaryColumns+` FROM summary_history
		WHERE event_id = ? ORDER BY id DESC LIMIT ?`, eventID, n)
	return all(rows, err, scanSummaryRecord, "find summary history")
}

func (tx *tx) SummaryRecord(eventID, id int64) (*liveblog.SummaryRecord, error) {
	r, err := scanSummaryRecord(tx.QueryRowContext(tx.ctx, `SELECT `+summaryColumns+` FROM summary_history
		WHERE event_id = ? AND id = ?`, eventID, id))
	return one(r, err, liveblog.ErrNoSummaryRecord, "find summary record")
}
