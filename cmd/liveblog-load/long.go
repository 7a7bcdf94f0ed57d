package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// scenarioLongEvents (S7) compares an event of 10,000 posts with one of 100:
// what a reader waits for must not grow with the length of the coverage.
func scenarioLongEvents(e *env) error {
	s, err := e.startServer("s7", false)
	if err != nil {
		return err
	}
	defer s.stop()
	// The two events are measured in turns, a few rounds each, so that
	// both see the same machine: one measured after the other would carry
	// any drift in the load (the previous scenario's tail) into the ratio.
	rounds := 4
	warmN, coldN := pick(e, 200, 40)/rounds, pick(e, 32, 12)/rounds

	samples := map[string]map[string]latencies{slugShort: {}, slugLong: {}}
	for round := range rounds {
		for _, slug := range []string{slugShort, slugLong} {
			f := samples[slug]
			oldest := firstPostID(slug)
			page := "/live/" + slug
			permalink := fmt.Sprintf("/live/%s/posts/%d", slug, oldest)

			// Warm: the same page again and again, as a crowd asks for it.
			for _, path := range []string{page, permalink} {
				l, err := timeGets(s, path, warmN)
				if err != nil {
					return err
				}
				f[path+" warm"] = append(f[path+" warm"], l...)
			}
			// Cold: the first request after a post changed the event.
			for _, path := range []string{page, permalink} {
				for i := range coldN {
					if err := s.publish(slug, round*coldN+i); err != nil {
						return err
					}
					d, err := timeGet(s, path)
					if err != nil {
						return err
					}
					f[path+" cold"] = append(f[path+" cold"], d)
				}
			}
			ev, err := s.event(slug)
			if err != nil {
				return err
			}
			// Resume 90 changes back, by polling and by stream.
			l, err := timeGets(s, fmt.Sprintf("/live/%s/changes?after=%d", slug, ev.Head-90), warmN)
			if err != nil {
				return err
			}
			f["changes"] = append(f["changes"], l...)
			for range coldN {
				d, err := timeResume(s, slug, ev.Head-90, ev.Head)
				if err != nil {
					return err
				}
				f["stream"] = append(f["stream"], d)
			}
		}
	}
	type figures map[string]time.Duration
	measured := map[string]figures{}
	for slug, f := range samples {
		measured[slug] = figures{}
		for key, l := range f {
			measured[slug][key] = l.pct(50)
			if strings.HasSuffix(key, " warm") {
				measured[slug][key+" p99"] = l.pct(99)
			}
		}
	}

	short, long := measured[slugShort], measured[slugLong]
	for _, m := range []struct{ name, short, long string }{
		{"first page, repeated (p50)", "/live/" + slugShort + " warm", "/live/" + slugLong + " warm"},
		{"first page, repeated (p99)", "/live/" + slugShort + " warm p99", "/live/" + slugLong + " warm p99"},
		{"first page after a post (p50)", "/live/" + slugShort + " cold", "/live/" + slugLong + " cold"},
		{"permalink to the oldest post, repeated (p50)", permalinkKey(slugShort) + " warm", permalinkKey(slugLong) + " warm"},
		{"permalink to the oldest post, after a post (p50)", permalinkKey(slugShort) + " cold", permalinkKey(slugLong) + " cold"},
		{"changes after head−90 (p50)", "changes", "changes"},
		{"stream resume from head−90, all 90 frames (p50)", "stream", "stream"},
	} {
		a, b := short[m.short], long[m.long]
		ratio := float64(b) / float64(a)
		e.record("S7 10,000 vs 100 posts", m.name, fmt.Sprintf("%s vs %s: ×%.2f", ms(b), ms(a), ratio), "≤ ×1.2", verdict(ratio <= 1.2))
	}
	return nil
}

func permalinkKey(slug string) string {
	return fmt.Sprintf("/live/%s/posts/%d", slug, firstPostID(slug))
}

// firstPostID is the id of the oldest post the seed gave slug.
func firstPostID(slug string) int64 {
	id := int64(1)
	for _, se := range seedEvents {
		if se.slug == slug {
			return id
		}
		id += int64(se.posts)
	}
	return 0
}

// timeGet fetches path as a browser would (gzip accepted) and returns the
// time until the whole body was read.
func timeGet(s *server, path string) (time.Duration, error) {
	req, _ := http.NewRequest(http.MethodGet, s.url(path), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return d, nil
}

// timeGets fetches path once to warm it, then n times.
func timeGets(s *server, path string, n int) (latencies, error) {
	if _, err := timeGet(s, path); err != nil {
		return nil, err
	}
	l := make(latencies, 0, n)
	for range n {
		d, err := timeGet(s, path)
		if err != nil {
			return nil, err
		}
		l = append(l, d)
	}
	return l, nil
}

// timeResume opens a stream with Last-Event-ID after and returns the time
// until it has received frame head.
func timeResume(s *server, slug string, after, head int64) (time.Duration, error) {
	w := &worker{cfg: command{Addr: s.addr}}
	start := time.Now()
	c, br, err := w.dial(0, fmt.Sprintf("/live/%s/stream", slug), strconv.FormatInt(after, 10), nil)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReaderSize(br, 64<<10)
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("resume %s from %d: %w", slug, after, err)
		}
		if v, ok := bytes.CutPrefix(line, []byte("id: ")); ok {
			if id, _ := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); id >= head {
				return time.Since(start), nil
			}
		}
	}
}
