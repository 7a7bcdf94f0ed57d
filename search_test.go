package liveblog

import (
	"slices"
	"strings"
	"testing"
)

func TestParseSearch(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Ferry", `"ferry"`},
		{"  prime   MINISTER ", `"prime" "minister"`},
		{`"prime minister" said`, `"prime minister" "said"`},
		{`minist* -"no deal" -vote`, `"minist"* -"no deal" -"vote"`},
		{"minister's", `"minister s"`},
		{`"ferry time"*`, `"ferry time"*`},
		{`"unclosed phrase`, `"unclosed phrase"`},
		{`NEAR(a b) OR {col}:x`, `"near a" "b" "or" "col x"`},
		{"Zürich", `"zürich"`},
	} {
		q, err := ParseSearch(tt.in)
		if err != nil {
			t.Errorf("ParseSearch(%q): %v", tt.in, err)
			continue
		}
		if got := q.String(); got != tt.want {
			t.Errorf("ParseSearch(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestHighlight(t *testing.T) {
	q, err := ParseSearch(`harbour minist* -closed`)
	if err != nil {
		t.Fatal(err)
	}
	got := q.Highlight(`The <b>Harbour</b> is closed, the Minister's office said.`)
	want := []Fragment{{"The <b>", false}, {"Harbour", true}, {"</b> is closed, the ", false}, {"Minister", true}, {"'s office said.", false}}
	if !slices.Equal(got, want) {
		t.Errorf("Highlight:\n got %+v\nwant %+v", got, want)
	}
	long := "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " +
		"seventeen eighteen nineteen twenty harbour twentyone twentytwo twentythree twentyfour twentyfive twentysix " +
		"twentyseven twentyeight twentynine thirty thirtyone thirtytwo thirtythree thirtyfour a b c d e f"
	ex := q.Excerpt(long)
	if len(ex) != 3 || ex[1] != (Fragment{"harbour", true}) || !strings.HasPrefix(ex[0].Text, "… eleven ") || !strings.HasSuffix(ex[2].Text, " e …") {
		t.Errorf("Excerpt: %+v", ex)
	}
}

func TestSearchDoc(t *testing.T) {
	p := &Post{ID: 3, EventID: 2, Status: StatusPublished, Headline: "Ferries: CANCELLED",
		Blocks: []Block{Plain("Storm warning."), {Type: BlockQuote, Text: "Stay home", Attribution: "Coastguard"},
			{Type: BlockImage, Src: "/media/x.jpg", Alt: "A ferry", Caption: "At Dover", Credit: "PA"},
			{Type: BlockEmbed, URL: "https://example.org/x", Title: "Timetable"}}}
	d := p.SearchDoc()
	if d.Headline != "ferries cancelled" || d.Body != "storm warning stay home coastguard a ferry at dover pa timetable" {
		t.Errorf("SearchDoc = %+v", d)
	}
}
