package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// redrawEvery bounds how often the progress line is redrawn: ten times a
// second reads as movement, and a million rows do not cost a million writes
// to the terminal.
const redrawEvery = 100 * time.Millisecond

// rateAfter is how long a stage runs before its rate and time left are shown:
// before that they swing with every file.
const rateAfter = 500 * time.Millisecond

// meter shows how far a long command (backup, restore, export, archive,
// import) has got. On a terminal it redraws one line on standard error: the
// stage, done of total, the rate and the time left. Anywhere else (a log, a
// pipe, a cron mail) it writes nothing, and the command ends with its one
// summary line, so logs stay clean. Only the goroutine running the command
// uses it.
type meter struct {
	w     io.Writer
	live  bool // w is a terminal
	width int  // of the terminal, in columns
	name  string
	now   func() time.Time
	start time.Time

	stage      string
	bytes      bool // done and total count bytes
	done       int64
	total      int64 // 0 while unknown
	stageStart time.Time
	drawn      time.Time
	shown      bool // a line is on the terminal
}

// newMeter returns the meter of the command name, drawing on w when w is a
// terminal.
func newMeter(w io.Writer, name string) *meter {
	m := &meter{w: w, name: name, now: time.Now, width: 80}
	if f, ok := w.(*os.File); ok && isTerminal(f) && os.Getenv("TERM") != "dumb" {
		m.live = true
		if cols := terminalWidth(f); cols > 0 {
			m.width = cols
		}
	}
	m.start = m.now()
	return m
}

// Stage starts a stage of the command: total units (0 when not known) of
// bytes or of things.
func (m *meter) Stage(stage string, total int64, bytes bool) {
	m.stage, m.total, m.bytes, m.done = stage, total, bytes, 0
	m.stageStart = m.now()
	m.draw(true)
}

// Set records that done units of the stage are done.
func (m *meter) Set(done int64) {
	m.done = done
	if m.total > 0 && done > m.total {
		m.total = done // a file that grew while it was counted
	}
	m.draw(m.total > 0 && done >= m.total)
}

// Report is the meter as a liveblog.Progress, for the packages that do the
// work: a new stage name starts a stage of things.
func (m *meter) Report(stage string, done, total int) {
	if stage != m.stage || int64(total) != m.total {
		m.Stage(stage, int64(total), false)
	}
	m.Set(int64(done))
}

// Write counts len(p) bytes done, so that a meter beside a copy's
// destination (io.MultiWriter) follows the copy.
func (m *meter) Write(p []byte) (int, error) {
	m.Set(m.done + int64(len(p)))
	return len(p), nil
}

// Reader returns r, counting what is read from it as bytes done.
func (m *meter) Reader(r io.Reader) io.Reader { return io.TeeReader(r, m) }

// Clear takes the progress line off the terminal, before anything else is
// written there and when the command ends.
func (m *meter) Clear() {
	if m.shown {
		fmt.Fprint(m.w, "\r\x1b[K")
		m.shown = false
	}
}

// Took is the time since the command started, for its summary line: "in
// 3.2 s".
func (m *meter) Took() string { return "in " + duration(m.now().Sub(m.start)) }

func (m *meter) draw(force bool) {
	if !m.live {
		return
	}
	now := m.now()
	if !force && m.shown && now.Sub(m.drawn) < redrawEvery {
		return
	}
	m.drawn, m.shown = now, true
	line := m.line(now)
	if n := utf8.RuneCountInString(line); n >= m.width {
		line = string([]rune(line)[:m.width-1])
	}
	fmt.Fprint(m.w, "\r"+line+"\x1b[K")
}

// line is what the terminal shows: "backup: media  1.2 GB of 3.4 GB (35%)
// 45.0 MB/s  48 s left", or the stage and its time while nothing is counted.
func (m *meter) line(now time.Time) string {
	elapsed := now.Sub(m.stageStart)
	parts := []string{m.name + ": " + m.stage}
	switch {
	case m.done == 0 && m.total == 0:
		parts = append(parts, duration(now.Sub(m.start)))
	case m.total > 0:
		parts = append(parts, fmt.Sprintf("%s of %s (%d%%)", m.amount(m.done), m.amount(m.total), m.done*100/m.total))
	default:
		parts = append(parts, m.amount(m.done))
	}
	if elapsed >= rateAfter && m.done > 0 {
		rate := float64(m.done) / elapsed.Seconds()
		parts = append(parts, m.amount(int64(rate))+"/s")
		if m.total > m.done {
			left := time.Duration(float64(m.total-m.done) / rate * float64(time.Second))
			parts = append(parts, duration(left)+" left")
		}
	}
	return strings.Join(parts, "  ")
}

func (m *meter) amount(n int64) string {
	if m.bytes {
		return size(n)
	}
	return count(n)
}

// size is a number of bytes in decimal units: "3.4 GB".
func size(n int64) string {
	if n < 1000 {
		return strconv.FormatInt(n, 10) + " B"
	}
	f, unit := float64(n), 0
	for f >= 1000 && unit < 4 {
		f /= 1000
		unit++
	}
	return fmt.Sprintf("%.1f %s", f, [...]string{"B", "kB", "MB", "GB", "TB"}[unit])
}

// count is a number with thousands separated: "12,000".
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// duration is a time a person reads at a glance: "0.4 s", "12 s", "3 min
// 20 s", "2 h 5 min".
func duration(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
}
