package liveblog

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

// Service is the one implementation of the rules a store keeps: what every
// write does to posts, events and the change feed, to users and sessions,
// tokens, webhooks, presence, the audit log and idempotent requests. It runs
// them on a Storage, in the storage's transactions, so that each store
// adapter holds only its SQL: the adapters embed a Service, and the Store
// methods they do not define themselves (the writes, and the reads that
// decide something) are the Service's.
type Service struct {
	// Announcer is told each event's new head after a commit; nil means
	// nobody listens.
	Announcer Announcer

	db Storage
}

// NewService returns the Service that runs on db.
func NewService(db Storage) *Service { return &Service{db: db} }

// txn is a write transaction as the Service uses it: the storage's, and the
// heads its changes moved, announced once it has committed.
type txn struct {
	Tx
	heads map[int64]int64
}

// target is what a write of a post or an event acted on, for its audit line
// and its idempotency record: the event, the post (0 for an event's own
// write), and the version the write left. The zero target is anything else.
type target struct {
	eventID, postID int64
	version         int
}

func postTarget(p *Post) target   { return target{eventID: p.EventID, postID: p.ID, version: p.Version} }
func eventTarget(e *Event) target { return target{eventID: e.ID, version: e.Version} }

// write runs fn in one write transaction, and in it records what w asks:
// the audit line, naming what fn acted on unless w does, and the idempotent
// request with what fn produced. Once the transaction has committed, the
// heads it moved are announced.
func (s *Service) write(ctx context.Context, w Write, fn func(*txn) (target, error)) error {
	var heads map[int64]int64
	err := s.db.Write(ctx, func(tx Tx) error {
		t := &txn{Tx: tx, heads: map[int64]int64{}}
		did, err := fn(t)
		if err != nil {
			return err
		}
		if w.Idempotent != nil {
			if err := t.recordIdempotent(w.Idempotent, did); err != nil {
				return err
			}
		}
		if w.Audit.Action != "" {
			a := w.Audit
			if a.EventID == 0 {
				a.EventID = did.eventID
			}
			if a.PostID == 0 {
				a.PostID = did.postID
			}
			if err := t.recordAudit(&a); err != nil {
				return err
			}
		}
		heads = t.heads
		return nil
	})
	if err != nil {
		return err
	}
	if s.Announcer != nil && len(heads) > 0 {
		// The write has happened whether or not the caller is still there.
		actx := context.WithoutCancel(ctx)
		for _, id := range slices.Sorted(maps.Keys(heads)) {
			s.Announcer.Announce(actx, id, heads[id])
		}
	}
	return nil
}

// appendChange gives c the event's next sequence and stores it, stamped
// with the transaction's time. Raising the head in the writing transaction,
// under the event's lock, is what keeps the feed gapless whatever the
// concurrency: a rollback gives the number back. An event change carries
// the event as the change left it, head included.
func (t *txn) appendChange(c *Change) error {
	seq, err := t.NextSeq(c.EventID)
	if err != nil {
		return fmt.Errorf("append change: %w", err)
	}
	c.Seq, c.CreatedAt = seq, t.Now()
	if c.Event != nil {
		c.Event.Head = seq
	}
	if err := t.InsertChange(c); err != nil {
		return fmt.Errorf("append change: %w", err)
	}
	t.heads[c.EventID] = seq
	return nil
}

// recordAudit writes a, stamped with the transaction's time.
func (t *txn) recordAudit(a *AuditEntry) error {
	a.At = t.Now()
	if err := t.InsertAudit(a); err != nil {
		return fmt.Errorf("record audit: %w", err)
	}
	return nil
}

// recordIdempotent stores the record of req, naming what the write
// produced, in the write's transaction. An expired record of the key makes
// way; a live one means the same write was already made, and this one must
// not be. Only a write of a post or an event can be answered again from
// what it produced.
func (t *txn) recordIdempotent(req *IdempotentRequest, did target) error {
	if did.version == 0 {
		return FieldError("Idempotency-Key", "This request cannot be made idempotent; send it without an Idempotency-Key.")
	}
	if err := t.DropIdempotencyRecord(req.TokenID, req.Key, IdempotencyCutoff(t.Now())); err != nil {
		return fmt.Errorf("drop expired idempotency key: %w", err)
	}
	return t.InsertIdempotencyRecord(&IdempotencyRecord{TokenID: req.TokenID, Key: req.Key,
		Method: req.Method, Path: req.Path, Hash: req.Hash,
		EventID: did.eventID, PostID: did.postID, Version: did.version, CreatedAt: t.Now()})
}

// RecordAudit writes an entry in a transaction of its own, for an action
// that writes nothing else: a sign-in, an image saved to disk.
func (s *Service) RecordAudit(ctx context.Context, a *AuditEntry) error {
	return s.write(ctx, Write{}, func(t *txn) (target, error) { return target{}, t.recordAudit(a) })
}

// DeleteExpiredIdempotencyRecords deletes the records older than
// IdempotencyTTL.
func (s *Service) DeleteExpiredIdempotencyRecords(ctx context.Context) (int64, error) {
	var n int64
	err := s.write(ctx, Write{}, func(t *txn) (_ target, err error) {
		n, err = t.DropIdempotencyRecords(IdempotencyCutoff(t.Now()))
		return target{}, err
	})
	return n, err
}

// SetPresence records that p.UserID is on p.EventID's desk now, and drops
// the rows of desks that have gone quiet, so that the table holds only the
// desks open now. A heartbeat is not a newsroom action: it is not audited.
func (s *Service) SetPresence(ctx context.Context, p *Presence) error {
	return s.write(ctx, Write{}, func(t *txn) (target, error) {
		if err := t.DropPresence(t.Now().Add(-PresenceTimeout)); err != nil {
			return target{}, err
		}
		p.SeenAt = t.Now()
		return target{}, t.UpsertPresence(p)
	})
}
