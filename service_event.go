package liveblog

import "context"

// CreateEvent stores a new event (see newEvent). It appends no change: the
// event has no readers yet, and its feed starts with its first post.
func (s *Service) CreateEvent(ctx context.Context, e *Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) (any, error) {
		next := newEvent(*e, t.Now())
		if err := t.InsertEvent(next, 0); err != nil {
			return nil, err
		}
		*e = *next
		return e, nil
	})
}

// ChangeEvent makes transition tr of event id, in one transaction with the
// change it makes to the feed, and returns the event as it left it.
func (s *Service) ChangeEvent(ctx context.Context, id int64, tr EventTransition) (*Event, error) {
	if err := tr.Check(); err != nil {
		return nil, err
	}
	var out *Event
	err := s.write(ctx, func(t *txn) (any, error) {
		e, err := t.LockedEvent(id)
		if err != nil {
			return nil, err
		}
		kind, err := tr.Apply(e, t.Now())
		if err != nil {
			return nil, err
		}
		if err := t.SaveEvent(e); err != nil {
			return nil, err
		}
		if kind != "" {
			if err := t.appendChange(&Change{EventID: e.ID, Kind: kind, Event: e}); err != nil {
				return nil, err
			}
		}
		out = e
		return e, nil
	})
	return out, err
}

// UpdateEvent edits an event's title, description or zone (see
// EventUpdate.Apply).
func (s *Service) UpdateEvent(ctx context.Context, id int64, upd EventUpdate) (*Event, error) {
	return s.ChangeEvent(ctx, id, &upd)
}

// SetCoverage moves an event's coverage (see SetCoverage).
func (s *Service) SetCoverage(ctx context.Context, id int64, state CoverageState, version int) (*Event, error) {
	return s.ChangeEvent(ctx, id, SetCoverage{State: state, Version: version})
}

// ReplaceSummary replaces an event's key points (see ReplaceSummary).
func (s *Service) ReplaceSummary(ctx context.Context, id int64, points []string, version int) (*Event, error) {
	return s.ChangeEvent(ctx, id, ReplaceSummary{Points: points, Version: version})
}

// TrimChanges drops the oldest changes of an event so that at most keep
// remain, and raises its floor to the newest one dropped. It holds the
// event's lock, like every writer of the feed, so that a takedown clearing
// payloads and a trim deleting them never wait on each other in opposite
// orders.
func (s *Service) TrimChanges(ctx context.Context, eventID int64, keep int) error {
	if keep < 0 {
		return FieldError("keep", "The number of changes to keep cannot be negative.")
	}
	return s.write(ctx, func(t *txn) (any, error) {
		head, floor, err := t.LockFeed(eventID)
		if err != nil {
			return nil, err
		}
		if cut := head - int64(keep); cut > floor {
			return nil, t.TrimFeed(eventID, cut)
		}
		return nil, nil
	})
}
