package stream_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/liveblog/liveblog/stream"
)

// FuzzAppendFrame parses each encoded frame back as a browser's EventSource
// does (the WHATWG event stream grammar: CR, LF and CRLF all end a line) and
// checks that it is exactly one message with exactly one id (the one given),
// the event name given less its line breaks, and the data given with its
// line breaks as LF: no event name or payload can add a field, a comment or
// a second message.
//
//	go test ./stream -run '^$' -fuzz FuzzAppendFrame -fuzztime 5m
func FuzzAppendFrame(f *testing.F) {
	for _, s := range []struct {
		id          int64
		event, data string
	}{
		{42, "change", `{"seq":42,"kind":"post.published"}`},
		{1, "change\nid: 999", "x\nid: 999\n\nevent: reset\ndata: {}"},
		{2, "a\r\nretry: 1", "a\rdata: b\r\n\r\nc"},
		{3, "", ""},
		{-1, "\r", "\r"},
		{4, "x", ": comment\n:\n"},
		{5, "reset", "\n"},
	} {
		f.Add(s.id, s.event, []byte(s.data))
	}
	f.Fuzz(func(t *testing.T, id int64, event string, data []byte) {
		out := stream.AppendFrame(nil, id, event, data)
		if again := stream.AppendFrame([]byte("x"), id, event, data); !bytes.Equal(again[1:], out) {
			t.Fatalf("appended after a byte: %q, to nothing: %q", again[1:], out)
		}
		msgs := parseEventStream(out)
		if len(msgs) != 1 {
			t.Fatalf("%d messages, want 1: %q", len(msgs), out)
		}
		m := msgs[0]
		if len(m.other) > 0 {
			t.Fatalf("extra fields or comments %q: %q", m.other, out)
		}
		if len(m.ids) != 1 || m.ids[0] != strconv.FormatInt(id, 10) {
			t.Fatalf("ids %q, want exactly [%d]: %q", m.ids, id, out)
		}
		wantEvent := strings.NewReplacer("\r", "", "\n", "").Replace(event)
		switch {
		case event == "" && len(m.events) != 0:
			t.Fatalf("events %q, want none: %q", m.events, out)
		case event != "" && (len(m.events) != 1 || m.events[0] != wantEvent):
			t.Fatalf("events %q, want exactly [%q]: %q", m.events, wantEvent, out)
		}
		wantData := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(string(data))
		if got := strings.Join(m.data, "\n"); got != wantData {
			t.Fatalf("data %q, want %q: %q", got, wantData, out)
		}
	})
}

// wireMessage is one dispatched event-stream message, by field.
type wireMessage struct {
	ids, events, data []string
	// other holds any other field or comment line.
	other []string
}

// parseEventStream splits b into messages as the HTML standard's event
// stream interpretation does. Text after the last blank line (a message not
// yet dispatched) counts as a message of its own, so that a frame that does
// not end where it should is seen.
func parseEventStream(b []byte) []wireMessage {
	var msgs []wireMessage
	var cur wireMessage
	pending := false
	s := string(b)
	for s != "" {
		i := strings.IndexAny(s, "\r\n")
		var line string
		if i < 0 {
			line, s = s, ""
		} else {
			line = s[:i]
			if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			s = s[i+1:]
		}
		if line == "" {
			if pending {
				msgs = append(msgs, cur)
			}
			cur, pending = wireMessage{}, false
			continue
		}
		pending = true
		name, value, found := strings.Cut(line, ":")
		if found {
			value = strings.TrimPrefix(value, " ")
		}
		switch {
		case name == "id":
			cur.ids = append(cur.ids, value)
		case name == "event":
			cur.events = append(cur.events, value)
		case name == "data":
			cur.data = append(cur.data, value)
		default:
			cur.other = append(cur.other, line)
		}
	}
	if pending {
		msgs = append(msgs, cur)
	}
	return msgs
}
