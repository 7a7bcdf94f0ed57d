package liveblog_test

import (
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// FuzzParseCursor checks the page cursors of reader pages and the API
// (?before=, ?after=): any string is either refused with an invalid-input
// error naming the parameter, or read as a cursor with a positive id and a
// time not before 1970 whose string form reads back as the same cursor, so
// that two spellings of one cursor ("05-1", "+5-1") serve the same page.
//
//	go test . -run '^$' -fuzz FuzzParseCursor -fuzztime 5m
func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{
		"1739439900000000-7", "0-1", "-1-1", "1--1", "1-0", "+5-+7", "05-007", "9223372036854775807-9223372036854775807",
		"9223372036854775808-1", "1-", "-", "", "1_000-1", "1e6-1", " 1-1", "1-1 ", "１-1", "1-1-1",
		"99999999999999999999999999999999999999-1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := liveblog.ParseCursor("before", s)
		if err != nil {
			if liveblog.ErrorCode(err) != liveblog.EINVALID || liveblog.ErrorField(err) != "before" {
				t.Fatalf("ParseCursor(%q): %v, want an invalid-input error naming before", s, err)
			}
			return
		}
		if c.ID <= 0 || c.PublishedAt.Before(time.Unix(0, 0)) {
			t.Fatalf("ParseCursor(%q) = %+v: id not positive or time before 1970", s, c)
		}
		back, err := liveblog.ParseCursor("before", c.String())
		if err != nil || *back != *c {
			t.Fatalf("ParseCursor(%q) = %v, whose string %q reads back as %v, %v", s, c, c.String(), back, err)
		}
	})
}
