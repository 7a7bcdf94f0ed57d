package importer_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/importer"
)

func parse(t *testing.T, text string, opt importer.TextOptions) *importer.Result {
	t.Helper()
	if opt.Zone == nil {
		opt.Zone = london(t)
	}
	if opt.Year == 0 {
		opt.Year = 2025
	}
	res, err := importer.ParseText(strings.NewReader(text), opt)
	if err != nil {
		t.Fatalf("ParseText: %v", err)
	}
	for i, p := range res.Posts {
		if err := p.Validate(); err != nil {
			t.Errorf("post %d does not validate: %v", i, err)
		}
	}
	assertNoWordLost(t, text, res)
	return res
}

func parseFile(t *testing.T, name string, opt importer.TextOptions) *importer.Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, string(data), opt)
}

// resultTexts is every piece of text a result keeps.
func resultTexts(res *importer.Result) []string {
	out := []string{res.Event.Title, res.Event.Description()}
	out = append(out, res.Event.Notes...)
	out = append(out, res.Summary...)
	for _, p := range res.Posts {
		out = append(out, p.Headline)
		for _, c := range p.Contributors {
			out = append(out, c.Name, c.Role)
		}
		for _, b := range p.Blocks {
			out = append(out, liveblog.PlainText(b.Spans), b.Text, b.Attribution, b.Alt, b.Caption, b.Credit, b.URL, b.Title)
			for _, item := range b.Items {
				out = append(out, liveblog.PlainText(item))
			}
		}
	}
	return out
}

var (
	markerStamp = regexp.MustCompile(`published at \d{1,2}[:.]\d{2}(?:[ap]m)?(?:\s+(?:` + stampWords + `|[A-Z]{2,4}(?:[+-]\d{1,2})?|\d{1,4}(?:st|nd|rd|th)?)\b)*`)
	markerWords = map[string]bool{"Summary": true, "Breaking": true, "•": true, "Image": true, "source,": true, "caption,": true, "caption:": true, "Live": true, "Reporting": true}
	markerNum   = regexp.MustCompile(`^\d{1,4}\.$`)
)

// stampWords are the words of the zones and dates the tests' stamps use.
const stampWords = `Greenwich|Mean|Time|British|Summer|Central|European|Kyiv|time|` +
	`January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb`

// assertNoWordLost checks that every word of the input is somewhere in the
// result, as often as it occurs, apart from the structure the importer turns
// into fields (times, numbers, labels, bullets). Words are compared after
// removing the stamps, since a wrapped headline splits them across lines.
func assertNoWordLost(t *testing.T, input string, res *importer.Result) {
	t.Helper()
	// The documented clean-up: bytes that are not UTF-8 become U+FFFD and
	// control characters spaces.
	in := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(input, "\uFFFD"))
	in = strings.Join(strings.Fields(in), " ")
	in = strings.ReplaceAll(in, "published at", " published at")
	in = markerStamp.ReplaceAllString(in, " ")
	in = strings.ReplaceAll(in, "Image source,", " Image source, ")
	// Quotation marks and dashes are structure too, once a quote is a
	// quote block with an attribution.
	trim := func(w string) string { return strings.Trim(w, "\"“”‘’—–") }
	have := map[string]int{}
	for _, s := range resultTexts(res) {
		for _, w := range strings.Fields(s) {
			have[trim(w)]++
		}
	}
	need := map[string]int{}
	for _, w := range strings.Fields(in) {
		w = trim(strings.TrimPrefix(w, "•"))
		if markerWords[w] || markerNum.MatchString(w) || !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		need[w]++
	}
	for w, n := range need {
		if have[w] < n {
			t.Errorf("word %q: %d in the input, %d in the result", w, n, have[w])
		}
	}
}

func hasNote(res *importer.Result, line int, fragment string) bool {
	for _, n := range res.Report {
		if n.Line == line && strings.Contains(n.Message, fragment) {
			return true
		}
	}
	return false
}

func notes(res *importer.Result) string {
	var b strings.Builder
	for _, n := range res.Report {
		fmt.Fprintln(&b, n)
	}
	return b.String()
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func paragraph(s string) liveblog.Block { return liveblog.Plain(s) }

func TestParseTextVariants(t *testing.T) {
	t.Run("OlderPageHeader", func(t *testing.T) {
		res := parseFile(t, "older-header.txt", importer.TextOptions{})
		want := importer.EventHeader{Title: "Harbour bridge reopens after storm repairs", EditedBy: "Maria Lopez", Notes: []string{"All times stated are UK"}}
		if res.Event.Title != want.Title || res.Event.EditedBy != want.EditedBy || !slices.Equal(res.Event.Notes, want.Notes) {
			t.Errorf("header: got %+v, want %+v", res.Event, want)
		}
		if got, want := res.Event.Description(), "Edited by Maria Lopez"; got != want {
			t.Errorf("description: got %q, want %q", got, want)
		}
		if want := []string{"The harbour bridge reopened to traffic at dawn", "Ferries keep a reduced timetable until Monday"}; !slices.Equal(res.Summary, want) {
			t.Errorf("summary: got %q, want %q", res.Summary, want)
		}
		if got, want := len(res.Posts), 2; got != want {
			t.Fatalf("posts: got %d, want %d", got, want)
		}
		// 09:20 British Summer Time is 08:20 UTC.
		if got, want := res.Posts[0].PublishedAt, utc("2025-10-14 08:20"); !got.Equal(want) {
			t.Errorf("first post: got %v, want %v", got, want)
		}
		if got, want := res.Posts[0].Contributors, []liveblog.Contributor{{Name: "Tom Price", Role: "Transport correspondent"}}; !slices.Equal(got, want) {
			t.Errorf("bylines: got %+v, want %+v", got, want)
		}
		if res.Posts[0].Breaking || !res.Posts[1].Breaking {
			t.Errorf("breaking: got %v, %v, want false, true", res.Posts[0].Breaking, res.Posts[1].Breaking)
		}
		if got := res.Posts[1].Blocks; len(got) != 2 || got[1].Type != liveblog.BlockParagraph {
			t.Errorf("quoted statement: got %+v, want it to stay the second paragraph", got)
		}
	})

	t.Run("ImageCaption", func(t *testing.T) {
		res := parseFile(t, "captions.txt", importer.TextOptions{})
		caption := "The lifeboat returning to the slipway at Porthmellin"
		want := liveblog.Block{Type: liveblog.BlockImage, Src: importer.MissingImageSrc, Alt: caption, Caption: caption}
		if got := res.Posts[0].Blocks[0]; !blockEqual(got, want) {
			t.Errorf("older caption form: got %+v, want %+v", got, want)
		}
		want = liveblog.Block{Type: liveblog.BlockImage, Src: importer.MissingImageSrc, Alt: "Rescue helicopter over the headland",
			Caption: "The helicopter was stood down after the lifeboat arrived", Credit: "Coastguard Agency"}
		if got := res.Posts[1].Blocks[0]; !blockEqual(got, want) {
			t.Errorf("image with caption: got %+v, want %+v", got, want)
		}
		// A credit without a description cannot be an image: alt text is
		// required. It stays text, and the report says so.
		if got, want := res.Posts[1].Blocks[1], paragraph("Image source, Harbour Pictures"); !blockEqual(got, want) {
			t.Errorf("credit alone: got %+v, want %+v", got, want)
		}
		if !hasNote(res, 14, "kept as text") {
			t.Errorf("no note for line 14:\n%s", notes(res))
		}
		if len(res.Summary) != 0 || !hasNote(res, 1, "no points") {
			t.Errorf("empty summary: got %q, notes:\n%s", res.Summary, notes(res))
		}
	})

	t.Run("WrappedLines", func(t *testing.T) {
		res := parseFile(t, "wrapped.txt", importer.TextOptions{})
		if got, want := len(res.Posts), 2; got != want {
			t.Fatalf("posts: got %d, want %d", got, want)
		}
		p := res.Posts[0]
		if got, want := p.Headline, "Storm brings down power lines across three valleys as engineers work through the night"; got != want {
			t.Errorf("headline: got %q, want %q", got, want)
		}
		if got, want := p.PublishedAt, utc("2025-11-21 22:50"); !got.Equal(want) {
			t.Errorf("time: got %v, want %v", got, want)
		}
		if got, want := p.Contributors, []liveblog.Contributor{{Name: "Priya Natarajan", Role: "Environment correspondent"}}; !slices.Equal(got, want) {
			t.Errorf("bylines: got %+v, want %+v", got, want)
		}
		var types []liveblog.BlockType
		for _, b := range p.Blocks {
			types = append(types, b.Type)
		}
		if want := []liveblog.BlockType{liveblog.BlockParagraph, liveblog.BlockParagraph, liveblog.BlockList}; !slices.Equal(types, want) {
			t.Fatalf("blocks: got %v, want %v", types, want)
		}
		if got := liveblog.PlainText(p.Blocks[0].Spans); !strings.HasPrefix(got, "Engineers from") || !strings.HasSuffix(got, "over the ridge.") {
			t.Errorf("first paragraph not joined: %q", got)
		}
		items := p.Blocks[2].Items
		if len(items) != 2 || !strings.HasSuffix(liveblog.PlainText(items[0]), "the operator's own figures") {
			t.Errorf("list: got %+v, want 2 items, the first joined", items)
		}
		if got := res.Posts[1].Blocks; len(got) != 2 {
			t.Errorf("second post: got %d blocks, want 2", len(got))
		}
	})

	t.Run("MissingTimesAndBylines", func(t *testing.T) {
		res := parseFile(t, "missing.txt", importer.TextOptions{})
		var got []time.Time
		for _, p := range res.Posts {
			got = append(got, p.PublishedAt)
		}
		want := []time.Time{utc("2025-02-16 11:30"), utc("2025-02-16 10:15"), utc("2025-02-16 10:15"), utc("2025-02-16 09:00")}
		if !slices.EqualFunc(got, want, time.Time.Equal) {
			t.Errorf("times: got %v, want %v", got, want)
		}
		if got, want := res.Posts[1].Headline, "Runners gather at the start line"; got != want {
			t.Errorf("post without time: headline got %q, want %q", got, want)
		}
		if !hasNote(res, 5, "no time") || !hasNote(res, 9, "no date") {
			t.Errorf("missing time and date not reported:\n%s", notes(res))
		}
		for i, p := range res.Posts[:3] {
			if len(p.Contributors) != 0 {
				t.Errorf("post %d: got bylines %+v, want none", i, p.Contributors)
			}
		}
		if got := res.Posts[3].Contributors; len(got) != 1 || got[0].Name != "Sam Okoro" {
			t.Errorf("last post bylines: got %+v", got)
		}
	})

	t.Run("YearRollover", func(t *testing.T) {
		res := parseFile(t, "rollover.txt", importer.TextOptions{Year: 2026})
		var got []time.Time
		for _, p := range res.Posts {
			got = append(got, p.PublishedAt)
		}
		want := []time.Time{utc("2026-01-01 00:05"), utc("2025-12-31 23:40"), utc("2025-12-31 18:00")}
		if !slices.EqualFunc(got, want, time.Time.Equal) {
			t.Errorf("times: got %v, want %v", got, want)
		}
		if !hasNote(res, 5, "read as 2025") {
			t.Errorf("rollover not reported:\n%s", notes(res))
		}
	})
}

func blockEqual(a, b liveblog.Block) bool {
	return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b)
}

func TestParseTextTimes(t *testing.T) {
	for _, tt := range []struct {
		name string
		line string
		zone string
		want time.Time
		note string
	}{
		{"GreenwichMeanTime", "1. Apublished at 09:45 Greenwich Mean Time 13 February", "", utc("2025-02-13 09:45"), ""},
		{"BritishSummerTime", "1. Apublished at 09:45 British Summer Time 2 July", "", utc("2025-07-02 08:45"), ""},
		{"Abbreviation", "1. Apublished at 9:05 GMT 13 Feb", "", utc("2025-02-13 09:05"), ""},
		{"ExplicitYear", "1. Apublished at 09:45 GMT 13 February 2023", "", utc("2023-02-13 09:45"), ""},
		{"Ordinal", "1. Apublished at 09:45 GMT 13th February", "", utc("2025-02-13 09:45"), ""},
		{"OffsetName", "1. Apublished at 12:00 UTC+2 13 February", "", utc("2025-02-13 10:00"), "Europe/London"},
		{"CentralEuropeanTime", "1. Apublished at 10:45 Central European Time 13 February", "Europe/Brussels", utc("2025-02-13 09:45"), ""},
		{"NoZoneReadInOptionZone", "1. Apublished at 09:45 2 July", "", utc("2025-07-02 08:45"), ""},
		{"NoZoneOtherZone", "1. Apublished at 09:45 2 July", "America/New_York", utc("2025-07-02 13:45"), ""},
		{"UnknownZoneName", "1. Apublished at 09:45 Kyiv time 13 February", "", utc("2025-02-13 09:45"), "unknown zone name"},
		{"StatedZoneWinsOverOption", "1. Apublished at 09:45 Greenwich Mean Time 2 July", "", utc("2025-07-02 09:45"), "the stated zone is used"},
		{"TwelveHourClock", "1. Apublished at 2:30pm GMT 13 February", "", utc("2025-02-13 14:30"), ""},
		{"NotADate", "1. Apublished at 09:45 GMT 30 February", "", time.Time{}, "is not a date"},
		{"NotATime", "1. Apublished at 27:45 GMT 13 February", "", time.Time{}, "is not a time"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opt := importer.TextOptions{}
			if tt.zone != "" {
				loc, err := time.LoadLocation(tt.zone)
				if err != nil {
					t.Fatal(err)
				}
				opt.Zone = loc
			}
			res := parse(t, tt.line+"\n\nBody.\n", opt)
			if got := res.Posts[0].PublishedAt; !got.Equal(tt.want) {
				t.Errorf("published at: got %v, want %v", got, tt.want)
			}
			if got, want := res.Posts[0].Headline, "A"; got != want {
				t.Errorf("headline: got %q, want %q", got, want)
			}
			if tt.note != "" && !hasNote(res, 1, tt.note) {
				t.Errorf("want a note with %q, got:\n%s", tt.note, notes(res))
			}
		})
	}
}

func TestParseTextBylines(t *testing.T) {
	post := "1. Headlinepublished at 09:45 GMT 13 February\n\n"
	for _, tt := range []struct {
		name string
		body string
		want []liveblog.Contributor
	}{
		{"NameAndRole", "Jane Doe\nDefence correspondent\n\nText.", []liveblog.Contributor{{Name: "Jane Doe", Role: "Defence correspondent"}}},
		{"RoleWithoutJobWord", "Jane Doe\nIn Kyiv\n\nText.", []liveblog.Contributor{{Name: "Jane Doe", Role: "In Kyiv"}}},
		{"NameWithParticle", "Ursula van der Berg\nEurope editor\n\nText.", []liveblog.Contributor{{Name: "Ursula van der Berg", Role: "Europe editor"}}},
		{"TwoBylines", "Jane Doe\nDefence correspondent\nJohn Roe\nReporting from Kyiv\n\nText.",
			[]liveblog.Contributor{{Name: "Jane Doe", Role: "Defence correspondent"}, {Name: "John Roe", Role: "Reporting from Kyiv"}}},
		{"BlankLineBetween", "Jane Doe\n\nBusiness reporter\n\nText.", []liveblog.Contributor{{Name: "Jane Doe", Role: "Business reporter"}}},
		{"AfterImage", "A crowd at the stationImage source, Agency\n\nJane Doe\nTransport correspondent\n\nText.", []liveblog.Contributor{{Name: "Jane Doe", Role: "Transport correspondent"}}},
		{"ShortParagraphs", "Here we go again\nMore to follow soon\n\nText.", nil},
		{"Sentences", "Jane Doe spoke.\nShe left early.", nil},
		{"NameThenSentence", "Jane Doe\nSaid the talks were over.", nil},
		{"BlankLineWithoutJobWord", "Jane Doe\n\nLater today\n\nText.", nil},
		{"HeadingPair", "Key Points\nWhat we know so far", nil},
		{"NotAtTheTop", "Text first.\n\nJane Doe\nDefence correspondent", nil},
		{"PairInsideParagraph", "Jane Doe\nDefence correspondent\nsaid the talks went well.", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := parse(t, post+tt.body+"\n", importer.TextOptions{})
			if got := res.Posts[0].Contributors; !slices.Equal(got, tt.want) {
				t.Errorf("bylines: got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseTextBlocks(t *testing.T) {
	post := "1. Headlinepublished at 09:45 GMT 13 February\n"
	for _, tt := range []struct {
		name string
		body string
		want []liveblog.Block
	}{
		{"Paragraphs", "\nOne.\n\n\n\nTwo.", []liveblog.Block{paragraph("One."), paragraph("Two.")}},
		{"LinesWithoutBlankStaySeparate", "\nOne.\nTwo.", []liveblog.Block{paragraph("One."), paragraph("Two.")}},
		{"LowerCaseContinuation", "\nThe minister said that\nthe talks would resume.", []liveblog.Block{paragraph("The minister said that the talks would resume.")}},
		{"ConsecutiveBullets", "\n• One\n• Two\n\n• Three\n\nAfter.", []liveblog.Block{
			{Type: liveblog.BlockList, Items: [][]liveblog.Span{{{Text: "One"}}, {{Text: "Two"}}, {{Text: "Three"}}}}, paragraph("After.")}},
		{"BulletsSplitByText", "\n• One\n\nMiddle.\n\n• Two", []liveblog.Block{
			{Type: liveblog.BlockList, Items: [][]liveblog.Span{{{Text: "One"}}}}, paragraph("Middle."),
			{Type: liveblog.BlockList, Items: [][]liveblog.Span{{{Text: "Two"}}}}}},
		{"Image", "\nA ship in a stormImage source, Agency Photo", []liveblog.Block{
			{Type: liveblog.BlockImage, Src: importer.MissingImageSrc, Alt: "A ship in a storm", Credit: "Agency Photo"}}},
		{"QuoteWithAttribution", "\n“We will rebuild.”\n— The mayor", []liveblog.Block{
			{Type: liveblog.BlockQuote, Text: "We will rebuild.", Attribution: "The mayor"}}},
		{"QuotedStatementStaysParagraph", "\n\"We will rebuild,\" the mayor said.", []liveblog.Block{paragraph("\"We will rebuild,\" the mayor said.")}},
		{"QuoteWithoutAttribution", "\n“We will rebuild.”", []liveblog.Block{paragraph("“We will rebuild.”")}},
		{"Embed", "\nhttps://example.com/video/1", []liveblog.Block{{Type: liveblog.BlockEmbed, URL: "https://example.com/video/1"}}},
		{"NumberedListInsidePost", "\n1. First point\n2. Second point", []liveblog.Block{paragraph("1. First point"), paragraph("2. Second point")}},
		{"BreakingMarkerIsNotText", "Breaking\n\nText.", []liveblog.Block{paragraph("Text.")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := parse(t, post+tt.body+"\n", importer.TextOptions{})
			if got, want := len(res.Posts), 1; got != want {
				t.Fatalf("posts: got %d, want %d", got, want)
			}
			got := res.Posts[0].Blocks
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
				t.Errorf("blocks:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseTextStructure(t *testing.T) {
	t.Run("UnnumberedPosts", func(t *testing.T) {
		res := parse(t, "Secondpublished at 10:00 GMT 1 March\nText two.\n\nFirstpublished at 09:00 GMT 1 March\nText one.\n", importer.TextOptions{})
		if got := headlines(res); !slices.Equal(got, []string{"Second", "First"}) {
			t.Errorf("headlines: got %q", got)
		}
	})
	t.Run("TimeOnItsOwnLine", func(t *testing.T) {
		res := parse(t, "A headline\npublished at 10:00 GMT 1 March\n\nText.\n", importer.TextOptions{})
		if got := headlines(res); !slices.Equal(got, []string{"A headline"}) {
			t.Errorf("headlines: got %q", got)
		}
	})
	t.Run("TimeInProseIsNotAPost", func(t *testing.T) {
		res := parse(t, "1. Apublished at 10:00 GMT 1 March\n\nThe report was first published at 09:00 GMT 1 March.\n", importer.TextOptions{})
		if got, want := len(res.Posts), 1; got != want {
			t.Errorf("posts: got %d, want %d", got, want)
		}
	})
	t.Run("WindowsLineEndingsAndControlCharacters", func(t *testing.T) {
		res := parse(t, "1. Apublished at 10:00 GMT 1 March\r\n\r\nOne\x00two.\r\n", importer.TextOptions{})
		if got, want := res.Posts[0].Blocks, []liveblog.Block{paragraph("One two.")}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("blocks: got %+v, want %+v", got, want)
		}
		if !hasNote(res, 3, "control characters") {
			t.Errorf("control character not reported:\n%s", notes(res))
		}
	})
	t.Run("InvalidUTF8", func(t *testing.T) {
		res := parse(t, "1. Apublished at 10:00 GMT 1 March\n\nCaf\xe9.\n", importer.TextOptions{})
		if got, want := liveblog.PlainText(res.Posts[0].Blocks[0].Spans), "Caf\uFFFD."; got != want {
			t.Errorf("text: got %q, want %q", got, want)
		}
	})
	t.Run("OutOfOrder", func(t *testing.T) {
		res := parse(t, "1. Apublished at 09:00 GMT 1 March\n\n2. Bpublished at 09:30 GMT 1 March\n", importer.TextOptions{})
		if got, want := res.Posts[1].PublishedAt, utc("2025-03-01 09:30"); !got.Equal(want) {
			t.Errorf("time: got %v, want %v (same year, not rolled back)", got, want)
		}
		if !hasNote(res, 3, "later than the one above") {
			t.Errorf("not reported:\n%s", notes(res))
		}
	})
	t.Run("NoTimeAnywhere", func(t *testing.T) {
		res := parse(t, "1. A\n\nText.\n\n2. B\n\nText.\n", importer.TextOptions{})
		if got := headlines(res); !slices.Equal(got, []string{"A", "B"}) {
			t.Errorf("headlines: got %q", got)
		}
		if !res.Posts[0].PublishedAt.IsZero() || !hasNote(res, 1, "time it is imported") {
			t.Errorf("got %v, want no time and a note:\n%s", res.Posts[0].PublishedAt, notes(res))
		}
	})
	t.Run("EmptyPostLeftOut", func(t *testing.T) {
		res := parse(t, "1. published at 10:00 GMT 1 March\n\n2. Bpublished at 09:00 GMT 1 March\n", importer.TextOptions{})
		if got := headlines(res); !slices.Equal(got, []string{"B"}) {
			t.Errorf("headlines: got %q", got)
		}
		if !hasNote(res, 1, "left out") {
			t.Errorf("not reported:\n%s", notes(res))
		}
	})
	t.Run("DefaultZoneAndYear", func(t *testing.T) {
		res, err := importer.ParseText(strings.NewReader("1. Apublished at 10:00 1 March\n"), importer.TextOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res.Zone.String(), liveblog.DefaultTimeZone; got != want {
			t.Errorf("zone: got %q, want %q", got, want)
		}
		if got, want := res.Posts[0].PublishedAt.Year(), liveblog.Now().Year(); got != want {
			t.Errorf("year: got %d, want %d", got, want)
		}
		if !hasNote(res, 0, "no year given") {
			t.Errorf("default year not reported:\n%s", notes(res))
		}
	})
	t.Run("SummaryPoints", func(t *testing.T) {
		res := parse(t, "Summary\n\n• One point\n• Another point that\n  wraps\nA plain point\n\n1. Apublished at 10:00 GMT 1 March\n", importer.TextOptions{})
		if want := []string{"One point", "Another point that wraps", "A plain point"}; !slices.Equal(res.Summary, want) {
			t.Errorf("summary: got %q, want %q", res.Summary, want)
		}
	})
}

func headlines(res *importer.Result) []string {
	var out []string
	for _, p := range res.Posts {
		out = append(out, p.Headline)
	}
	return out
}

func TestParseTextLimits(t *testing.T) {
	t.Run("LongHeadline", func(t *testing.T) {
		long := strings.Repeat("word ", 80) + "end"
		res := parse(t, "1. "+long+"published at 10:00 GMT 1 March\n", importer.TextOptions{})
		p := res.Posts[0]
		if n := len([]rune(p.Headline)); n > liveblog.MaxHeadlineLength || !strings.HasSuffix(p.Headline, "…") {
			t.Errorf("headline: %d runes %q", n, p.Headline)
		}
		if got := liveblog.PlainText(p.Blocks[0].Spans); got != long {
			t.Errorf("first paragraph: got %q, want the full headline", got)
		}
	})
	t.Run("LongParagraph", func(t *testing.T) {
		long := strings.Repeat("A sentence of some length. ", 400)
		res := parse(t, "1. Apublished at 10:00 GMT 1 March\n\n"+long+"\n", importer.TextOptions{})
		if got := len(res.Posts[0].Blocks); got < 2 {
			t.Errorf("blocks: got %d, want the paragraph split", got)
		}
	})
	t.Run("ManyBlocks", func(t *testing.T) {
		body := strings.Repeat("Text.\n\n", liveblog.MaxBlocks+5)
		res := parse(t, "1. Apublished at 10:00 GMT 1 March\n\n"+body+"2. Bpublished at 09:00 GMT 1 March\n", importer.TextOptions{})
		if got := headlines(res); !slices.Equal(got, []string{"A", "", "B"}) {
			t.Fatalf("headlines: got %q, want the long post continued", got)
		}
		if got, want := len(res.Posts[1].Blocks), 5; got != want {
			t.Errorf("continuation blocks: got %d, want %d", got, want)
		}
		if !res.Posts[1].PublishedAt.Equal(res.Posts[0].PublishedAt) {
			t.Errorf("continuation time: got %v, want %v", res.Posts[1].PublishedAt, res.Posts[0].PublishedAt)
		}
	})
	t.Run("LongList", func(t *testing.T) {
		body := strings.Repeat("• item\n", liveblog.MaxListItems+1)
		res := parse(t, "1. Apublished at 10:00 GMT 1 March\n\n"+body, importer.TextOptions{})
		if got, want := len(res.Posts[0].Blocks), 2; got != want {
			t.Errorf("lists: got %d, want %d", got, want)
		}
	})
}

func TestParseTextErrors(t *testing.T) {
	t.Run("NoPosts", func(t *testing.T) {
		_, err := importer.ParseText(strings.NewReader("Just some text.\n\nNothing else.\n"), importer.TextOptions{Year: 2025})
		if got, want := liveblog.ErrorCode(err), liveblog.EINVALID; got != want {
			t.Errorf("error code: got %q (%v), want %q", got, err, want)
		}
	})
	t.Run("TooLarge", func(t *testing.T) {
		r := io.LimitReader(repeat('x'), importer.MaxTextSize+1)
		_, err := importer.ParseText(r, importer.TextOptions{Year: 2025})
		if got, want := liveblog.ErrorCode(err), liveblog.ETOOLARGE; got != want {
			t.Errorf("error code: got %q (%v), want %q", got, err, want)
		}
	})
}

type repeat byte

func (r repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func TestWriteReport(t *testing.T) {
	res := parseFile(t, "missing.txt", importer.TextOptions{})
	var b bytes.Buffer
	if err := res.WriteReport(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Posts:     4,",
		"line    5  10:15 GMT 16 Feb  Runners gather at the start line",
		"line 5: no time; given the time of the post at line 9",
		"[by Sam Okoro]",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
