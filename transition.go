package liveblog

import "time"

// A Transition is one change of a post or an event: publishing a post,
// editing, pinning, deleting or restoring it; retitling an event, moving its
// coverage, replacing its key points. Each is a rule of the domain, and every
// store makes it the same way (Service.ChangePost, Service.ChangeEvent): it
// locks and reads the record, lets the transition change it, and saves it
// with the change it names to the feed, in one transaction.
type Transition[T Post | Event] interface {
	// Check refuses what is wrong whatever the record is, before anything
	// is read.
	Check() error
	// Apply changes v, as read and locked at now, and returns the change
	// readers see, "" for none. A transition that changes v moves its
	// version on (touch); one that leaves v as it is changes nothing, and
	// nothing is saved.
	//
	// What follows from a post's new state is the Service's: pinning it
	// unpins the event's other pinned post, and a post.deleted clears the
	// payloads of the post's earlier changes.
	Apply(v *T, now time.Time) (ChangeKind, error)
}

// The transitions of posts (PostUpdate, DeletePost, RestorePost, PinPost)
// and of events (EventUpdate, SetCoverage, ReplaceSummary).
type (
	PostTransition  = Transition[Post]
	EventTransition = Transition[Event]
)

// touch marks p changed at now: its next version, updated at now.
func (p *Post) touch(now time.Time) {
	p.Version++
	p.UpdatedAt = now
}

// touch marks e changed at now: its next version, updated at now.
func (e *Event) touch(now time.Time) {
	e.Version++
	e.UpdatedAt = now
}
