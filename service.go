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

// write runs fn in one write transaction. What fn returns (a post or an
// event, nil for anything else) is what an idempotent request is answered
// with; the request's audit entry is written in the same transaction. Once
// the transaction has committed, the heads it moved are announced.
func (s *Service) write(ctx context.Context, fn func(*txn) (any, error)) error {
	audit := AuditFrom(ctx)
	var heads map[int64]int64
	err := s.db.Write(ctx, func(tx Tx) error {
		t := &txn{Tx: tx, heads: map[int64]int64{}}
		result, err := fn(t)
		if err != nil {
			return err
		}
		if req := IdempotencyFrom(ctx); req != nil && result != nil {
			if err := t.recordIdempotent(req, result); err != nil {
				return err
			}
		}
		if audit != nil && !audit.Recorded() {
			if err := t.recordAudit(audit); err != nil {
				return err
			}
		}
		heads = t.heads
		return nil
	})
	if err != nil {
		return err
	}
	if audit != nil {
		audit.MarkRecorded()
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

// recordAudit writes a, stamped now; an entry without an event takes the one
// event the transaction wrote to, if there is exactly one.
func (t *txn) recordAudit(a *AuditEntry) error {
	if a.EventID == 0 && len(t.heads) == 1 {
		for id := range t.heads {
			a.EventID = id
		}
	}
	a.At = t.Now()
	if err := t.InsertAudit(a); err != nil {
		return fmt.Errorf("record audit: %w", err)
	}
	return nil
}

// recordIdempotent stores the record of req with the response to result, in
// the transaction of the mutation that produced result. An expired record
// of the key makes way; a live one means the same write was already made,
// and this one must not be.
func (t *txn) recordIdempotent(req *IdempotentRequest, result any) error {
	resp, err := req.Respond(result)
	if err != nil {
		return fmt.Errorf("idempotent response: %w", err)
	}
	if err := t.DropIdempotencyRecord(req.TokenID, req.Key, t.Now().Add(-IdempotencyTTL)); err != nil {
		return fmt.Errorf("drop expired idempotency key: %w", err)
	}
	return t.InsertIdempotencyRecord(&IdempotencyRecord{TokenID: req.TokenID, Key: req.Key,
		Method: req.Method, Path: req.Path, Hash: req.Hash, Response: *resp, CreatedAt: t.Now()})
}

// RecordAudit writes an entry in a transaction of its own, for an action
// that writes nothing else.
func (s *Service) RecordAudit(ctx context.Context, a *AuditEntry) error {
	err := s.write(WithAudit(ctx, nil), func(t *txn) (any, error) { return nil, t.recordAudit(a) })
	if err == nil {
		a.MarkRecorded()
	}
	return err
}

// DeleteExpiredIdempotencyRecords deletes the records older than
// IdempotencyTTL.
func (s *Service) DeleteExpiredIdempotencyRecords(ctx context.Context) (int64, error) {
	var n int64
	err := s.write(ctx, func(t *txn) (_ any, err error) {
		n, err = t.DropIdempotencyRecords(t.Now().Add(-IdempotencyTTL))
		return nil, err
	})
	return n, err
}

// SetPresence records that p.UserID is on p.EventID's desk now, and drops
// the rows of desks that have gone quiet, so that the table holds only the
// desks open now. A heartbeat is not a newsroom action: it does not take the
// request's audit entry.
func (s *Service) SetPresence(ctx context.Context, p *Presence) error {
	return s.write(WithAudit(ctx, nil), func(t *txn) (any, error) {
		if err := t.DropPresence(t.Now().Add(-PresenceTimeout)); err != nil {
			return nil, err
		}
		p.SeenAt = t.Now()
		return nil, t.UpsertPresence(p)
	})
}
