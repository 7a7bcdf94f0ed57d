package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
)

// loginLockClass namespaces the advisory locks that serialise the sign-in
// attempts counted against one key (its bytes spell "logi"); the second half
// of each lock is a hash of the key.
const loginLockClass int32 = 0x6c6f6769

const userColumns = `id, email, name, password_hash, role, byline, disabled, created_at, updated_at, version`

// sessionColumns reads a session joined, as s, with its user, as u.
const sessionColumns = `s.hash, s.user_id, s.created_at, s.expires_at, s.last_seen_at,
	u.id, u.email, u.name, u.password_hash, u.role, u.byline, u.disabled, u.created_at, u.updated_at, u.version`

func scanUser(row pgx.Row) (*liveblog.User, error) {
	var u liveblog.User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Role, &u.Byline, &u.Disabled,
		timeColumn{&u.CreatedAt}, timeColumn{&u.UpdatedAt}, &u.Version)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

func scanSession(row pgx.Row) (*liveblog.Session, error) {
	var s liveblog.Session
	var u liveblog.User
	err := row.Scan(&s.Hash, &s.UserID, timeColumn{&s.CreatedAt}, timeColumn{&s.ExpiresAt}, timeColumn{&s.LastSeenAt},
		&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Role, &u.Byline, &u.Disabled,
		timeColumn{&u.CreatedAt}, timeColumn{&u.UpdatedAt}, &u.Version)
	if err != nil {
		return nil, err
	}
	s.User = &u
	return &s, nil
}

// FindUserByID returns a user, disabled or not.
func (s *Store) FindUserByID(ctx context.Context, id int64) (*liveblog.User, error) {
	return findUser(ctx, s.pool, `id = $1`, id)
}

// FindUserByEmail returns the user with this address, in any case.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (*liveblog.User, error) {
	return findUser(ctx, s.pool, `email = $1`, liveblog.NormalizeEmail(email))
}

// findUser returns the user matching where, which may end in a locking
// clause.
func findUser(ctx context.Context, q db, where string, arg any) (*liveblog.User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	return one(u, err, liveblog.ErrNoUser, "find user")
}

// FindUsers lists every user by name, ignoring case as the SQLite store
// does.
func (s *Store) FindUsers(ctx context.Context) ([]*liveblog.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY lower(name), id`)
	return all(rows, err, scanUser, "find users")
}

func (tx *tx) InsertUser(u *liveblog.User) error {
	byline, err := jsonValue(u.Byline)
	if err != nil {
		return err
	}
	err = tx.QueryRow(tx.ctx, `INSERT INTO users (email, name, password_hash, role, byline, disabled, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		u.Email, u.Name, u.PasswordHash, u.Role, byline, u.Disabled, u.CreatedAt, u.UpdatedAt, u.Version).Scan(&u.ID)
	if isUnique(err, "users_email_key") {
		return liveblog.ErrEmailTaken
	} else if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

func (tx *tx) LockUser(id int64) (*liveblog.User, error) {
	return findUser(tx.ctx, tx, `id = $1 FOR UPDATE`, id)
}

func (tx *tx) ShareUser(id int64) (*liveblog.User, error) {
	return findUser(tx.ctx, tx, `id = $1 FOR SHARE`, id)
}

func (tx *tx) SaveUser(u *liveblog.User) error {
	byline, err := jsonValue(u.Byline)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(tx.ctx, `UPDATE users SET name = $1, role = $2, byline = $3, disabled = $4, password_hash = $5,
		updated_at = $6, version = $7 WHERE id = $8`,
		u.Name, u.Role, byline, u.Disabled, u.PasswordHash, u.UpdatedAt, u.Version, u.ID); err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	return nil
}

// Session reads a session and its user in one statement, on the pool: most
// desk requests read it and write nothing.
func (s storage) Session(ctx context.Context, hash string) (*liveblog.Session, error) {
	return findSession(ctx, s.pool, hash, "")
}

func (tx *tx) LockSession(hash string) (*liveblog.Session, error) {
	return findSession(tx.ctx, tx, hash, ` FOR UPDATE OF s`)
}

// findSession reads a session with its user; lock is an optional locking
// clause.
func findSession(ctx context.Context, q db, hash, lock string) (*liveblog.Session, error) {
	sess, err := scanSession(q.QueryRow(ctx, `SELECT `+sessionColumns+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = $1`+lock, hash))
	return one(sess, err, liveblog.ErrNoSession, "find session")
}

func (tx *tx) InsertSession(s *liveblog.Session) error {
	if _, err := tx.Exec(tx.ctx, `INSERT INTO sessions (hash, user_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)`,
		s.Hash, s.UserID, s.CreatedAt, s.ExpiresAt, s.LastSeenAt); err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

func (tx *tx) TouchSession(hash string, at time.Time) error {
	if _, err := tx.Exec(tx.ctx, `UPDATE sessions SET last_seen_at = $1 WHERE hash = $2`, at, hash); err != nil {
		return fmt.Errorf("record session use: %w", err)
	}
	return nil
}

func (tx *tx) DeleteSession(hash string) error {
	if _, err := tx.Exec(tx.ctx, `DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (tx *tx) EndSessions(userID int64, except string) error {
	if _, err := tx.Exec(tx.ctx, `DELETE FROM sessions WHERE user_id = $1 AND hash <> $2`, userID, except); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

func (tx *tx) DropSessions(expiredBy, idleSince time.Time) error {
	if _, err := tx.Exec(tx.ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2`, expiredBy, idleSince); err != nil {
		return fmt.Errorf("drop expired sessions: %w", err)
	}
	return nil
}

// LockLoginKeys takes an advisory lock per key, in the order given. Under
// READ COMMITTED two attempts at one account on two nodes would otherwise
// each count its own row and not the other's.
func (tx *tx) LockLoginKeys(keys []string) error {
	for _, key := range keys {
		if _, err := tx.Exec(tx.ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, loginLockClass, key); err != nil {
			return fmt.Errorf("lock login attempts: %w", err)
		}
	}
	return nil
}

func (tx *tx) InsertLoginAttempt(attempt, key string, at time.Time) error {
	if _, err := tx.Exec(tx.ctx, `INSERT INTO login_attempts (attempt, key, at) VALUES ($1, $2, $3)`, attempt, key, at); err != nil {
		return fmt.Errorf("record login attempt: %w", err)
	}
	return nil
}

func (tx *tx) CountLoginAttempts(key string, since time.Time) (int, error) {
	var n int
	if err := tx.QueryRow(tx.ctx, `SELECT count(*) FROM login_attempts WHERE key = $1 AND at >= $2`, key, since).Scan(&n); err != nil {
		return 0, fmt.Errorf("count login attempts: %w", err)
	}
	return n, nil
}

func (tx *tx) DropLoginAttempts(before time.Time) error {
	if _, err := tx.Exec(tx.ctx, `DELETE FROM login_attempts WHERE at < $1`, before); err != nil {
		return fmt.Errorf("drop old login attempts: %w", err)
	}
	return nil
}

func (tx *tx) ForgetLoginAttempt(attempt string) error {
	if _, err := tx.Exec(tx.ctx, `DELETE FROM login_attempts WHERE attempt = $1`, attempt); err != nil {
		return fmt.Errorf("forget login attempt: %w", err)
	}
	return nil
}
