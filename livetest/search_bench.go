package livetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// The benchmarks of search, shared by both stores: each store's bench_test.go
// opens a store and calls them, so that the figures in BENCHMARKS.md come from
// the same data and the same queries on SQLite and PostgreSQL.

// LargeSearchEnv names the environment variable that turns on the search
// benchmark across 1,000,000 posts in 2,000 events, whose seeding takes many
// minutes: LIVEBLOG_BENCH_LARGE=1.
const LargeSearchEnv = "LIVEBLOG_BENCH_LARGE"

// newsWords is the vocabulary of the seeded posts, most common first: the
// text follows Zipf's law over it, as prose does, so that a common word
// matches a large share of an event and a rare one a handful of posts.
var newsWords = strings.Fields(`the of and to in a said on for that is with by at as from was it
	be have has will are not government minister people after police over but an they this more
	would new year been were their two who which about up out first last could time when also than
	told its other into some her his statement talks council officials because before three public
	week health day report since during while where between under four million against whether
	country city support security economy state children hospital court water election vote
	parliament opposition leader spokesman party budget tax energy prices ferry harbour storm
	warning flood rail strike union workers weather roads closed schools emergency services
	ambulance fire crews evacuated residents damage power cuts coastguard rescue lifeboat wind
	gusts rainfall forecast amber red chancellor treasury inflation borrowing spending cuts
	announcement border trade deal negotiations summit ministers brussels defence troops ceasefire
	aid convoy refugees crossing airport flights cancelled delays passengers terminal runway
	investigation inquiry evidence witness trial verdict sentence judge jury appeal lawyers
	protest march crowd square banners chants arrests statement apology resignation scandal
	minister's committee hearing testimony documents leaked memo briefing pressure backbenchers`)

// planted are rare words put into a few posts each, for a search that
// finds almost nothing.
var planted = []string{"zeppelin", "quinoa", "xylophone", "fjord"}

// searchText returns about n words of text from r: Zipf-distributed words,
// and now and then "prime minister" or a planted rare word.
func searchText(r *rand.Rand, z *rand.Zipf, n int) string {
	words := make([]string, 0, n+2)
	for len(words) < n {
		switch k := r.IntN(20_000); {
		case k == 0:
			words = append(words, planted[r.IntN(len(planted))])
		case k < 400:
			words = append(words, "prime", "minister")
		default:
			words = append(words, newsWords[z.Uint64()])
		}
	}
	return strings.Join(words, " ")
}

// SearchEvent returns an event of n published posts, each a headline of 8
// words and a body of 60 in two paragraphs, as ImportEvent takes it: one
// transaction per event, and each post indexed in it, as a write indexes.
func SearchEvent(slug string, n int, seed uint64) (*liveblog.Event, []*liveblog.Post, *liveblog.ChangeBatch) {
	r := rand.New(rand.NewPCG(seed, 1))
	z := rand.NewZipf(r, 1.1, 2, uint64(len(newsWords)-1))
	start := time.Date(2025, 2, 13, 6, 0, 0, 0, time.UTC)
	e := &liveblog.Event{Slug: slug, Title: "Seeded " + slug, State: liveblog.CoverageLive, TimeZone: liveblog.DefaultTimeZone,
		CreatedAt: start, UpdatedAt: start, Version: 1}
	posts := make([]*liveblog.Post, n)
	for i := range posts {
		at := start.Add(time.Duration(i) * 10 * time.Second)
		posts[i] = &liveblog.Post{ID: int64(i + 1), Headline: searchText(r, z, 8),
			Blocks:      []liveblog.Block{liveblog.Plain(searchText(r, z, 30)), liveblog.Plain(searchText(r, z, 30))},
			Status:      liveblog.StatusPublished,
			PublishedAt: at, CreatedAt: at, UpdatedAt: at, Version: 1}
	}
	return e, posts, &liveblog.ChangeBatch{Floor: int64(n), Head: int64(n)}
}

// seedSearch imports events of n posts each into s, named prefix-0,
// prefix-1 and so on, and returns the first.
func seedSearch(b *testing.B, s SearchableStore, prefix string, events, n int) *liveblog.Event {
	b.Helper()
	var first *liveblog.Event
	started := time.Now()
	for i := range events {
		e, posts, feed := SearchEvent(fmt.Sprintf("%s-%d", prefix, i), n, uint64(i))
		// Ids of their own, so that every event but a fresh instance's
		// first is given new ones.
		e.ID = 0
		if err := s.ImportEvent(context.Background(), e, posts, feed, nil); err != nil {
			b.Fatal(err)
		}
		if first == nil {
			first = e
		}
		if events > 10 && (i+1)%100 == 0 {
			b.Logf("seeded %d of %d events (%d posts) in %v", i+1, events, (i+1)*n, time.Since(started).Round(time.Second))
		}
	}
	return first
}

// searchQueries are what the benchmarks search for: a common word, two
// words, a phrase, a prefix and a rare word.
var searchQueries = []struct{ name, q string }{
	{"Word", "minister"},
	{"Words", "police statement"},
	{"Phrase", `"prime minister"`},
	{"Prefix", "evac*"},
	{"Rare", "zeppelin"},
}

// benchSearch runs f once per iteration and reports the median time, in
// milliseconds, beside the mean that the testing package reports.
func benchSearch(b *testing.B, s liveblog.SearchStore, f liveblog.SearchFilter) {
	ctx := context.Background()
	var times []time.Duration
	hits := 0
	for b.Loop() {
		t := time.Now()
		res, err := s.Search(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t))
		hits = len(res.Hits)
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(hits), "hits")
}

// BenchmarkSearch searches an event of 10,000 posts, and with
// LIVEBLOG_BENCH_LARGE=1 one event and then every event of 2,000 holding
// 1,000,000 posts in all, the desk's archive search; open returns an empty
// store, and settle, when not nil, is run once it is seeded (PostgreSQL's
// VACUUM ANALYZE, as autovacuum would after such a burst).
func BenchmarkSearch(b *testing.B, open func(b *testing.B) SearchableStore, settle func(b *testing.B, s SearchableStore)) {
	b.Run("Event10k", func(b *testing.B) {
		s := open(b)
		e := seedSearch(b, s, "event", 1, 10_000)
		if settle != nil {
			settle(b, s)
		}
		for _, q := range searchQueries {
			b.Run(q.name, func(b *testing.B) { benchSearch(b, s, liveblog.SearchFilter{EventID: e.ID, Query: q.q}) })
		}
	})
	if os.Getenv(LargeSearchEnv) != "1" {
		return
	}
	b.Run("Posts1M", func(b *testing.B) {
		s := open(b)
		e := seedSearch(b, s, "archive", 2_000, 500)
		if settle != nil {
			settle(b, s)
		}
		for _, q := range searchQueries {
			b.Run("Event/"+q.name, func(b *testing.B) { benchSearch(b, s, liveblog.SearchFilter{EventID: e.ID, Query: q.q}) })
			b.Run("Every/"+q.name, func(b *testing.B) {
				benchSearch(b, s, liveblog.SearchFilter{Query: q.q, Statuses: []liveblog.PostStatus{liveblog.StatusDraft, liveblog.StatusScheduled, liveblog.StatusPublished}})
			})
		}
	})
}

// BenchmarkPublish publishes a post of the seeded kind into an event of
// 1,000 posts, through indexed, a store's Service, and through unindexed,
// a Service on the same store whose IndexPost and UnindexPost write nothing
// (see Unindexed): the difference is what indexing adds to a publish.
func BenchmarkPublish(b *testing.B, s SearchableStore, indexed, unindexed *liveblog.Service) {
	e := seedSearch(b, s, "publish", 1, 1_000)
	r := rand.New(rand.NewPCG(7, 1))
	z := rand.NewZipf(r, 1.1, 2, uint64(len(newsWords)-1))
	for _, tt := range []struct {
		name string
		svc  *liveblog.Service
	}{{"Indexed", indexed}, {"Unindexed", unindexed}} {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				p := &liveblog.Post{EventID: e.ID, Headline: searchText(r, z, 8),
					Blocks: []liveblog.Block{liveblog.Plain(searchText(r, z, 30)), liveblog.Plain(searchText(r, z, 30))}}
				if err := tt.svc.CreatePost(context.Background(), liveblog.Write{}, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Unindexed returns st with a search index that keeps nothing, for
// BenchmarkPublish's comparison.
func Unindexed(st liveblog.Storage) liveblog.Storage { return unindexed{st} }

type unindexed struct{ liveblog.Storage }

func (u unindexed) Write(ctx context.Context, fn func(liveblog.Tx) error) error {
	return u.Storage.Write(ctx, func(tx liveblog.Tx) error { return fn(unindexedTx{tx}) })
}

type unindexedTx struct{ liveblog.Tx }

func (unindexedTx) IndexPost(liveblog.SearchDoc) error { return nil }
func (unindexedTx) UnindexPost(int64) error            { return nil }
