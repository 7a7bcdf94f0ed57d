package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/liveblog/liveblog/livetest"
)

func TestAuditStore(t *testing.T) {
	livetest.TestAuditStore(t, func(t *testing.T, now func() time.Time) livetest.AuditedStore {
		s := mustOpen(t, filepath.Join(t.TempDir(), "liveblog.db"))
		s.Now = now
		return s
	})
}

func TestPresenceStore(t *testing.T) {
	livetest.TestPresenceStore(t, func(t *testing.T, now func() time.Time) livetest.PresentStore {
		s := mustOpen(t, filepath.Join(t.TempDir(), "liveblog.db"))
		s.Now = now
		return s
	})
}

func TestSummaryHistory(t *testing.T) {
	livetest.TestSummaryHistory(t, func(t *testing.T, now func() time.Time) livetest.AuditedStore {
		s := mustOpen(t, filepath.Join(t.TempDir(), "liveblog.db"))
		s.Now = now
		return s
	})
}
