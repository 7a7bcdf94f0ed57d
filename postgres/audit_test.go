package postgres

import (
	"testing"
	"time"

	"github.com/liveblog/liveblog/livetest"
)

func TestAuditStore(t *testing.T) {
	database(t)
	livetest.TestAuditStore(t, func(t *testing.T, now func() time.Time) livetest.AuditedStore {
		s := mustOpen(t, freshSchema(t))
		s.Now = now
		return s
	})
}

func TestPresenceStore(t *testing.T) {
	database(t)
	livetest.TestPresenceStore(t, func(t *testing.T, now func() time.Time) livetest.PresentStore {
		s := mustOpen(t, freshSchema(t))
		s.Now = now
		return s
	})
}

func TestSummaryHistory(t *testing.T) {
	database(t)
	livetest.TestSummaryHistory(t, func(t *testing.T, now func() time.Time) livetest.AuditedStore {
		s := mustOpen(t, freshSchema(t))
		s.Now = now
		return s
	})
}
