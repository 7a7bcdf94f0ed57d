// Package inmem is the Broker of a single-process instance: announcements go
// straight from the store's commit to the hubs of the same process.
package inmem

import (
	"context"
	"sync"

	"github.com/liveblog/liveblog"
)

var _ liveblog.Broker = (*Broker)(nil)

// Broker delivers announcements to the subscribers of this process. Delivery
// is a direct call: subscribers are required not to block, so a publishing
// store is never held up by a reader.
type Broker struct {
	mu     sync.RWMutex
	subs   map[int]func(liveblog.Announcement)
	nextID int
	closed bool
}

// NewBroker returns an empty broker.
func NewBroker() *Broker {
	return &Broker{subs: make(map[int]func(liveblog.Announcement))}
}

// Announce tells every subscriber that eventID has changes up to head. ctx
// is not consulted: the commit has happened whether or not it is done, and
// delivery neither waits nor logs.
func (b *Broker) Announce(_ context.Context, eventID, head int64) {
	a := liveblog.Announcement{EventID: eventID, Head: head}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return
	}
	for _, fn := range b.subs {
		fn(a)
	}
}

// Subscribe registers fn until cancel is called.
func (b *Broker) Subscribe(fn func(liveblog.Announcement)) (cancel func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.nextID
	b.nextID++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

// Close stops all deliveries. It is safe to call more than once.
func (b *Broker) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	clear(b.subs)
	return nil
}
