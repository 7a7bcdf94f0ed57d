package importer_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/importer"
)

// fixtureName is the shared dump of a real live page. Its text stays outside
// the repository, so the expectations below are read from the file itself
// with patterns of the test's own, independent of the parser's.
const fixtureName = "live-page-2025-02-13.txt"

// readFixture reads a shared fixture from LIVEBLOG_FIXTURES, or from
// ../shared/fixtures next to the repository. Without it the test is skipped,
// except on CI, where a missing fixture would hide a broken importer.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	dir := os.Getenv("LIVEBLOG_FIXTURES")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "fixtures")
	}
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		abs, _ := filepath.Abs(path)
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixture %s not found (looked in %s); CI must provide it, set LIVEBLOG_FIXTURES to its directory", name, abs)
		}
		t.Skipf("fixture %s not found (looked in %s); set LIVEBLOG_FIXTURES to the directory that holds it", name, abs)
	} else if err != nil {
		t.Fatal(err)
	}
	return data
}

func london(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatalf("time zone data: %v", err)
	}
	return loc
}

func parseFixture(t *testing.T) ([]byte, *importer.Result) {
	t.Helper()
	data := readFixture(t, fixtureName)
	res, err := importer.ParseText(bytes.NewReader(data), importer.TextOptions{Year: 2025, Zone: london(t)})
	if err != nil {
		t.Fatalf("ParseText: %v", err)
	}
	return data, res
}

var (
	fixtureHead  = regexp.MustCompile(`^\s*(\d+)\. (.*?)published at (\d\d):(\d\d) Greenwich Mean Time 13 February$`)
	fixtureImage = regexp.MustCompile(`^\s*(.+?)Image source, (.+)$`)
)

func TestParseTextFixture(t *testing.T) {
	data, res := parseFixture(t)
	lines := strings.Split(string(data), "\n")

	// Each numbered headline line, as the test reads it.
	type head struct {
		line     int
		num      string
		headline string
		at       time.Time
	}
	var heads []head
	for i, l := range lines {
		if m := fixtureHead.FindStringSubmatch(l); m != nil {
			at, err := time.Parse("2006-01-02 15:04", "2025-02-13 "+m[3]+":"+m[4])
			if err != nil {
				t.Fatal(err)
			}
			heads = append(heads, head{i + 1, m[1], m[2], at})
		}
	}
	// postAt returns the post whose headline is on the fixture's post num.
	postAt := func(t *testing.T, num string) *liveblog.Post {
		t.Helper()
		for i, h := range heads {
			if h.num == num && i < len(res.Posts) {
				return res.Posts[i]
			}
		}
		t.Fatalf("no post %s", num)
		return nil
	}

	t.Run("PostCount", func(t *testing.T) {
		if got, want := len(res.Posts), 20; got != want {
			t.Fatalf("posts: got %d, want %d", got, want)
		}
		if got, want := len(heads), 20; got != want {
			t.Fatalf("the test read %d headlines from the fixture, want %d", got, want)
		}
		if got, want := len(res.Lines), len(res.Posts); got != want {
			t.Errorf("lines: got %d, want one per post (%d)", got, want)
		}
	})
	if len(res.Posts) != len(heads) {
		t.FailNow()
	}

	t.Run("HeadlinesAndTimes", func(t *testing.T) {
		for i, h := range heads {
			p := res.Posts[i]
			if p.Headline != h.headline {
				t.Errorf("post %s headline: got %q, want %q", h.num, p.Headline, h.headline)
			}
			if !p.PublishedAt.Equal(h.at) {
				t.Errorf("post %s published at: got %v, want %v", h.num, p.PublishedAt, h.at)
			}
			if got, want := res.Lines[i], h.line; got != want {
				t.Errorf("post %s line: got %d, want %d", h.num, got, want)
			}
		}
	})

	t.Run("FirstAndLast", func(t *testing.T) {
		first, last := res.Posts[0], res.Posts[len(res.Posts)-1]
		if got, want := first.PublishedAt, time.Date(2025, 2, 13, 9, 45, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("first post: got %v, want %v", got, want)
		}
		if got, want := last.PublishedAt, time.Date(2025, 2, 13, 6, 36, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("last post: got %v, want %v", got, want)
		}
		if got, want := first.Headline, heads[0].headline; got != want {
			t.Errorf("first headline: got %q, want %q", got, want)
		}
		if got, want := last.Headline, heads[len(heads)-1].headline; got != want {
			t.Errorf("last headline: got %q, want %q", got, want)
		}
		for _, p := range []*liveblog.Post{first, last} {
			if p.Headline == "" || strings.Contains(p.Headline, "published at") || strings.Contains(p.Headline, "Greenwich") {
				t.Errorf("headline %q: want the headline without its time", p.Headline)
			}
		}
	})

	t.Run("Bylines", func(t *testing.T) {
		beale := []liveblog.Contributor{{Name: "Jonathan Beale", Role: "Defence correspondent"}}
		for _, num := range []string{"2", "5"} {
			if got := postAt(t, num).Contributors; !slices.Equal(got, beale) {
				t.Errorf("post %s bylines: got %+v, want %+v", num, got, beale)
			}
		}
		// The last post's byline is the two lines under its headline.
		h := heads[len(heads)-1]
		want := []liveblog.Contributor{{Name: strings.TrimSpace(lines[h.line+1]), Role: strings.TrimSpace(lines[h.line+2])}}
		if got := postAt(t, h.num).Contributors; !slices.Equal(got, want) {
			t.Errorf("post %s bylines: got %+v, want %+v", h.num, got, want)
		}
		with := 0
		for _, p := range res.Posts {
			if len(p.Contributors) > 0 {
				with++
			}
		}
		if got, want := with, 3; got != want {
			t.Errorf("posts with a byline: got %d, want %d (a short paragraph was taken for one?)", got, want)
		}
	})

	t.Run("Images", func(t *testing.T) {
		type image struct{ alt, credit string }
		var want, got []image
		for _, l := range lines {
			if m := fixtureImage.FindStringSubmatch(l); m != nil {
				want = append(want, image{m[1], m[2]})
			}
		}
		for _, p := range res.Posts {
			for _, b := range p.Blocks {
				if b.Type == liveblog.BlockImage {
					got = append(got, image{b.Alt, b.Credit})
					if b.Src != importer.MissingImageSrc {
						t.Errorf("image src: got %q, want %q", b.Src, importer.MissingImageSrc)
					}
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("images:\n got %q\nwant %q", got, want)
		}
		credits := map[string]int{}
		for _, g := range got {
			credits[g.credit]++
		}
		for _, c := range []string{"Reuters", "Getty Images"} {
			if credits[c] == 0 {
				t.Errorf("no image credited %q; credits: %v", c, credits)
			}
		}
		if img := postAt(t, "1").Blocks[0]; img.Type != liveblog.BlockImage || img.Credit != "Reuters" {
			t.Errorf("post 1 first block: got %+v, want an image credited Reuters", img)
		}
	})

	t.Run("Lists", func(t *testing.T) {
		bullets := 0
		for _, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "•") {
				bullets++
			}
		}
		items, lists := 0, 0
		for _, p := range res.Posts {
			for _, b := range p.Blocks {
				if b.Type == liveblog.BlockList {
					lists++
					items += len(b.Items)
				}
			}
		}
		if items != bullets {
			t.Errorf("list items: got %d, want %d (one per bullet line)", items, bullets)
		}
		if got, want := lists, 3; got != want {
			t.Errorf("lists: got %d, want %d (consecutive bullets form one list)", got, want)
		}
		var list *liveblog.Block
		for i, b := range postAt(t, "19").Blocks {
			if b.Type == liveblog.BlockList {
				list = &postAt(t, "19").Blocks[i]
			}
		}
		if list == nil || len(list.Items) != 4 {
			t.Fatalf("post 19: got list %+v, want one list of 4 items", list)
		}
	})

	t.Run("Breaking", func(t *testing.T) {
		var got []string
		for i, p := range res.Posts {
			if p.Breaking {
				got = append(got, heads[i].num)
			}
		}
		if want := []string{"16"}; !slices.Equal(got, want) {
			t.Errorf("breaking posts: got %v, want %v", got, want)
		}
	})

	t.Run("Valid", func(t *testing.T) {
		for i, p := range res.Posts {
			if err := p.Validate(); err != nil {
				t.Errorf("post %s: %v", heads[i].num, err)
			}
			if p.Status != liveblog.StatusPublished {
				t.Errorf("post %s status: got %q, want published", heads[i].num, p.Status)
			}
		}
	})

	t.Run("NoTextLost", func(t *testing.T) {
		text := strings.Join(resultTexts(res), "\n")
		for i, l := range lines {
			for _, piece := range fixturePieces(l) {
				if !strings.Contains(text, piece) {
					t.Errorf("line %d: %q is not in the result", i+1, piece)
				}
			}
		}
		assertNoWordLost(t, string(data), res)
	})
}

// fixturePieces is the text of a fixture line that must survive, without the
// structure the importer turns into fields: post numbers, times, the
// "Image source" label, bullets, and the Summary and Breaking markers.
func fixturePieces(l string) []string {
	l = strings.TrimSpace(l)
	switch {
	case l == "" || l == "Summary" || l == "Breaking":
		return nil
	case fixtureHead.MatchString(l):
		return []string{fixtureHead.FindStringSubmatch(l)[2]}
	case fixtureImage.MatchString(l):
		m := fixtureImage.FindStringSubmatch(l)
		return []string{m[1], m[2]}
	}
	return []string{strings.TrimSpace(strings.TrimPrefix(l, "•"))}
}

func TestWriteReportFixture(t *testing.T) {
	_, res := parseFixture(t)
	var b bytes.Buffer
	if err := res.WriteReport(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"Posts:     20,", "line 18: byline \"Jonathan Beale\", \"Defence correspondent\"", "line 178: marked breaking", res.Posts[0].Headline} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestUnclassifiedFixture checks that the report names every stretch of the
// fixture the parser kept as plain paragraphs without knowing what it was:
// the paragraphs after an introduction that ends with a colon ("Here's that
// statement in full:"), an introduction with nothing after it, and a short
// line without a full stop. The expectations are read from the file.
func TestUnclassifiedFixture(t *testing.T) {
	data, res := parseFixture(t)
	lines := strings.Split(string(data), "\n")
	text := func(i int) string { return strings.TrimSpace(lines[i]) }

	type span struct{ first, last int }
	var want []span
	for i := range lines {
		if !strings.HasSuffix(text(i), ":") || fixtureHead.MatchString(text(i)) {
			continue
		}
		// What follows the introduction, up to the next post.
		var after []int
		for j := i + 1; j < len(lines) && !fixtureHead.MatchString(text(j)); j++ {
			if text(j) != "" {
				after = append(after, j+1)
			}
		}
		switch {
		case len(after) == 0:
			want = append(want, span{i + 1, i + 1})
		case !strings.HasPrefix(text(after[0]-1), "•"):
			want = append(want, span{after[0], after[len(after)-1]})
		}
	}
	bylines := map[string]bool{}
	for _, p := range res.Posts {
		for _, c := range p.Contributors {
			bylines[c.Name], bylines[c.Role] = true, true
		}
	}
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || l == "Summary" || l == "Breaking" || bylines[l] || fixtureHead.MatchString(l) || fixtureImage.MatchString(l) ||
			strings.HasPrefix(l, "•") || strings.ContainsAny(l[len(l)-1:], ".:!?\"”'’") {
			continue
		}
		want = append(want, span{i + 1, i + 1})
	}
	slices.SortFunc(want, func(a, b span) int { return a.first - b.first })
	if len(want) < 3 {
		t.Fatalf("the test found %d stretches in the fixture, want the statement, the lost recap and the map caption: %v", len(want), want)
	}

	var got []span
	for _, n := range res.Report {
		if n.Unclassified {
			got = append(got, span{n.Line, max(n.End, n.Line)})
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("unclassified: got %v, want %v\n%s", got, want, notesOf(res))
	}

	var b bytes.Buffer
	if err := res.WriteReport(&b); err != nil {
		t.Fatal(err)
	}
	section := b.String()
	if i := strings.Index(section, "Not classified"); i < 0 {
		t.Fatalf("report has no section of unclassified text:\n%s", section)
	} else {
		section = section[i:]
	}
	for _, s := range want {
		label := fmt.Sprintf("line %d: ", s.first)
		if s.last > s.first {
			label = fmt.Sprintf("lines %d-%d: ", s.first, s.last)
		}
		if !strings.Contains(section, label) {
			t.Errorf("report does not name %q:\n%s", label, section)
		}
	}
	if !strings.Contains(section, "statement in full") {
		t.Errorf("report does not quote the introduction of the statement:\n%s", section)
	}
}

func notesOf(res *importer.Result) string {
	var b strings.Builder
	for _, n := range res.Report {
		fmt.Fprintf(&b, "%s (unclassified %v)\n", n, n.Unclassified)
	}
	return b.String()
}
