package http

import (
	"context"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
)

// findKeyEvents fills the key events list of a reader page. It is read after
// the page, so it may be newer than the page's head; the page script applies
// every change after the head to the list as well, and applying a post's
// change again leaves the list as it was, so the two always agree once the
// stream has caught up.
func (s *Server) findKeyEvents(ctx context.Context, v *render.PageView) error {
	if v.KeyOnly {
		return nil
	}
	posts, err := s.store.FindPosts(ctx, liveblog.PostFilter{EventID: v.Page.Event.ID, KeyOnly: true, Limit: render.KeyEventsShown})
	if err != nil {
		return err
	}
	v.KeyEvents = posts
	return nil
}
