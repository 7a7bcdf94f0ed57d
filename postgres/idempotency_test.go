package postgres

import (
	"testing"
	"time"

	"github.com/liveblog/liveblog/livetest"
)

func TestIdempotencyStore(t *testing.T) {
	database(t)
	livetest.TestIdempotencyStore(t, func(t *testing.T, now func() time.Time) livetest.IdempotentStore {
		s := mustOpen(t, freshSchema(t))
		s.Now = now
		return s
	})
}
