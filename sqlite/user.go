package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
)

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

// FindUserByID returns a user, disabled or not.
func (s *Store) FindUserByID(ctx context.Context, id int64) (*liveblog.User, error) {
	var u *liveblog.User
	err := s.view(ctx, func(tx *tx) (err error) {
		u, err = tx.findUser(`id = ?`, id)
		return err
	})
	return u, err
}

// FindUserByEmail returns the user with this address, in any case.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (*liveblog.User, error) {
	var u *liveblog.User
	err := s.view(ctx, func(tx *tx) (err error) {
		u, err = tx.findUser(`email = ?`, liveblog.NormalizeEmail(email))
		return err
	})
	return u, err
}

func (tx *tx) findUser(where string, arg any) (*liveblog.User, error) {
	u, err := scanUser(tx.QueryRowContext(tx.ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	return one(u, err, liveblog.ErrNoUser, "find user")
}

// FindUsers lists every user by name.
func (s *Store) FindUsers(ctx context.Context) ([]*liveblog.User, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name COLLATE NOCASE, id`)
	return all(rows, err, scanUser, "find users")
}

func (tx *tx) InsertUser(u *liveblog.User) error {
	byline, err := jsonValue(u.Byline)
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(tx.ctx, `INSERT INTO users (email, name, password_hash, role, byline, disabled, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Email, u.Name, u.PasswordHash, u.Role, byline, u.Disabled,
		timeValue(u.CreatedAt), timeValue(u.UpdatedAt), u.Version).Scan(&u.ID)
	if isUnique(err, "users.email") {
		return liveblog.ErrEmailTaken
	} else if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

// LockUser and ShareUser read the user: the single writer connection is the
// lock.
func (tx *tx) LockUser(id int64) (*liveblog.User, error)  { return tx.findUser(`id = ?`, id) }
func (tx *tx) ShareUser(id int64) (*liveblog.User, error) { return tx.findUser(`id = ?`, id) }

func (tx *tx) SaveUser(u *liveblog.User) error {
	byline, err := jsonValue(u.Byline)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(tx.ctx, `UPDATE users SET name = ?, role = ?, byline = ?, disabled = ?, password_hash = ?,
		updated_at = ?, version = ? WHERE id = ?`,
		u.Name, u.Role, byline, u.Disabled, u.PasswordHash, timeValue(u.UpdatedAt), u.Version, u.ID); err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	return nil
}

// Session reads a session and its user. It is the storage's, which the
// Service's FindSessionByHash decides about.
func (s storage) Session(ctx context.Context, hash string) (*liveblog.Session, error) {
	var sess *liveblog.Session
	err := s.view(ctx, func(tx *tx) (err error) {
		sess, err = tx.LockSession(hash)
		return err
	})
	return sess, err
}

func (tx *tx) LockSession(hash string) (*liveblog.Session, error) {
	var sess liveblog.Session
	var u liveblog.User
	err := tx.QueryRowContext(tx.ctx, `SELECT s.hash, s.user_id, s.created_at, s.expires_at, s.last_seen_at, `+prefixed("u.", userColumns)+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ?`, hash).
		Scan(&sess.Hash, &sess.UserID, timeColumn{&sess.CreatedAt}, timeColumn{&sess.ExpiresAt}, timeColumn{&sess.LastSeenAt},
			&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Role, jsonColumn{&u.Byline}, &u.Disabled,
			timeColumn{&u.CreatedAt}, timeColumn{&u.UpdatedAt}, &u.Version)
	sess.User = &u
	return one(&sess, err, liveblog.ErrNoSession, "find session")
}

func (tx *tx) InsertSession(s *liveblog.Session) error {
	if _, err := tx.ExecContext(tx.ctx, `INSERT INTO sessions (hash, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`,
		s.Hash, s.UserID, timeValue(s.CreatedAt), timeValue(s.ExpiresAt), timeValue(s.LastSeenAt)); err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

func (tx *tx) TouchSession(hash string, at time.Time) error {
	if _, err := tx.ExecContext(tx.ctx, `UPDATE sessions SET last_seen_at = ? WHERE hash = ?`, timeValue(at), hash); err != nil {
		return fmt.Errorf("record session use: %w", err)
	}
	return nil
}

func (tx *tx) DeleteSession(hash string) error {
	if _, err := tx.ExecContext(tx.ctx, `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (tx *tx) EndSessions(userID int64, except string) error {
	if _, err := tx.ExecContext(tx.ctx, `DELETE FROM sessions WHERE user_id = ? AND hash <> ?`, userID, except); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

func (tx *tx) DropSessions(expiredBy, idleSince time.Time) error {
	if _, err := tx.ExecContext(tx.ctx, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?`,
		timeValue(expiredBy), timeValue(idleSince)); err != nil {
		return fmt.Errorf("drop expired sessions: %w", err)
	}
	return nil
}

// LockLoginKeys has nothing to do: the single writer connection counts one
// attempt at a time.
func (tx *tx) LockLoginKeys([]string) error { return nil }

func (tx *tx) InsertLoginAttempt(attempt, key string, at time.Time) error {
	if _, err := tx.ExecContext(tx.ctx, `INSERT INTO login_attempts (attempt, key, at) VALUES (?, ?, ?)`,
		attempt, key, timeValue(at)); err != nil {
		return fmt.Errorf("record login attempt: %w", err)
	}
	return nil
}

func (tx *tx) CountLoginAttempts(key string, since time.Time) (int, error) {
	var n int
	if err := tx.QueryRowContext(tx.ctx, `SELECT count(*) FROM login_attempts WHERE key = ? AND at >= ?`,
		key, timeValue(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count login attempts: %w", err)
	}
	return n, nil
}

func (tx *tx) DropLoginAttempts(before time.Time) error {
	if _, err := tx.ExecContext(tx.ctx, `DELETE FROM login_attempts WHERE at < ?`, timeValue(before)); err != nil {
		return fmt.Errorf("drop old login attempts: %w", err)
	}
	return nil
}

func (tx *tx) ForgetLoginAttempt(attempt string) error {
	if _, err := tx.ExecContext(tx.ctx, `DELETE FROM login_attempts WHERE attempt = ?`, attempt); err != nil {
		return fmt.Errorf("forget login attempt: %w", err)
	}
	return nil
}

// prefixed qualifies each column of a column list with prefix.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
