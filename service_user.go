package liveblog

import (
	"context"
	"slices"
	"time"
)

// CreateToken stores a new token, unused and unrevoked.
func (s *Service) CreateToken(ctx context.Context, w Write, tok *Token) error {
	if err := tok.Validate(); err != nil {
		return err
	}
	return s.write(ctx, w, func(t *txn) (target, error) {
		next := *tok
		next.ID = 0
		next.CreatedAt, next.LastUsedAt, next.RevokedAt = t.Now(), time.Time{}, time.Time{}
		if err := t.InsertToken(&next); err != nil {
			return target{}, err
		}
		*tok = next
		return target{}, nil
	})
}

// FindTokenByHash returns the unrevoked token with this hash and records
// that it was used, once per TokenUseResolution.
func (s *Service) FindTokenByHash(ctx context.Context, hash string) (*Token, error) {
	var tok *Token
	err := s.write(ctx, Write{}, func(t *txn) (_ target, err error) {
		if tok, err = t.TokenByHash(hash); err != nil {
			return target{}, err
		}
		if t.Now().Sub(tok.LastUsedAt) < TokenUseResolution {
			return target{}, nil
		}
		tok.LastUsedAt = t.Now()
		return target{}, t.TouchToken(tok.ID, tok.LastUsedAt)
	})
	if err != nil {
		return nil, err
	}
	return tok, nil
}

// RevokeToken revokes a token for good. Revoking it again changes nothing.
func (s *Service) RevokeToken(ctx context.Context, w Write, id int64) error {
	return s.write(ctx, w, func(t *txn) (target, error) { return target{}, t.RevokeToken(id, t.Now()) })
}

// CreateUser stores a new user.
func (s *Service) CreateUser(ctx context.Context, w Write, u *User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return s.write(ctx, w, func(t *txn) (target, error) {
		next := *u
		next.ID, next.Version = 0, 1
		next.CreatedAt, next.UpdatedAt = t.Now(), t.Now()
		if err := t.InsertUser(&next); err != nil {
			return target{}, err
		}
		*u = next
		return target{}, nil
	})
}

// UpdateUser edits a user; disabling one ends their sessions in the same
// transaction, so nothing signed in outlives the decision. The user is
// locked before the version is checked: two administrators editing version
// 3 at once must not both see 3.
func (s *Service) UpdateUser(ctx context.Context, w Write, id int64, upd UserUpdate) (*User, error) {
	var out *User
	err := s.write(ctx, w, func(t *txn) (target, error) {
		u, err := t.LockUser(id)
		if err != nil {
			return target{}, err
		}
		if err := checkVersion(u.Version, upd.Version); err != nil {
			return target{}, err
		}
		next, err := upd.Apply(u)
		if err != nil {
			return target{}, err
		}
		next.Version, next.UpdatedAt = u.Version+1, t.Now()
		if err := t.SaveUser(next); err != nil {
			return target{}, err
		}
		if next.Disabled {
			if err := t.EndSessions(id, ""); err != nil {
				return target{}, err
			}
		}
		out = next
		return target{}, nil
	})
	return out, err
}

// SetPassword replaces a user's password hash and ends their sessions but
// keepSession.
func (s *Service) SetPassword(ctx context.Context, w Write, id int64, hash, keepSession string) error {
	if hash == "" {
		return FieldError("password", "A user needs a password.")
	}
	return s.write(ctx, w, func(t *txn) (target, error) {
		u, err := t.LockUser(id)
		if err != nil {
			return target{}, err
		}
		u.PasswordHash = hash
		u.Version, u.UpdatedAt = u.Version+1, t.Now()
		if err := t.SaveUser(u); err != nil {
			return target{}, err
		}
		return target{}, t.EndSessions(id, keepSession)
	})
}

// CreateSession stores a session, stamping its times, for a user who is not
// disabled, and drops the sessions that have ended: they are few and short
// lived, and this keeps the table small without a background job. The user
// is held unchanged until commit, so that disabling them meanwhile waits for
// this session and then ends it with the others.
func (s *Service) CreateSession(ctx context.Context, sess *Session) error {
	if len(sess.Hash) != 64 {
		return FieldError("hash", "A session needs the SHA-256 hash of its secret.")
	}
	return s.write(ctx, Write{}, func(t *txn) (target, error) {
		u, err := t.ShareUser(sess.UserID)
		if err != nil {
			return target{}, err
		}
		if u.Disabled {
			return target{}, Errorf(EFORBIDDEN, "This account is disabled.")
		}
		now := t.Now()
		if err := t.DropSessions(now, now.Add(-SessionIdleTimeout)); err != nil {
			return target{}, err
		}
		next := *sess
		next.CreatedAt, next.LastSeenAt, next.ExpiresAt = now, now, now.Add(SessionLifetime)
		if err := t.InsertSession(&next); err != nil {
			return target{}, err
		}
		next.User = u
		*sess = next
		return target{}, nil
	})
}

// FindSessionByHash returns a live session and its user. Most requests only
// read; once per SessionSeenResolution a use is written, after reading the
// session again under its lock, since it may have ended meanwhile.
func (s *Service) FindSessionByHash(ctx context.Context, hash string) (*Session, error) {
	sess, err := s.db.Session(ctx, hash)
	if err != nil {
		return nil, err
	}
	now := s.db.Now()
	if !sess.Live(now) {
		return nil, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) < SessionSeenResolution {
		return sess, nil
	}
	err = s.write(ctx, Write{}, func(t *txn) (_ target, err error) {
		if sess, err = t.LockSession(hash); err != nil {
			return target{}, err
		}
		if !sess.Live(t.Now()) {
			return target{}, ErrNoSession
		}
		sess.LastSeenAt = t.Now()
		return target{}, t.TouchSession(hash, sess.LastSeenAt)
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// Live reports whether the session signs its user in at now: it has not
// expired, and the user is not disabled.
func (s *Session) Live(now time.Time) bool { return !s.Expired(now) && !s.User.Disabled }

// DeleteSession ends a session; ending one that is gone is no error.
func (s *Service) DeleteSession(ctx context.Context, w Write, hash string) error {
	return s.write(ctx, w, func(t *txn) (target, error) { return target{}, t.DeleteSession(hash) })
}

// RecordLoginAttempt counts an attempt against each key and returns their
// counts since since, this one included.
//
// Guesses at one account arrive in parallel, at every node; two that each
// counted their own row and not the other's would both slip under a limit.
// Each key's attempts are counted under a lock of the key, taken in key
// order so that two attempts sharing keys cannot deadlock.
func (s *Service) RecordLoginAttempt(ctx context.Context, attempt string, keys []string, since time.Time) ([]int, error) {
	if attempt == "" {
		return nil, FieldError("attempt", "An attempt needs an id.")
	}
	if err := ValidateLoginKeys(keys); err != nil {
		return nil, err
	}
	since = utc(since)
	var counts []int
	err := s.write(ctx, Write{}, func(t *txn) (_ target, err error) {
		if err := t.LockLoginKeys(slices.Compact(slices.Sorted(slices.Values(keys)))); err != nil {
			return target{}, err
		}
		if err := t.DropLoginAttempts(since); err != nil {
			return target{}, err
		}
		for _, key := range keys {
			if err := t.InsertLoginAttempt(attempt, key, t.Now()); err != nil {
				return target{}, err
			}
		}
		counts, err = countLoginAttempts(t, keys, since)
		return target{}, err
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// CountLoginAttempts returns how many attempts each key has had since
// since, in one read: a client already over a limit is refused before
// anything it typed is written.
func (s *Service) CountLoginAttempts(ctx context.Context, keys []string, since time.Time) ([]int, error) {
	if err := ValidateLoginKeys(keys); err != nil {
		return nil, err
	}
	var counts []int
	err := s.db.Read(ctx, func(t ReadTx) (err error) {
		counts, err = countLoginAttempts(t, keys, utc(since))
		return err
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// countLoginAttempts counts each key's attempts since since.
func countLoginAttempts(t ReadTx, keys []string, since time.Time) ([]int, error) {
	counts := make([]int, len(keys))
	for i, key := range keys {
		n, err := t.CountLoginAttempts(key, since)
		if err != nil {
			return nil, err
		}
		counts[i] = n
	}
	return counts, nil
}

// ForgetLoginAttempt takes back an attempt that succeeded.
func (s *Service) ForgetLoginAttempt(ctx context.Context, attempt string) error {
	return s.write(ctx, Write{}, func(t *txn) (target, error) { return target{}, t.ForgetLoginAttempt(attempt) })
}

// RecordSignInFailure adds a failed sign-in to its address's counts, and
// drops the addresses quiet for longer than SignInFailureRetention: the
// rows a spread of addresses leaves behind are bounded by age.
func (s *Service) RecordSignInFailure(ctx context.Context, f SignInFailure) error {
	if err := f.Validate(); err != nil {
		return err
	}
	failures, throttled := f.Counts()
	return s.write(ctx, Write{}, func(t *txn) (target, error) {
		if err := t.DropSignInFailures(t.Now().Add(-SignInFailureRetention)); err != nil {
			return target{}, err
		}
		return target{}, t.AddSignInFailure(f.Address, failures, throttled, f.Email, t.Now())
	})
}
