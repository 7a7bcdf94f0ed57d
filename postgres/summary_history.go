package postgres

import (
	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
)

const summaryColumns = `id, event_id, points, updated_at, replaced_at, user_id, user_name`

func scanSummaryRecord(row pgx.Row) (*liveblog.SummaryRecord, error) {
	r := &liveblog.SummaryRecord{}
	return r, row.Scan(&r.ID, &r.EventID, &r.Points, timeColumn{&r.UpdatedAt}, timeColumn{&r.ReplacedAt}, &r.UserID, &r.UserName)
}

func (tx *tx) InsertSummaryRecord(r *liveblog.SummaryRecord) error {
	points, err := jsonValue(r.Points)
	if err != nil {
		return err
	}
	return tx.QueryRow(tx.ctx, `INSERT INTO summary_history (event_id, points, updated_at, replaced_at, user_id, user_name)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		r.EventID, points, timeValue(r.UpdatedAt), timeValue(r.ReplacedAt), r.UserID, r.UserName).Scan(&r.ID)
}

func (tx *tx) SummaryHistory(eventID int64, n int) ([]*liveblog.SummaryRecord, error) {
	rows, err := tx.Query(tx.ctx, `SELECT `+summaryColumns+` FROM summary_history
		WHERE event_id = $1 ORDER BY id DESC LIMIT $2`, eventID, n)
	return all(rows, err, scanSummaryRecord, "find summary history")
}

func (tx *tx) SummaryRecord(eventID, id int64) (*liveblog.SummaryRecord, error) {
	r, err := scanSummaryRecord(tx.QueryRow(tx.ctx, `SELECT `+summaryColumns+` FROM summary_history
		WHERE event_id = $1 AND id = $2`, eventID, id))
	return one(r, err, liveblog.ErrNoSummaryRecord, "find summary record")
}
