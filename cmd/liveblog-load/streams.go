package main

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// The stream scenarios, S1 to S5. Each starts its own server on a fresh copy
// of the seeded data, so that none inherits another's heap or connections.

// scenarioIdleMemory (S1) connects N readers that receive nothing and
// reports the server's resident memory per reader.
func scenarioIdleMemory(e *env) error {
	for _, n := range pick(e, []int{1000, 10_000, 19_000}, []int{1000}) {
		if err := idleMemory(e, n); err != nil {
			return err
		}
	}
	return nil
}

func idleMemory(e *env, n int) error {
	s, err := e.startServer(fmt.Sprintf("s1-%d", n), false)
	if err != nil {
		return err
	}
	defer s.stop()
	ev, err := s.event(slugLive)
	if err != nil {
		return err
	}
	// The baseline has served a page and a stream once, so that templates,
	// store connections and the event's ring are not counted per reader.
	warm(s, slugLive, ev.Head)
	time.Sleep(2 * time.Second)
	base := s.rss()

	rs, took, err := e.connect(s, slugLive, ev.Head, n, false)
	if err != nil {
		return err
	}
	defer rs.close()
	// Let the garbage of n request parses be collected and the streams go
	// idle:
	// the figure is what an idle audience costs, not its arrival.
	time.Sleep(pick(e, 10*time.Second, 3*time.Second))
	with := s.rss()
	st := rs.stats()
	per := float64(with-base) / float64(n)
	name := fmt.Sprintf("S1 %d readers", n)
	e.record(name, "connect time", fmt.Sprintf("%v (%.0f/s)", took.Round(time.Millisecond), float64(n)/took.Seconds()), "", "")
	e.record(name, "RSS baseline → with readers", mib(base)+" → "+mib(with), "", "")
	target, v := "", ""
	if n >= 19_000 {
		target, v = "≤ 8 KiB (stretch 4)", verdict(per <= 8<<10)
	}
	e.record(name, "RSS per reader", kib(per), target, v)
	if st.Open != n {
		e.record(name, "streams open", fmt.Sprintf("%d of %d", st.Open, n), "all", verdict(false))
	}
	return nil
}

// warm reads the event's page and opens and closes one stream.
func warm(s *server, slug string, head int64) {
	if resp, err := s.client.Get(s.url("/live/" + slug)); err == nil {
		resp.Body.Close()
	}
	req := fmt.Sprintf("/live/%s/stream?after=%d", slug, head)
	if c, _, err := (&worker{cfg: command{Addr: s.addr}}).dial(0, req, "", nil); err == nil {
		c.Close()
	}
}

// frameSize is the size of the stream frame of change seq, from its id:
// line to the blank line that ends it.
func frameSize(s *server, slug string, seq int64) (int, error) {
	c, r, err := (&worker{cfg: command{Addr: s.addr}}).dial(0, fmt.Sprintf("/live/%s/stream", slug), strconv.FormatInt(seq-1, 10), nil)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	size := 0
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return 0, err
		}
		if size > 0 || bytes.HasPrefix(line, []byte("id: ")) {
			size += len(line)
			if len(line) == 1 {
				return size, nil
			}
		}
	}
}

// scenarioFanout (S2) publishes single posts to N connected readers and
// measures how long until every reader has each one.
func scenarioFanout(e *env) error {
	for _, n := range pick(e, []int{10_000, 19_000}, []int{1000}) {
		size, err := fanout(e, n)
		if err != nil {
			return err
		}
		for _, naive := range []bool{false, true} {
			if err := fanoutFloor(e, n, size, naive); err != nil {
				return err
			}
		}
	}
	return nil
}

// fanoutFloor is S2 against the write floor (floor.go), or against the
// naive hub (naive.go): the same readers, posts and frame size. It also
// reports their memory per idle reader, as S1 does for liveblog.
func fanoutFloor(e *env, n, size int, naive bool) error {
	f, err := e.startFloor(size, naive)
	if err != nil {
		return err
	}
	defer f.stop()
	what := "write floor"
	if naive {
		what = "naive net/http hub"
	}
	time.Sleep(time.Second)
	rss0 := f.srv.rss()
	rs, _, err := e.connect(f.srv, "floor", 0, n, false)
	if err != nil {
		return err
	}
	defer rs.close()
	time.Sleep(2 * time.Second)
	rss1 := f.srv.rss()
	posts := pick(e, 5, 3)
	r, err := e.s2Posts(f.srv, rs, 1, posts, func(_ int, seq int64) error { return f.send(seq) })
	if err != nil {
		return err
	}
	all := r.all
	name := fmt.Sprintf("S2 %d readers", n)
	e.record(name, fmt.Sprintf("%s, %d-byte frames: p50 / p99 / max", what, size),
		fmt.Sprintf("%s / %s / %s (%d missing)", ms(all.pct(50)), ms(all.pct(99)), ms(all.max()), r.missing), "", "")
	e.record(name, what+": p99 per post", joinDurations(r.p99s), "", "")
	e.record(name, what+": CPU per delivery", fmt.Sprintf("%.2f µs", float64(r.cpu)/float64(posts*n)/1e3), "", "")
	e.record(name, what+": RSS per idle reader", kib(float64(rss1-rss0)/float64(n)), "", "")
	return nil
}

func fanout(e *env, n int) (frameBytes int, err error) {
	s, ev, rs, err := e.startAudience(fmt.Sprintf("s2-%d", n), false, n, false)
	if err != nil {
		return 0, err
	}
	defer s.stop()
	defer rs.close()

	posts := pick(e, 5, 3)
	r, err := e.s2Posts(s, rs, ev.Head+1, posts, func(i int, _ int64) error { return s.publishFlash(slugLive, i) })
	if err != nil {
		return 0, err
	}
	all, missing, cpu := r.all, r.missing, r.cpu
	seq := ev.Head + int64(posts)
	name := fmt.Sprintf("S2 %d readers", n)
	if frameBytes, err = frameSize(s, slugLive, seq); err != nil {
		return 0, err
	}
	e.record(name, "frame size", fmt.Sprintf("%d bytes", frameBytes), "", "")
	p99Target := map[int]time.Duration{10_000: 90 * time.Millisecond, 19_000: 180 * time.Millisecond}[n]
	e.record(name, fmt.Sprintf("delivery p50 / p99 / max (%d posts)", posts),
		fmt.Sprintf("%s / %s / %s", ms(all.pct(50)), ms(all.pct(99)), ms(all.max())), "", "")
	if p99Target > 0 {
		e.record(name, "delivery p99", ms(all.pct(99)), "≤ "+ms(p99Target), verdict(all.pct(99) <= p99Target))
	}
	e.record(name, "p99 per post", joinDurations(r.p99s), "", "")
	e.record(name, "missing deliveries", fmt.Sprint(missing), "0", verdict(missing == 0))
	perDelivery := cpu / time.Duration(posts*n)
	e.record(name, "server CPU per delivery", fmt.Sprintf("%.2f µs (%v for %d)", float64(perDelivery)/1e3, cpu, posts*n),
		"≤ 11 µs", verdict(perDelivery <= 11*time.Microsecond))
	e.record(name, "publish request", joinDurations(r.sends), "", "")
	return frameBytes, nil
}

// s2Run is what S2 measured of a few posts sent one at a time.
type s2Run struct {
	all     latencies       // every delivery of every post
	p99s    []time.Duration // each post's p99
	sends   []time.Duration // how long each send took
	cpu     time.Duration   // the server's, from each send until every reader had the post
	missing int
}

// s2Posts sends posts one at a time, the i-th as sequence first+i with
// send, and measures how long each takes to reach the readers rs hold and
// the CPU srv spends on it.
func (e *env) s2Posts(srv *server, rs *readers, first int64, posts int, send func(i int, seq int64) error) (s2Run, error) {
	var r s2Run
	for i := range posts {
		seq := first + int64(i)
		c0 := srv.cpu()
		start := time.Now()
		if err := send(i, seq); err != nil {
			return r, err
		}
		r.sends = append(r.sends, time.Since(start))
		reached, streams := rs.waitFor(seq, 30*time.Second)
		r.cpu += srv.cpu() - c0
		l, miss := deliveries(rs.times(seq, seq)[0], start)
		r.missing += miss
		if reached != streams {
			e.logf("  post %d: %d of %d readers received it", seq, reached, streams)
		}
		r.all = append(r.all, l...)
		r.p99s = append(r.p99s, l.pct(99))
		// Let the readers go idle again, as between real posts.
		time.Sleep(time.Second)
	}
	return r, nil
}

// startAudience starts a server (startServer) and connects n readers to
// the live event from its head, then lets them settle.
func (e *env) startAudience(name string, verbose bool, n int, reconnect bool) (*server, eventInfo, *readers, error) {
	s, err := e.startServer(name, verbose)
	if err != nil {
		return nil, eventInfo{}, nil, err
	}
	ev, err := s.event(slugLive)
	if err != nil {
		s.stop()
		return nil, eventInfo{}, nil, err
	}
	rs, _, err := e.connect(s, slugLive, ev.Head, n, reconnect)
	if err != nil {
		s.stop()
		return nil, eventInfo{}, nil, err
	}
	time.Sleep(2 * time.Second)
	return s, ev, rs, nil
}

// publisher publishes posts to slug at a steady rate and remembers when each
// publish started, by sequence.
type publisher struct {
	s     *server
	slug  string
	mu    sync.Mutex
	start map[int64]time.Time
	took  latencies
	errs  int
	last  int64
	stop  chan struct{}
	done  chan struct{}
}

func startPublisher(s *server, slug string, head int64, every time.Duration) *publisher {
	p := &publisher{s: s, slug: slug, start: map[int64]time.Time{}, last: head, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
			at := time.Now()
			err := s.publish(slug, i)
			p.mu.Lock()
			if err != nil {
				p.errs++
			} else {
				p.last++
				p.start[p.last] = at
				p.took = append(p.took, time.Since(at))
			}
			p.mu.Unlock()
		}
	}()
	return p
}

// halt stops publishing and returns the last sequence published.
func (p *publisher) halt() int64 {
	close(p.stop)
	<-p.done
	return p.last
}

// perPost returns, for the posts from..to, each post's delivery delays and
// the number of deliveries missing.
func (p *publisher) perPost(rs *readers, from, to int64) ([]latencies, latencies, int) {
	var per []latencies
	var all latencies
	missing := 0
	for i, times := range rs.times(from, to) {
		l, miss := deliveries(times, p.start[from+int64(i)])
		per = append(per, l)
		all = append(all, l...)
		missing += miss
	}
	return per, all, missing
}

func p99Spread(per []latencies) (median, worst time.Duration) {
	var p99 latencies
	for _, l := range per {
		p99 = append(p99, l.pct(99))
	}
	return p99.pct(50), p99.max()
}

// scenarioSustained (S3) keeps 10,000 readers receiving five posts a second
// for a minute.
func scenarioSustained(e *env) error {
	return sustained(e, "S3", nil)
}

// sustained runs S3; during, if set, runs while the posts flow.
func sustained(e *env, name string, during func(s *server) error) error {
	n := pick(e, 10_000, 1000)
	length := pick(e, 60*time.Second, 10*time.Second)
	s, ev, rs, err := e.startAudience(name, false, n, true)
	if err != nil {
		return err
	}
	defer s.stop()
	defer rs.close()

	rss0, c0 := s.rss(), s.cpu()
	rssMax := rss0
	pub := startPublisher(s, slugLive, ev.Head, 200*time.Millisecond)
	var duringErr error
	duringDone := make(chan struct{})
	go func() {
		defer close(duringDone)
		if during != nil {
			time.Sleep(5 * time.Second)
			duringErr = during(s)
		}
	}()
	end := time.Now().Add(length)
	var samples []string
	for time.Now().Before(end) {
		time.Sleep(5 * time.Second)
		r := s.rss()
		rssMax = max(rssMax, r)
		samples = append(samples, fmt.Sprintf("%.0f", float64(r)/(1<<20)))
	}
	last := pub.halt()
	<-duringDone
	reached, streams := rs.waitFor(last, 30*time.Second)
	cpu := s.cpu() - c0
	rss1 := s.rss()
	st := rs.stats()
	per, all, missing := pub.perPost(rs, ev.Head+1, last)
	posts := int(last - ev.Head)
	label := fmt.Sprintf("%s %d readers, 5 posts/s for %v", name, n, length)
	med, worst := p99Spread(per)
	e.record(label, "posts published", fmt.Sprint(posts), fmt.Sprint(int(5*length.Seconds())), verdict(posts >= int(4.5*length.Seconds())))
	e.record(label, "delivery p50 / p99 / max, all posts", fmt.Sprintf("%s / %s / %s", ms(all.pct(50)), ms(all.pct(99)), ms(all.max())), "", "")
	e.record(label, "p99 per post: median / worst", fmt.Sprintf("%s / %s", ms(med), ms(worst)), "", "")
	e.record(label, "missing deliveries / readers with every post", fmt.Sprintf("%d / %d of %d", missing, reached, streams), "0", verdict(missing == 0))
	e.record(label, "disconnects / gaps / duplicates", fmt.Sprintf("%d / %d / %d", st.Disconnects, st.Gaps, st.Duplicates), "0", verdict(st.Disconnects+st.Gaps+st.Duplicates == 0))
	e.record(label, "RSS start → end (max); samples MiB", fmt.Sprintf("%s → %s (%s); %v", mib(rss0), mib(rss1), mib(rssMax), samples), "", "")
	e.record(label, "server CPU per delivery", fmt.Sprintf("%.2f µs", float64(cpu)/float64(posts*n)/1e3), "", "")
	pub.mu.Lock()
	e.record(label, "publish request p50 / max; errors", fmt.Sprintf("%s / %s; %d", ms(pub.took.pct(50)), ms(pub.took.max()), pub.errs), "", "")
	pub.mu.Unlock()
	return duringErr
}

// scenarioReconnectStorm (S4) drops every reader at once while posts keep
// coming; each reconnects at once with Last-Event-ID.
func scenarioReconnectStorm(e *env) error {
	// 9,000: the server briefly holds both a reader's old connection (until
	// a write finds it closed) and its new one, under its 20,000 files.
	n := pick(e, 9000, 1000)
	s, ev, rs, err := e.startAudience("s4", false, n, false)
	if err != nil {
		return err
	}
	defer s.stop()
	defer rs.close()
	// A post a second: enough to catch a gap or a duplicate at every step of
	// a storm, while leaving the two CPUs to the storm rather than to
	// delivering tens of thousands of frames a second (S3 does that).
	pub := startPublisher(s, slugLive, ev.Head, time.Second)
	label := fmt.Sprintf("S4 %d readers, a post a second", n)
	// All at once, as after a blip at a load balancer; then with each load
	// process connecting at most 1,000 at a time, which stays within the
	// listen backlog (somaxconn 4096): the first measures the kernel's
	// backlog as much as the server, the second the server.
	for _, storm := range []struct {
		name     string
		parallel int
	}{{"all at once", 0}, {"1,000 at a time per load process", 1000}} {
		time.Sleep(3 * time.Second)
		start, serverCPU, loadCPU := time.Now(), s.cpu(), rs.cpu()
		reps := rs.callAll(command{Op: opStorm, Parallel: storm.parallel, Timeout: 60 * time.Second})
		serverCPU, loadCPU = s.cpu()-serverCPU, rs.cpu()-loadCPU
		var latest int64
		failed := 0
		for _, r := range reps {
			if r.Err != "" {
				pub.halt()
				return errors.New(r.Err)
			}
			for _, at := range r.Reconnected {
				if at == 0 {
					failed++
				}
				latest = max(latest, at)
			}
		}
		converge := time.Duration(latest - start.UnixNano())
		rate := float64(n-failed) / converge.Seconds()
		e.record(label, "storm "+storm.name+": all reconnected after", fmt.Sprintf("%v (%d failed)", converge.Round(time.Millisecond), failed), "", "")
		e.record(label, "storm "+storm.name+": reconnects per second", fmt.Sprintf("%.0f", rate), "≥ 12,000", verdict(rate >= 12_000))
		e.record(label, "storm "+storm.name+": CPU per reconnect, server / load processes",
			fmt.Sprintf("%.0f µs / %.0f µs (%.0f%% / %.0f%% of the two CPUs)", float64(serverCPU)/float64(n)/1e3, float64(loadCPU)/float64(n)/1e3,
				float64(serverCPU)/float64(2*converge)*100, float64(loadCPU)/float64(2*converge)*100), "", "")
	}
	time.Sleep(5 * time.Second)
	last := pub.halt()
	reached, streams := rs.waitFor(last, 30*time.Second)
	st := rs.stats()
	e.record(label, "readers at the head after", fmt.Sprintf("%d of %d", reached, streams), "all", verdict(reached == streams))
	e.record(label, "gaps / duplicates / resets", fmt.Sprintf("%d / %d / %d", st.Gaps, st.Duplicates, st.Resets), "0 / 0 / 0", verdict(st.Gaps+st.Duplicates+st.Resets == 0))
	return nil
}

// scenarioSlowReaders (S5) has 1% of the readers stop reading, and compares
// the others' delivery times before and after.
func scenarioSlowReaders(e *env) error {
	n := pick(e, 10_000, 1000)
	phase := pick(e, 15*time.Second, 5*time.Second)
	// The stalled readers are dropped once their sockets are full and a write
	// has then waited WriteTimeout; at five posts a second the sockets take
	// about half a minute to fill. The smaller quick run posts faster.
	limit := pick(e, 150*time.Second, 60*time.Second)
	every := pick(e, 200*time.Millisecond, 100*time.Millisecond)
	s, ev, rs, err := e.startAudience("s5", true, n, false)
	if err != nil {
		return err
	}
	defer s.stop()
	defer rs.close()

	// Before: everyone reads.
	pub := startPublisher(s, slugLive, ev.Head, every)
	time.Sleep(phase)
	mark := pub.halt()
	rs.waitFor(mark, 30*time.Second)
	perBefore, before, _ := pub.perPost(rs, ev.Head+1, mark)
	rssBefore := s.rss()

	// After: 1% stop reading; posts go on until the server has dropped them
	// all, or the limit.
	stalled := n / 100
	per := stalled / len(rs.workers)
	for i, w := range rs.workers {
		k := per
		if i < stalled%len(rs.workers) {
			k++
		}
		w.call(command{Op: opStall, Count: k})
	}
	dropped0, _ := s.countLog("dropped reader")
	stallAt := time.Now()
	pub = startPublisher(s, slugLive, mark, every)
	rssMax, queuedMax := rssBefore, int64(0)
	var droppedAll time.Duration
	for time.Since(stallAt) < limit {
		time.Sleep(time.Second)
		rssMax = max(rssMax, s.rss())
		queuedMax = max(queuedMax, s.sendQueued())
		if d, _ := s.countLog("dropped reader"); d-dropped0 >= stalled {
			droppedAll = time.Since(stallAt)
			break
		}
	}
	// A few more posts with the slow readers gone, as a check that nothing
	// stayed behind.
	time.Sleep(2 * time.Second)
	last := pub.halt()
	reached, streams := rs.waitFor(last, 30*time.Second)
	perAfter, after, missing := pub.perPost(rs, mark+1, last)
	dropped, times := s.countLog("dropped reader")
	dropped -= dropped0
	st := rs.stats()

	label := fmt.Sprintf("S5 %d readers, %d stalled, a post every %v", n, stalled, every)
	// The phases differ in length, and the p99 of all deliveries grows with
	// the number of posts it spans; the median of the posts' p99s does not,
	// so the target is judged on it.
	b99, a99 := before.pct(99), after.pct(99)
	e.record(label, "healthy p99 of all deliveries, before → after", fmt.Sprintf("%s → %s (%+.0f%%)", ms(b99), ms(a99), float64(a99-b99)/float64(b99)*100), "", "")
	bm, _ := p99Spread(perBefore)
	am, _ := p99Spread(perAfter)
	move := float64(am-bm) / float64(bm) * 100
	e.record(label, "healthy p99 per post (median), before → after", fmt.Sprintf("%s → %s (%+.0f%%)", ms(bm), ms(am), move), "< +10%", verdict(move < 10))
	e.record(label, "healthy missing / at head", fmt.Sprintf("%d / %d of %d", missing, reached, streams), "0 / all", verdict(missing == 0 && reached == streams))
	e.record(label, "healthy disconnects", fmt.Sprint(st.Disconnects), "0", verdict(st.Disconnects == 0))
	if droppedAll > 0 {
		var lastDrop time.Duration
		for _, t := range times {
			lastDrop = max(lastDrop, t.Sub(stallAt))
		}
		firstDrop := lastDrop
		for _, t := range times {
			firstDrop = min(firstDrop, t.Sub(stallAt))
		}
		e.record(label, "stalled readers dropped after they stopped", fmt.Sprintf("%d of %d, first at %v, all within %v",
			dropped, stalled, firstDrop.Round(100*time.Millisecond), lastDrop.Round(100*time.Millisecond)), "all", verdict(dropped >= stalled))
	} else {
		e.record(label, "stalled readers dropped after they stopped", fmt.Sprintf("%d of %d within %v", dropped, stalled, limit), "all", verdict(false))
	}
	e.record(label, "RSS before → max after", mib(rssBefore)+" → "+mib(rssMax), "bounded", "")
	e.record(label, "kernel send queues, max (per stalled reader)",
		fmt.Sprintf("%s (%s)", mib(queuedMax), kib(float64(queuedMax)/float64(stalled))), "bounded", "")
	return nil
}
