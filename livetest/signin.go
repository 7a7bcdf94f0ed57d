package livetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// testSignInFailures holds a store to what an unauthenticated client may
// make it keep: throttle counts read without a write, failures from one
// address as one row, nothing over its length cap.
func testSignInFailures(t *testing.T, open OpenUserStore) {
	ctx := context.Background()

	t.Run("CountWritesNothing", func(t *testing.T) {
		clock := newClock()
		s := open(t, clock.now)
		since := clock.now().Add(-15 * time.Minute)
		if _, err := s.RecordLoginAttempt(ctx, "a1", []string{"account:ann", "address:1"}, since); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			counts, err := s.CountLoginAttempts(ctx, []string{"account:ann", "address:1", "account:bob"}, since)
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, "counts", counts, []int{1, 1, 0})
		}
		clock.advance(16 * time.Minute)
		counts, err := s.CountLoginAttempts(ctx, []string{"account:ann"}, clock.now().Add(-15*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "a window later", counts, []int{0})
	})

	t.Run("OneRowPerAddress", func(t *testing.T) {
		clock := newClock()
		s := open(t, clock.now)
		first := clock.now()
		for i := range 5 {
			f := liveblog.SignInFailure{Address: "198.51.100.7", Email: "ann@example.com"}
			if i == 3 {
				f.Email = "bob@example.com"
			}
			if i == 4 {
				f = liveblog.SignInFailure{Address: "198.51.100.7", Throttled: true}
			}
			if err := s.RecordSignInFailure(ctx, f); err != nil {
				t.Fatal(err)
			}
			clock.advance(time.Second)
		}
		if err := s.RecordSignInFailure(ctx, liveblog.SignInFailure{Address: "2001:db8::/64", Email: "cy@example.com"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindSignInFailures(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("got %d rows, want one per address: %+v", len(got), got)
		}
		v6, v4 := got[0], got[1]
		if v6.Address != "2001:db8::/64" || v6.Failures != 1 || v6.Throttled != 0 {
			t.Errorf("latest = %+v, want the /64's one failure", v6)
		}
		// The throttled attempt counts, and leaves the last account tried
		// as the last checked failure named it.
		if v4.Failures != 4 || v4.Throttled != 1 || v4.LastEmail != "bob@example.com" ||
			!v4.FirstAt.Equal(first) || !v4.LastAt.Equal(first.Add(4*time.Second)) {
			t.Errorf("address row = %+v, want 4 failures, 1 throttled, bob last, from %v to %v", v4, first, first.Add(4*time.Second))
		}
	})

	t.Run("QuietAddressesDropped", func(t *testing.T) {
		clock := newClock()
		s := open(t, clock.now)
		if err := s.RecordSignInFailure(ctx, liveblog.SignInFailure{Address: "192.0.2.1", Email: "ann@example.com"}); err != nil {
			t.Fatal(err)
		}
		clock.advance(liveblog.SignInFailureRetention + time.Minute)
		if err := s.RecordSignInFailure(ctx, liveblog.SignInFailure{Address: "192.0.2.2", Email: "ann@example.com"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindSignInFailures(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Address != "192.0.2.2" {
			t.Errorf("got %+v, want only the recent address", got)
		}
	})

	t.Run("LengthCapped", func(t *testing.T) {
		clock := newClock()
		s := open(t, clock.now)
		long := strings.Repeat("a", liveblog.MaxLoginKeyLength) + "@x.test"
		for _, f := range []liveblog.SignInFailure{
			{Address: "192.0.2.1", Email: long},
			{Address: strings.Repeat("1", liveblog.MaxAddressLength+1)},
			{Address: ""},
			{Address: "192.0.2.1", Email: "typed@example.com", Throttled: true},
		} {
			if err := s.RecordSignInFailure(ctx, f); liveblog.ErrorCode(err) != liveblog.EINVALID {
				t.Errorf("RecordSignInFailure(%.40q…) = %v, want invalid", f.Address+" "+f.Email, err)
			}
		}
		key := "account:" + long
		if _, err := s.RecordLoginAttempt(ctx, "a1", []string{key}, clock.now()); liveblog.ErrorCode(err) != liveblog.EINVALID {
			t.Errorf("RecordLoginAttempt with a %d-byte key = %v, want invalid", len(key), err)
		}
		if _, err := s.CountLoginAttempts(ctx, []string{key}, clock.now()); liveblog.ErrorCode(err) != liveblog.EINVALID {
			t.Errorf("CountLoginAttempts with a %d-byte key = %v, want invalid", len(key), err)
		}
		if got, err := s.FindSignInFailures(ctx, 10); err != nil || len(got) != 0 {
			t.Errorf("refused failures stored: %+v, %v", got, err)
		}
	})
}
