package liveblog

import "time"

// Check accepts every update: what is valid depends on the post (Apply).
func (u *PostUpdate) Check() error { return nil }

// Apply edits p (see Edited). Publishing a draft or a scheduled post enters
// it in the feed; an edit of a published post that readers can see is a
// post.updated, and one of its text also stamps EditedAt.
func (u *PostUpdate) Apply(p *Post, now time.Time) (ChangeKind, error) {
	if err := checkVersion(p.Version, u.Version); err != nil {
		return "", err
	}
	next, err := u.Edited(p)
	if err != nil {
		return "", err
	}
	next.ScheduledAt = utc(next.ScheduledAt)
	kind := editChange(p, next, now)
	next.touch(now)
	*p = *next
	return kind, nil
}

// DeletePost takes a post down: readers no longer see it, and the payloads
// of its earlier changes are cleared, so that a takedown leaves no copy of
// the text in the feed. An editor can restore it (RestorePost).
type DeletePost struct{ Version int }

// Check accepts every deletion.
func (DeletePost) Check() error { return nil }

// Apply marks p deleted and unpinned. Only a post readers saw leaves the
// feed with a post.deleted.
func (d DeletePost) Apply(p *Post, now time.Time) (ChangeKind, error) {
	if p.Status == StatusDeleted {
		return "", ErrNoPost
	}
	if err := checkVersion(p.Version, d.Version); err != nil {
		return "", err
	}
	var kind ChangeKind
	if p.Status == StatusPublished {
		kind = ChangePostDeleted
	}
	p.Status, p.Pinned = StatusDeleted, false
	p.touch(now)
	return kind, nil
}

// RestorePost publishes a deleted post again, at its original place in the
// event if it had been published before.
type RestorePost struct{ Version int }

// Check accepts every restoration.
func (RestorePost) Check() error { return nil }

// Apply publishes p again.
func (r RestorePost) Apply(p *Post, now time.Time) (ChangeKind, error) {
	if err := checkVersion(p.Version, r.Version); err != nil {
		return "", err
	}
	if p.Status != StatusDeleted {
		return "", FieldError("status", "Only a deleted post can be restored.")
	}
	p.Status = StatusPublished
	if p.PublishedAt.IsZero() {
		p.PublishedAt = now
	}
	p.touch(now)
	return ChangePostPublished, nil
}

// PinPost pins a published post above the event's others, or unpins it. An
// event has one pinned post at most: pinning one unpins the other.
type PinPost struct {
	Pinned  bool
	Version int
}

// Check accepts every pin.
func (PinPost) Check() error { return nil }

// Apply pins or unpins p. Asking for the state p is already in changes
// nothing.
func (t PinPost) Apply(p *Post, now time.Time) (ChangeKind, error) {
	if p.Status == StatusDeleted {
		return "", ErrNoPost
	}
	if err := checkVersion(p.Version, t.Version); err != nil {
		return "", err
	}
	if p.Status != StatusPublished {
		return "", FieldError("pinned", "Only a published post can be pinned.")
	}
	if p.Pinned == t.Pinned {
		return "", nil
	}
	p.Pinned = t.Pinned
	p.touch(now)
	if t.Pinned {
		return ChangePostPinned, nil
	}
	return ChangePostUnpinned, nil
}

// publishDue publishes a scheduled post whose time has come, at the time it
// was scheduled for (see Service.PublishDuePosts).
type publishDue struct{}

func (publishDue) Check() error { return nil }

func (publishDue) Apply(p *Post, now time.Time) (ChangeKind, error) {
	p.Status = StatusPublished
	p.PublishedAt = p.ScheduledAt
	p.touch(now)
	return ChangePostPublished, nil
}

// newPost returns p as a store keeps it when it is created at now: version 1,
// its times in UTC, and published now unless it brings the time it was
// first published (an import); with the change it makes, post.published
// when it is published and "" for a draft or a scheduled post.
func newPost(p Post, now time.Time) (*Post, ChangeKind) {
	p.ID = 0
	p.Version = 1
	p.CreatedAt, p.UpdatedAt = now, now
	p.ScheduledAt, p.PublishedAt, p.EditedAt = utc(p.ScheduledAt), utc(p.PublishedAt), utc(p.EditedAt)
	if p.Status != StatusPublished {
		return &p, ""
	}
	if p.PublishedAt.IsZero() {
		p.PublishedAt = now
	}
	return &p, ChangePostPublished
}
