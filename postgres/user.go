package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
)

var _ liveblog.UserStore = (*Store)(nil)

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

var (
	errNoUser    = liveblog.Errorf(liveblog.ENOTFOUND, "User not found.")
	errNoSession = liveblog.Errorf(liveblog.ENOTFOUND, "Session not found.")
)

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
		err = tx.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, role, byline, disabled, created_at, updated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			next.Email, next.Name, next.PasswordHash, next.Role, byline, next.Disabled,
			next.CreatedAt, next.UpdatedAt, next.Version).Scan(&next.ID)
		if isUnique(err, "users_email_key") {
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
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNoUser
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// FindUsers lists every user by name, ignoring case as the SQLite store
// does.
func (s *Store) FindUsers(ctx context.Context) ([]*liveblog.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY lower(name), id`)
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	users, err := collect(rows, scanUser)
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	return users, nil
}

// UpdateUser edits a user; disabling one ends their sessions in the same
// transaction, so nothing signed in outlives the decision. The user's row is
// locked before the version is checked: two admins on two nodes editing
// version 3 at once must not both see 3.
func (s *Store) UpdateUser(ctx context.Context, id int64, upd liveblog.UserUpdate) (*liveblog.User, error) {
	var out *liveblog.User
	err := s.update(ctx, func(tx *tx) error {
		u, err := findUser(ctx, tx, `id = $1 FOR UPDATE`, id)
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
		if _, err := tx.Exec(ctx, `UPDATE users SET name = $1, role = $2, byline = $3, disabled = $4, updated_at = $5, version = $6 WHERE id = $7`,
			next.Name, next.Role, byline, next.Disabled, next.UpdatedAt, next.Version, id); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if next.Disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
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
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1, updated_at = $2, version = version + 1 WHERE id = $3`,
			hash, tx.now, id)
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return errNoUser
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND hash <> $2`, id, keepSession); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		return nil
	})
}

// CreateSession stores a session for a user who is not disabled. The user's
// row is read FOR SHARE, so that disabling the user on another node waits
// for this session to be committed, and then ends it with the others.
func (s *Store) CreateSession(ctx context.Context, sess *liveblog.Session) error {
	if len(sess.Hash) != 64 {
		return liveblog.FieldError("hash", "A session needs the SHA-256 hash of its secret.")
	}
	return s.update(ctx, func(tx *tx) error {
		u, err := findUser(ctx, tx, `id = $1 FOR SHARE`, sess.UserID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return liveblog.Errorf(liveblog.EFORBIDDEN, "This account is disabled.")
		}
		// Sessions are few and short-lived; dropping the dead ones here
		// keeps the table small without a background job.
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2`,
			tx.now, tx.now.Add(-liveblog.SessionIdleTimeout)); err != nil {
			return fmt.Errorf("drop expired sessions: %w", err)
		}
		next := *sess
		next.CreatedAt, next.LastSeenAt = tx.now, tx.now
		next.ExpiresAt = tx.now.Add(liveblog.SessionLifetime)
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (hash, user_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)`,
			next.Hash, next.UserID, next.CreatedAt, next.ExpiresAt, next.LastSeenAt); err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		next.User = u
		*sess = next
		return nil
	})
}

// FindSessionByHash returns a live session and its user. Most requests only
// read, in one statement; one a minute per session writes its last use.
func (s *Store) FindSessionByHash(ctx context.Context, hash string) (*liveblog.Session, error) {
	out, err := findSession(ctx, s.pool, hash, "", s.now())
	if err != nil {
		return nil, err
	}
	if s.now().Sub(out.LastSeenAt) < liveblog.SessionSeenResolution {
		return out, nil
	}
	err = s.update(ctx, func(tx *tx) error {
		// Read again with the session locked: it may have been ended
		// since, on this node or another.
		sess, err := findSession(ctx, tx, hash, ` FOR UPDATE OF s`, tx.now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE hash = $2`, tx.now, hash); err != nil {
			return fmt.Errorf("record session use: %w", err)
		}
		sess.LastSeenAt = tx.now
		out = sess
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// findSession reads a session that is live at now, with its user; lock is
// an optional locking clause.
func findSession(ctx context.Context, q db, hash, lock string, now time.Time) (*liveblog.Session, error) {
	sess, err := scanSession(q.QueryRow(ctx, `SELECT `+sessionColumns+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = $1`+lock, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNoSession
	} else if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	if sess.Expired(now) || sess.User.Disabled {
		return nil, errNoSession
	}
	return sess, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.update(ctx, func(tx *tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return nil
	})
}

// RecordLoginAttempt counts an attempt against each key and returns their
// counts since since.
//
// Guesses at one account arrive in parallel at every node; under READ
// COMMITTED two of them would each count its own row and not the other's,
// and both slip under a limit. An advisory lock per key, taken in key order
// so that two attempts sharing keys cannot deadlock, makes each count see
// every attempt before it.
func (s *Store) RecordLoginAttempt(ctx context.Context, attempt string, keys []string, since time.Time) ([]int, error) {
	if attempt == "" {
		return nil, liveblog.FieldError("attempt", "An attempt needs an id.")
	}
	if err := liveblog.ValidateLoginKeys(keys); err != nil {
		return nil, err
	}
	since = utc(since)
	var counts []int
	err := s.update(ctx, func(tx *tx) (err error) {
		for _, key := range slices.Compact(slices.Sorted(slices.Values(keys))) {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, loginLockClass, key); err != nil {
				return fmt.Errorf("lock login attempts: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_attempts WHERE at < $1`, since); err != nil {
			return fmt.Errorf("drop old login attempts: %w", err)
		}
		for _, key := range keys {
			if _, err := tx.Exec(ctx, `INSERT INTO login_attempts (attempt, key, at) VALUES ($1, $2, $3)`,
				attempt, key, tx.now); err != nil {
				return fmt.Errorf("record login attempt: %w", err)
			}
		}
		counts, err = countLoginAttempts(ctx, tx, keys, since)
		return err
	})
	return counts, err
}

// ForgetLoginAttempt deletes the rows of an attempt that succeeded.
func (s *Store) ForgetLoginAttempt(ctx context.Context, attempt string) error {
	return s.update(ctx, func(tx *tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM login_attempts WHERE attempt = $1`, attempt); err != nil {
			return fmt.Errorf("forget login attempt: %w", err)
		}
		return nil
	})
}
