package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
)

var _ liveblog.UserStore = (*Store)(nil)

const userColumns = `id, email, name, password_hash, role, byline, disabled, created_at, updated_at, version`

func scanUser(row scanner) (*liveblog.User, error) {
	var u liveblog.User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Role, jsonColumn{&u.Byline}, &u.Disabled,
		timeColumn{&u.CreatedAt}, timeColumn{&u.UpdatedAt}, &u.Version)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

var errNoUser = liveblog.Errorf(liveblog.ENOTFOUND, "User not found.")

// CreateUser stores a new user.
func (s *Store) CreateUser(ctx context.Context, u *liveblog.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *tx) error {
		next := *u
		next.Version = 1
		next.CreatedAt, next.UpdatedAt = tx.now, tx.now
		byline, err := jsonValue(next.Byline)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, role, byline, disabled, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			next.Email, next.Name, next.PasswordHash, next.Role, byline, next.Disabled,
			timeValue(next.CreatedAt), timeValue(next.UpdatedAt), next.Version).Scan(&next.ID)
		if isUnique(err, "users.email") {
			return &liveblog.Error{Code: liveblog.ECONFLICT, Field: "email", Message: "A user with this email address already exists."}
		} else if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		*u = next
		return nil
	})
}

// FindUserByID returns a user, disabled or not.
func (s *Store) FindUserByID(ctx context.Context, id int64) (*liveblog.User, error) {
	var u *liveblog.User
	err := s.view(ctx, func(tx *tx) (err error) {
		u, err = tx.findUser(ctx, `id = ?`, id)
		return err
	})
	return u, err
}

// FindUserByEmail returns the user with this address, in any case.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (*liveblog.User, error) {
	var u *liveblog.User
	err := s.view(ctx, func(tx *tx) (err error) {
		u, err = tx.findUser(ctx, `email = ?`, liveblog.NormalizeEmail(email))
		return err
	})
	return u, err
}

func (tx *tx) findUser(ctx context.Context, where string, arg any) (*liveblog.User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoUser
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// FindUsers lists every user by name.
func (s *Store) FindUsers(ctx context.Context) ([]*liveblog.User, error) {
	var users []*liveblog.User
	err := s.view(ctx, func(tx *tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name COLLATE NOCASE, id`)
		if err != nil {
			return fmt.Errorf("find users: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return fmt.Errorf("find users: %w", err)
			}
			users = append(users, u)
		}
		return rows.Err()
	})
	return users, err
}

// UpdateUser edits a user; disabling one ends their sessions in the same
// transaction, so nothing signed in outlives the decision.
func (s *Store) UpdateUser(ctx context.Context, id int64, upd liveblog.UserUpdate) (*liveblog.User, error) {
	var out *liveblog.User
	err := s.update(ctx, func(tx *tx) error {
		u, err := tx.findUser(ctx, `id = ?`, id)
		if err != nil {
			return err
		}
		if err := checkVersion(u.Version, upd.Version); err != nil {
			return err
		}
		next, err := upd.Apply(u)
		if err != nil {
			return err
		}
		next.Version, next.UpdatedAt = u.Version+1, tx.now
		byline, err := jsonValue(next.Byline)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = ?, role = ?, byline = ?, disabled = ?, updated_at = ?, version = ? WHERE id = ?`,
			next.Name, next.Role, byline, next.Disabled, timeValue(next.UpdatedAt), next.Version, id); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if next.Disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		out = next
		return nil
	})
	return out, err
}

// SetPassword replaces a password hash and ends the user's other sessions.
func (s *Store) SetPassword(ctx context.Context, id int64, hash, keepSession string) error {
	if hash == "" {
		return liveblog.FieldError("password", "A user needs a password.")
	}
	return s.update(ctx, func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			hash, timeValue(tx.now), id)
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("set password: %w", err)
		} else if n == 0 {
			return errNoUser
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND hash <> ?`, id, keepSession); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		return nil
	})
}

// CreateSession stores a session for a user who is not disabled.
func (s *Store) CreateSession(ctx context.Context, sess *liveblog.Session) error {
	if len(sess.Hash) != 64 {
		return liveblog.FieldError("hash", "A session needs the SHA-256 hash of its secret.")
	}
	return s.update(ctx, func(tx *tx) error {
		u, err := tx.findUser(ctx, `id = ?`, sess.UserID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return liveblog.Errorf(liveblog.EFORBIDDEN, "This account is disabled.")
		}
		// Sessions are few and short-lived; dropping the dead ones here
		// keeps the table small without a background job.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?`,
			timeValue(tx.now), timeValue(tx.now.Add(-liveblog.SessionIdleTimeout))); err != nil {
			return fmt.Errorf("drop expired sessions: %w", err)
		}
		next := *sess
		next.CreatedAt, next.LastSeenAt = tx.now, tx.now
		next.ExpiresAt = tx.now.Add(liveblog.SessionLifetime)
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`,
			next.Hash, next.UserID, timeValue(next.CreatedAt), timeValue(next.ExpiresAt), timeValue(next.LastSeenAt)); err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		next.User = u
		*sess = next
		return nil
	})
}

// FindSessionByHash returns a live session and its user. Most requests
// only read; one a minute per session writes its last use.
func (s *Store) FindSessionByHash(ctx context.Context, hash string) (*liveblog.Session, error) {
	var out *liveblog.Session
	read := func(tx *tx) error {
		var sess liveblog.Session
		row := tx.QueryRowContext(ctx, `SELECT s.hash, s.user_id, s.created_at, s.expires_at, s.last_seen_at, `+prefixed("u.", userColumns)+`
			FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ?`, hash)
		var u liveblog.User
		err := row.Scan(&sess.Hash, &sess.UserID, timeColumn{&sess.CreatedAt}, timeColumn{&sess.ExpiresAt}, timeColumn{&sess.LastSeenAt},
			&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Role, jsonColumn{&u.Byline}, &u.Disabled,
			timeColumn{&u.CreatedAt}, timeColumn{&u.UpdatedAt}, &u.Version)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoSession
		} else if err != nil {
			return fmt.Errorf("find session: %w", err)
		}
		if sess.Expired(tx.now) || u.Disabled {
			return errNoSession
		}
		sess.User = &u
		out = &sess
		return nil
	}
	if err := s.view(ctx, read); err != nil {
		return nil, err
	}
	if s.now().Sub(out.LastSeenAt) < liveblog.SessionSeenResolution {
		return out, nil
	}
	err := s.update(ctx, func(tx *tx) error {
		// Read again under the write lock: the session may have been
		// ended between the two transactions.
		if err := read(tx); err != nil {
			return err
		}
		out.LastSeenAt = tx.now
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE hash = ?`, timeValue(tx.now), hash)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var errNoSession = liveblog.Errorf(liveblog.ENOTFOUND, "Session not found.")

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.update(ctx, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return nil
	})
}

// RecordLoginAttempt counts an attempt against each key and returns their
// counts since since.
func (s *Store) RecordLoginAttempt(ctx context.Context, attempt string, keys []string, since time.Time) ([]int, error) {
	if attempt == "" {
		return nil, liveblog.FieldError("attempt", "An attempt needs an id.")
	}
	if err := liveblog.ValidateLoginKeys(keys); err != nil {
		return nil, err
	}
	var counts []int
	err := s.update(ctx, func(tx *tx) (err error) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE at < ?`, timeValue(utc(since))); err != nil {
			return fmt.Errorf("drop old login attempts: %w", err)
		}
		for _, key := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_attempts (attempt, key, at) VALUES (?, ?, ?)`,
				attempt, key, timeValue(tx.now)); err != nil {
				return fmt.Errorf("record login attempt: %w", err)
			}
		}
		counts, err = tx.countLoginAttempts(ctx, keys, since)
		return err
	})
	return counts, err
}

// ForgetLoginAttempt deletes the rows of an attempt that succeeded.
func (s *Store) ForgetLoginAttempt(ctx context.Context, attempt string) error {
	return s.update(ctx, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE attempt = ?`, attempt); err != nil {
			return fmt.Errorf("forget login attempt: %w", err)
		}
		return nil
	})
}

// prefixed qualifies each column of a column list with prefix.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
