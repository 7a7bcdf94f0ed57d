package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
)

const tokenColumns = `id, name, hash, user_id, created_at, last_used_at, revoked_at`

func scanToken(row pgx.Row) (*liveblog.Token, error) {
	var t liveblog.Token
	err := row.Scan(&t.ID, &t.Name, &t.Hash, idColumn{&t.UserID}, timeColumn{&t.CreatedAt},
		timeColumn{&t.LastUsedAt}, timeColumn{&t.RevokedAt})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func (tx *tx) InsertToken(t *liveblog.Token) error {
	err := tx.QueryRow(tx.ctx, `INSERT INTO tokens (name, hash, user_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		t.Name, t.Hash, idValue(t.UserID), t.CreatedAt).Scan(&t.ID)
	if isUnique(err, "tokens_hash_key") {
		return liveblog.ErrTokenTaken
	} else if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return nil
}

func (tx *tx) TokenByHash(hash string) (*liveblog.Token, error) {
	t, err := scanToken(tx.QueryRow(tx.ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = $1 AND revoked_at IS NULL`, hash))
	return one(t, err, liveblog.ErrNoToken, "find token")
}

func (tx *tx) TouchToken(id int64, at time.Time) error {
	if _, err := tx.Exec(tx.ctx, `UPDATE tokens SET last_used_at = $1 WHERE id = $2`, at, id); err != nil {
		return fmt.Errorf("record token use: %w", err)
	}
	return nil
}

// FindTokens lists every token, revoked ones included, newest first.
func (s *Store) FindTokens(ctx context.Context) ([]*liveblog.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at DESC, id DESC`)
	return all(rows, err, scanToken, "find tokens")
}

func (tx *tx) RevokeToken(id int64, at time.Time) error {
	tag, err := tx.Exec(tx.ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`, at, id)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return liveblog.ErrNoToken
	}
	return nil
}
