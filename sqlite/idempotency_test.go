package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/liveblog/liveblog/livetest"
)

func TestIdempotencyStore(t *testing.T) {
	livetest.TestIdempotencyStore(t, func(t *testing.T, now func() time.Time) livetest.IdempotentStore {
		s := mustOpen(t, filepath.Join(t.TempDir(), "liveblog.db"))
		s.Now = now
		return s
	})
}
