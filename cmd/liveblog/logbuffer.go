package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// With --verbose a server writes a line for every request, and the streams'
// comings and goings besides. Written one at a time, those lines cost a
// system call each, a fifth of the CPU of answering a cached page; so a
// serving process batches them, as nginx's access_log buffer= does. A line
// waits at most logFlushInterval, warnings and errors not at all, and
// everything is written out when the process stops.

const (
	logFlushInterval = 200 * time.Millisecond
	logBufferSize    = 64 << 10
)

// logBuffer collects whole lines (slog writes a record in one call) and
// writes them to w in batches. A batch is written outside the lock lines are
// added under, so that a slow destination (a pipe to a busy log collector)
// holds up only the next flush, not every request.
type logBuffer struct {
	mu        sync.Mutex // guards buf and scheduled
	buf       []byte
	scheduled bool

	writing sync.Mutex // held while a batch is written, so batches keep their order
	w       io.Writer
	spare   []byte // the batch buffer not in use; guarded by writing
}

func newLogBuffer(w io.Writer) *logBuffer {
	return &logBuffer{w: w, buf: make([]byte, 0, logBufferSize), spare: make([]byte, 0, logBufferSize)}
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	b.buf = append(b.buf, p...)
	full := len(b.buf) >= logBufferSize
	if !full && !b.scheduled {
		b.scheduled = true
		time.AfterFunc(logFlushInterval, func() { b.Flush() })
	}
	b.mu.Unlock()
	if full {
		return len(p), b.Flush()
	}
	return len(p), nil
}

// Flush writes out what is buffered.
func (b *logBuffer) Flush() error {
	b.writing.Lock()
	defer b.writing.Unlock()
	b.mu.Lock()
	batch := b.buf
	b.buf, b.scheduled = b.spare[:0], false
	b.mu.Unlock()
	if len(batch) == 0 {
		b.spare = batch
		return nil
	}
	_, err := b.w.Write(batch)
	b.spare = batch[:0]
	return err
}

// flushingHandler writes a warning or an error out at once, with the lines
// before it: those are read while something is going wrong.
type flushingHandler struct {
	slog.Handler
	buf *logBuffer
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.buf.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(attrs), h.buf}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.buf}
}
