package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/liveblog/liveblog"
)

const tokenColumns = `id, name, hash, user_id, created_at, last_used_at, revoked_at`

func scanToken(row scanner) (*liveblog.Token, error) {
	var t liveblog.Token
	err := row.Scan(&t.ID, &t.Name, &t.Hash, idColumn{&t.UserID}, timeColumn{&t.CreatedAt},
		timeColumn{&t.LastUsedAt}, timeColumn{&t.RevokedAt})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateToken stores a new token, unused and unrevoked.
func (s *Store) CreateToken(ctx context.Context, t *liveblog.Token) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *tx) error {
		next := *t
		next.CreatedAt, next.LastUsedAt, next.RevokedAt = tx.now, time.Time{}, time.Time{}
		err := tx.QueryRowContext(ctx, `INSERT INTO tokens (name, hash, user_id, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			next.Name, next.Hash, idValue(next.UserID), timeValue(next.CreatedAt)).Scan(&next.ID)
		if isUnique(err, "tokens.hash") {
			return &liveblog.Error{Code: liveblog.ECONFLICT, Field: "hash", Message: "A token with this secret already exists."}
		} else if err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		*t = next
		return nil
	})
}

// FindTokenByHash returns the unrevoked token with this hash and records that
// it was used.
func (s *Store) FindTokenByHash(ctx context.Context, hash string) (*liveblog.Token, error) {
	var t *liveblog.Token
	err := s.update(ctx, func(tx *tx) error {
		var err error
		t, err = scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ? AND revoked_at IS NULL`, hash))
		if errors.Is(err, sql.ErrNoRows) {
			return liveblog.Errorf(liveblog.ENOTFOUND, "Token not found.")
		} else if err != nil {
			return fmt.Errorf("find token: %w", err)
		}
		if tx.now.Sub(t.LastUsedAt) < liveblog.TokenUseResolution {
			return nil
		}
		t.LastUsedAt = tx.now
		if _, err := tx.ExecContext(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, timeValue(t.LastUsedAt), t.ID); err != nil {
			return fmt.Errorf("record token use: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// FindTokens lists every token, revoked ones included, newest first.
func (s *Store) FindTokens(ctx context.Context) ([]*liveblog.Token, error) {
	var tokens []*liveblog.Token
	err := s.view(ctx, func(tx *tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at DESC, id DESC`)
		if err != nil {
			return fmt.Errorf("find tokens: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanToken(rows)
			if err != nil {
				return fmt.Errorf("find tokens: %w", err)
			}
			tokens = append(tokens, t)
		}
		return rows.Err()
	})
	return tokens, err
}

// RevokeToken revokes a token for good. Revoking it again changes nothing.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	return s.update(ctx, func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, timeValue(tx.now), id)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		} else if n == 0 {
			return liveblog.Errorf(liveblog.ENOTFOUND, "Token not found.")
		}
		return nil
	})
}
