package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// report collects every figure a run measured, with the load average at the
// moment it was taken: on a shared two-core machine a figure means little
// without it.
type report struct {
	mu      sync.Mutex
	machine string
	Rows    []row `json:"rows"`
}

type row struct {
	Scenario string `json:"scenario"`
	Measure  string `json:"measure"`
	Value    string `json:"value"`
	Target   string `json:"target,omitempty"`
	Verdict  string `json:"verdict,omitempty"`
	Load     string `json:"load"`
}

func (r *report) add(scenario, measure, value, target, verdict, load string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Rows = append(r.Rows, row{scenario, measure, value, target, verdict, load})
}

func (r *report) print(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(w, "\n%s\n\n", r.machine)
	fmt.Fprintln(w, "| scenario | measure | value | target | met | load (1/5/15 min) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, x := range r.Rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", x.Scenario, x.Measure, x.Value, x.Target, x.Verdict, x.Load)
	}
}

// record adds a figure and echoes it to the log as it is measured.
func (e *env) record(scenario, measure, value, target, verdict string) {
	load := loadAvg()
	e.report.add(scenario, measure, value, target, verdict, load)
	e.logf("  %s: %s = %s %s %s (load %s)", scenario, measure, value, target, verdict, load)
}

// verdict says whether a figure met its target; "" when it has none.
func verdict(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// latencies is a set of delays, sorted on demand.
type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(p / 100 * float64(len(s)))
	return s[min(i, len(s)-1)]
}

func (l latencies) max() time.Duration {
	if len(l) == 0 {
		return 0
	}
	return slices.Max(l)
}

// deliveries turns receive times (Unix nanoseconds, 0 for never) into delays
// after start, and counts the missing.
func deliveries(times []int64, start time.Time) (latencies, int) {
	l := make(latencies, 0, len(times))
	missing := 0
	for _, t := range times {
		if t == 0 {
			missing++
			continue
		}
		l = append(l, time.Duration(t-start.UnixNano()))
	}
	return l, missing
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func kib(b float64) string {
	return fmt.Sprintf("%.2f KiB", b/1024)
}

func mib(b int64) string {
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

func joinDurations(ds []time.Duration) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%.0f", float64(d)/float64(time.Millisecond)))
	}
	return strings.Join(parts, ", ") + " ms"
}
