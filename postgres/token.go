package postgres

import (
	"context"
	"errors"
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

// CreateToken stores a new token, unused and unrevoked.
func (s *Store) CreateToken(ctx context.Context, t *liveblog.Token) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *tx) error {
		next := *t
		next.CreatedAt, next.LastUsedAt, next.RevokedAt = tx.now, time.Time{}, time.Time{}
		err := tx.QueryRow(ctx, `INSERT INTO tokens (name, hash, user_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			next.Name, next.Hash, idValue(next.UserID), next.CreatedAt).Scan(&next.ID)
		if isUnique(err, "tokens_hash_key") {
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
		t, err = scanToken(tx.QueryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = $1 AND revoked_at IS NULL`, hash))
		if errors.Is(err, pgx.ErrNoRows) {
			return liveblog.Errorf(liveblog.ENOTFOUND, "Token not found.")
		} else if err != nil {
			return fmt.Errorf("find token: %w", err)
		}
		if tx.now.Sub(t.LastUsedAt) < liveblog.TokenUseResolution {
			return nil
		}
		t.LastUsedAt = tx.now
		if _, err := tx.Exec(ctx, `UPDATE tokens SET last_used_at = $1 WHERE id = $2`, t.LastUsedAt, t.ID); err != nil {
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
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("find tokens: %w", err)
	}
	tokens, err := collect(rows, scanToken)
	if err != nil {
		return nil, fmt.Errorf("find tokens: %w", err)
	}
	return tokens, nil
}

// RevokeToken revokes a token for good. Revoking it again changes nothing.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	return s.update(ctx, func(tx *tx) error {
		tag, err := tx.Exec(ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`, tx.now, id)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return liveblog.Errorf(liveblog.ENOTFOUND, "Token not found.")
		}
		return nil
	})
}
