package http

import (
	"context"

	"golang.org/x/sync/semaphore"

	"github.com/liveblog/liveblog/argon2id"
)

// DefaultWorkMemory (512 MiB) is what password hashes and image decodes may
// hold at once: two of the largest uploads (a 40-megapixel PNG decodes to
// 160 MB, with about 80 MB more for its stored copies), or eight hashes of
// 64 MiB, or a dozen phone photos. It bounds the desk's heaviest work by
// memory, whatever the number of cores, and leaves a small server's rest to
// the readers and the database.
const DefaultWorkMemory = 512 << 20

// hashCost is the memory one password hash takes.
var hashCost = int64(argon2id.DefaultParams.Memory) << 10

// budget bounds the memory the desk's heavy work holds at once: a weighted
// semaphore, each piece of work weighing the bytes it needs. One that needs
// more than the whole budget takes all of it, and so runs alone.
type budget struct {
	sem  *semaphore.Weighted
	size int64
}

func newBudget(size int64) *budget { return &budget{sem: semaphore.NewWeighted(size), size: size} }

// acquire waits until n bytes are free, or ctx ends, and returns the
// function that gives them back.
func (b *budget) acquire(ctx context.Context, n int64) (release func(), err error) {
	n = min(max(n, 1), b.size)
	if err := b.sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { b.sem.Release(n) }, nil
}
