package stream

import (
	"bytes"
	"strconv"
	"strings"
)

// AppendFrame appends one Server-Sent Events message to b and returns the
// extended slice.
//
// The id: field is always written: a browser keeps the last id it saw and
// sends it back as Last-Event-ID, so a message without one would make a
// reconnecting reader resume from an older position. CR and LF are dropped
// from event, and data is split into one data: line per line it holds (CR,
// LF and CRLF all end a line in the SSE grammar), so no payload can smuggle
// in a field or end the message early. The client joins the lines with LF.
func AppendFrame(b []byte, id int64, event string, data []byte) []byte {
	b = append(b, "id: "...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, '\n')
	if event != "" {
		b = append(b, "event: "...)
		for {
			i := strings.IndexAny(event, "\r\n")
			if i < 0 {
				b = append(b, event...)
				break
			}
			b = append(b, event[:i]...)
			event = event[i+1:]
		}
		b = append(b, '\n')
	}
	b = append(b, "data: "...)
	// Payloads almost never hold a CR, and IndexByte is much faster than
	// IndexAny, so look for LF alone unless there is a CR to handle.
	hasCR := bytes.IndexByte(data, '\r') >= 0
	for {
		var i int
		if hasCR {
			i = bytes.IndexAny(data, "\r\n")
		} else {
			i = bytes.IndexByte(data, '\n')
		}
		if i < 0 {
			b = append(b, data...)
			break
		}
		b = append(b, data[:i]...)
		b = append(b, "\ndata: "...)
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return append(b, '\n', '\n')
}

// frameSize estimates the encoded size of a frame so that it is allocated
// once: the fixed fields plus the data, with room for a few line splits.
func frameSize(event string, data []byte) int {
	return len("id: \nevent: \ndata: \n\n") + 20 + len(event) + len(data) + 6*bytes.Count(data, []byte{'\n'})
}

// appendRetry appends a message that only sets the client's reconnection
// delay. It carries no id: on purpose, since the browser then keeps the id of
// the last change it received and resumes from there.
func appendRetry(b []byte, ms int64) []byte {
	b = append(b, "retry: "...)
	b = strconv.AppendInt(b, ms, 10)
	return append(b, '\n', '\n')
}

// heartbeat is a comment line: it keeps proxies from closing an idle
// connection and makes a write that finds a dead reader.
var heartbeat = []byte(": hb\n\n")
