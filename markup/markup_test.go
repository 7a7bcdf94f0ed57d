package markup

import (
	"encoding/json"
	"testing"

	"github.com/liveblog/liveblog"
)

func spansJSON(spans []liveblog.Span) string {
	b, _ := json.Marshal(spans)
	return string(b)
}

func TestParse(t *testing.T) {
	type S = liveblog.Span
	for _, tt := range []struct {
		name, in string
		want     []S
	}{
		{"Plain", "The chancellor speaks.", []S{{Text: "The chancellor speaks."}}},
		{"Empty", "", nil},
		{"Bold", "Fuel duty **frozen** again", []S{{Text: "Fuel duty "}, {Text: "frozen", Bold: true}, {Text: " again"}}},
		{"Italic", "the _Financial Times_ says", []S{{Text: "the "}, {Text: "Financial Times", Italic: true}, {Text: " says"}}},
		{"Link", "read [the statement](https://www.gov.uk/budget) now", []S{{Text: "read "}, {Text: "the statement", Href: "https://www.gov.uk/budget"}, {Text: " now"}}},
		{"BoldLink", "[**Live**: budget](https://example.com/)", []S{{Text: "Live", Bold: true, Href: "https://example.com/"}, {Text: ": budget", Href: "https://example.com/"}}},
		{"Nested", "**bold _both_**", []S{{Text: "bold", Bold: true}, {Text: " "}, {Text: "both", Bold: true, Italic: true}}},
		{"IntrawordBold", "un**believ**able", []S{{Text: "un"}, {Text: "believ", Bold: true}, {Text: "able"}}},
		{"Handle", "@some_user and snake_case_name", []S{{Text: "@some_user and snake_case_name"}}},
		{"PlainURL", "see https://example.com/a_b_c for more", []S{{Text: "see https://example.com/a_b_c for more"}}},
		{"Arithmetic", "2 ** 3 ** 4", []S{{Text: "2 ** 3 ** 4"}}},
		{"Unclosed", "**not closed and _neither", []S{{Text: "**not closed and _neither"}}},
		{"Escaped", `\*\*not bold\*\* and \_not italic\_ and \[x\](y)`, []S{{Text: "**not bold** and _not italic_ and [x](y)"}}},
		{"WikipediaURL", "[Foo](https://en.wikipedia.org/wiki/Foo_(bar))", []S{{Text: "Foo", Href: "https://en.wikipedia.org/wiki/Foo_(bar)"}}},
		{"LinkWithSpace", "[text](not a url)", []S{{Text: "[text](not a url)"}}},
		{"EmptyLinkText", "[](https://example.com)", []S{{Text: "[](https://example.com)"}}},
		{"Newline", "line one\nline **two**", []S{{Text: "line one\nline "}, {Text: "two", Bold: true}}},
		{"BackslashAlone", `C:\path`, []S{{Text: `C:\path`}}},
		{"JavascriptKept", "[x](javascript:alert(1))", []S{{Text: "x", Href: "javascript:alert(1)"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := spansJSON(Parse(tt.in)), spansJSON(tt.want); got != want {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tt.in, got, want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	type S = liveblog.Span
	for _, tt := range []struct {
		name  string
		spans []S
		want  string
	}{
		{"Plain", []S{{Text: "Hello"}}, "Hello"},
		{"Specials", []S{{Text: "2*3 [a] \\ _x"}}, `2\*3 \[a\] \\ \_x`},
		{"Underscores", []S{{Text: "snake_case"}}, "snake_case"},
		{"BoldSpaces", []S{{Text: "a"}, {Text: " bold ", Bold: true}, {Text: "b"}}, "a **bold** b"},
		{"IntrawordItalicDropped", []S{{Text: "un"}, {Text: "believ", Italic: true}, {Text: "able"}}, "unbelievable"},
		{"Link", []S{{Text: "Foo", Href: "https://en.wikipedia.org/wiki/Foo_(bar)"}}, "[Foo](https://en.wikipedia.org/wiki/Foo_(bar))"},
		{"LinkStrayParen", []S{{Text: "x", Href: "https://example.com/a)b("}}, `[x](https://example.com/a\)b\()`},
		{"ItalicBesideLink", []S{{Text: "see", Href: "https://example.com"}, {Text: "this", Italic: true}}, "[see](https://example.com)_this_"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Format(tt.spans); got != tt.want {
				t.Errorf("Format = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzRoundTrip checks that whatever spans Parse makes, Format writes them
// so that Parse reads the same spans back: a post loaded into the composer
// and saved unchanged stays the same post.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{
		"plain", "**b** _i_ [l](https://x.y/(z))", "un**believ**able", `\*\\_x_`, "_a **b_ c**", "[**a** _b_](u)c",
		"**a****_b_**", "x_y_ _z_", "[a](b)[c](d)", "** x**", "_[a](b)_", "**[a](b)**c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first := Parse(s)
		md := Format(first)
		if got, want := spansJSON(Parse(md)), spansJSON(first); got != want {
			t.Errorf("Parse(%q) = %s\nFormat = %q\nParse again = %s", s, want, md, got)
		}
	})
}
