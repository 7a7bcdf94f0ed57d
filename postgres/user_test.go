package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/livetest"
)

func TestUserStore(t *testing.T) {
	database(t)
	livetest.TestUserStore(t, func(t *testing.T, now func() time.Time) liveblog.UserStore {
		s := mustOpen(t, freshSchema(t))
		s.Now = now
		return s
	})
}

// TestLoginAttemptsAcrossNodes guesses at one account from several nodes at
// once: every attempt must see those before it, so that the counts are
// exactly 1 to n and a limit cannot be slipped under by guessing in
// parallel.
func TestLoginAttemptsAcrossNodes(t *testing.T) {
	dsn := freshSchema(t)
	const nodes, guesses = 4, 10
	stores := make([]*Store, nodes)
	for i := range stores {
		stores[i] = mustOpen(t, dsn)
	}
	ctx := context.Background()
	since := time.Now().Add(-time.Hour)
	var mu sync.Mutex
	var account, address []int
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			for j := range guesses {
				// The keys in opposite orders on alternate nodes: the
				// locks must still be taken in one order.
				keys := []string{"account:ann", fmt.Sprintf("address:%d", i%2)}
				if i%2 == 1 {
					keys[0], keys[1] = keys[1], keys[0]
				}
				counts, err := s.RecordLoginAttempt(ctx, fmt.Sprintf("n%d-%d", i, j), keys, since)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if i%2 == 1 {
					counts[0], counts[1] = counts[1], counts[0]
				}
				account = append(account, counts[0])
				address = append(address, counts[1])
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	slices.Sort(account)
	for i, n := range account {
		if n != i+1 {
			t.Fatalf("account counts = %v, want 1 to %d each once", account, nodes*guesses)
		}
	}
	if got, want := slices.Max(address), nodes*guesses/2; got != want {
		t.Errorf("highest address count = %d, want %d", got, want)
	}
}
