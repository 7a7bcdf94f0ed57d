package liveblog

import "context"

// CreateEvent stores a new event (see newEvent). It appends no change: the
// event has no readers yet, and its feed starts with its first post.
func (s *Service) CreateEvent(ctx context.Context, w Write, e *Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return s.write(ctx, w, func(t *txn) (target, error) {
		next := newEvent(*e, t.Now())
		if err := t.InsertEvent(next, 0); err != nil {
			return target{}, err
		}
		*e = *next
		return eventTarget(e), nil
	})
}

// ChangeEvent makes transition tr of event id, in one transaction with the
// change it makes to the feed, and returns the event as it left it.
func (s *Service) ChangeEvent(ctx context.Context, w Write, id int64, tr EventTransition) (*Event, error) {
	if err := tr.Check(); err != nil {
		return nil, err
	}
	var out *Event
	err := s.write(ctx, w, func(t *txn) (target, error) {
		var err error
		if out, err = t.changeEvent(w, id, tr); err != nil {
			return target{}, err
		}
		return eventTarget(out), nil
	})
	return out, err
}

// changeEvent makes transition tr of event id in t. A summary it replaces
// is kept in the event's history first.
func (t *txn) changeEvent(w Write, id int64, tr EventTransition) (*Event, error) {
	e, err := t.LockedEvent(id)
	if err != nil {
		return nil, err
	}
	next := *e
	kind, err := tr.Apply(&next, t.Now())
	if err != nil {
		return nil, err
	}
	if kind == ChangeSummary {
		if err := t.keepSummary(w, e); err != nil {
			return nil, err
		}
	}
	if next.Version != e.Version {
		if err := t.SaveEvent(&next); err != nil {
			return nil, err
		}
	}
	if kind != "" {
		if err := t.appendChange(&Change{EventID: next.ID, Kind: kind, Event: &next}); err != nil {
			return nil, err
		}
	}
	return &next, nil
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
	return s.write(ctx, Write{}, func(t *txn) (target, error) {
		head, floor, err := t.LockFeed(eventID)
		if err != nil {
			return target{}, err
		}
		if cut := head - int64(keep); cut > floor {
			return target{}, t.TrimFeed(eventID, cut)
		}
		return target{}, nil
	})
}
