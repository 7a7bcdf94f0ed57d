package capture

import (
	"context"
	"log/slog"

	"github.com/liveblog/liveblog"
)

// QueueLength is how many saved posts may wait for their captures. A
// newsroom publishes a few posts a minute; a burst beyond this (an import)
// leaves the rest as they went out, which is what a failed fetch does too.
const QueueLength = 256

// Posts is what a Worker needs of the store.
type Posts interface {
	FindPostByID(ctx context.Context, id int64) (*liveblog.Post, error)
	ChangePost(ctx context.Context, w liveblog.Write, id int64, tr liveblog.PostTransition) (*liveblog.Post, error)
}

// Worker captures the embeds of saved posts in the background, one post at
// a time, and upgrades each post through the store (liveblog.CaptureEmbed),
// so that readers get the captured facade as a post.updated in the stream.
type Worker struct {
	fetcher *Fetcher
	posts   Posts
	log     *slog.Logger
	// queue holds the ids of posts to capture: Enqueue sends, only Run
	// receives.
	queue chan int64
}

// NewWorker returns a worker; Run starts it.
func NewWorker(f *Fetcher, posts Posts, log *slog.Logger) *Worker {
	return &Worker{fetcher: f, posts: posts, log: log, queue: make(chan int64, QueueLength)}
}

// Enqueue asks for the captures of post p, if it has embeds with nothing
// captured. It never blocks: with the queue full the post stays as it is.
func (w *Worker) Enqueue(p *liveblog.Post) {
	if w == nil || p.Status != liveblog.StatusPublished || len(liveblog.Uncaptured(p)) == 0 {
		return
	}
	select {
	case w.queue <- p.ID:
	default:
		w.log.Warn("embed capture queue full; post left without capture", "post", p.ID)
	}
}

// Capture captures rawURL at once, for the desk's composer, so that the
// journalist sees and can correct the facade before publishing.
func (w *Worker) Capture(ctx context.Context, rawURL string) (liveblog.Capture, error) {
	return w.fetcher.Capture(ctx, rawURL)
}

// Run captures queued posts until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-w.queue:
			w.capture(ctx, id)
		}
	}
}

// capture reads the post again (it may have changed or gone since it was
// queued) and applies each capture that succeeds.
func (w *Worker) capture(ctx context.Context, id int64) {
	p, err := w.posts.FindPostByID(ctx, id)
	if err != nil {
		return
	}
	for _, u := range liveblog.Uncaptured(p) {
		c, err := w.fetcher.Capture(ctx, u)
		if err != nil {
			w.log.Warn("embed capture failed; the post keeps its facade without it", "post", id, "url", u, "err", err)
			continue
		}
		if _, err := w.posts.ChangePost(ctx, liveblog.Write{}, id, liveblog.CaptureEmbed{Capture: c}); err != nil {
			w.log.Warn("embed capture not applied", "post", id, "url", u, "err", err)
		}
	}
}
