package liveblog

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search rules. Every store ranks and limits a search by these; the stores
// only translate a parsed SearchQuery into their own full-text syntax.
const (
	// MaxSearchLength bounds what a reader may type, in characters: a
	// search of a few words is all a reader needs, and each word is a
	// lookup in the index.
	MaxSearchLength = 200
	// MaxSearchTerms bounds the words and phrases of one search, and
	// MaxSearchWords the words in all of them together.
	MaxSearchTerms = 8
	MaxSearchWords = 16
	// MinPrefixLength is the shortest beginning of a word a prefix search
	// (minist*) takes: a single letter would match most of an event.
	MinPrefixLength = 2
	// DefaultSearchSize is how many results a search shows at once.
	DefaultSearchSize = 20
	// MaxSearchOffset bounds how deep into the results a search may page:
	// ranking every match to find the thousandth is work nobody reads.
	MaxSearchOffset = 500
	// ExcerptWords is how many words of a post's body a result shows
	// around the first match.
	ExcerptWords = 30
)

// SearchTerm is one word or phrase of a search. A post matches a term when
// it holds the words next to each other, in order; Prefix lets the last word
// match any word it begins; a post that matches an Exclude term is left out.
type SearchTerm struct {
	Words   []string
	Prefix  bool
	Exclude bool
}

// SearchQuery is a search as the domain reads it: every term not excluded
// must match, in the headline or the body.
type SearchQuery struct {
	Terms []SearchTerm
}

// ParseSearch reads what a reader typed into the search box. Words are
// found as in posts (see Tokens), without case; "quoted words" are a
// phrase, a word ending in * matches every word it begins, and a word or
// phrase after - must not be in the post. Every other character separates
// words, so no input is a syntax error, only too long or empty.
func ParseSearch(s string) (*SearchQuery, error) {
	if !utf8.ValidString(s) {
		return nil, FieldError("q", "The search must be valid UTF-8.")
	}
	if utf8.RuneCountInString(s) > MaxSearchLength {
		return nil, FieldError("q", "A search is at most %d characters.", MaxSearchLength)
	}
	var q SearchQuery
	words, positive := 0, false
	for rest := strings.TrimSpace(s); rest != ""; rest = strings.TrimLeftFunc(rest, unicode.IsSpace) {
		var t SearchTerm
		if rest[0] == '-' {
			t.Exclude = true
			rest = rest[1:]
		}
		var text string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				text, rest = rest[1:], ""
			} else {
				text, rest = rest[1:end+1], rest[end+2:]
			}
			t.Prefix = strings.HasPrefix(rest, "*")
		} else {
			end := strings.IndexFunc(rest, unicode.IsSpace)
			if end < 0 {
				end = len(rest)
			}
			text, rest = rest[:end], rest[end:]
			t.Prefix = strings.HasSuffix(text, "*")
		}
		rest = strings.TrimPrefix(rest, "*")
		t.Words = Tokens(text)
		if len(t.Words) == 0 {
			continue
		}
		if t.Prefix && utf8.RuneCountInString(t.Words[len(t.Words)-1]) < MinPrefixLength {
			return nil, FieldError("q", "Give at least %d letters before a *.", MinPrefixLength)
		}
		words += len(t.Words)
		positive = positive || !t.Exclude
		q.Terms = append(q.Terms, t)
	}
	switch {
	case len(q.Terms) == 0:
		return nil, FieldError("q", "Type a word to search for.")
	case !positive:
		return nil, FieldError("q", "Type a word to search for, not only words to leave out.")
	case len(q.Terms) > MaxSearchTerms:
		return nil, FieldError("q", "A search has at most %d words or phrases.", MaxSearchTerms)
	case words > MaxSearchWords:
		return nil, FieldError("q", "A search has at most %d words.", MaxSearchWords)
	}
	return &q, nil
}

// String returns q in the syntax ParseSearch reads, every word lower case
// and every term quoted: the canonical form of the search.
func (q *SearchQuery) String() string {
	var b strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		if t.Exclude {
			b.WriteByte('-')
		}
		b.WriteString(`"` + strings.Join(t.Words, " ") + `"`)
		if t.Prefix {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// isWordRune reports whether r belongs to a word: letters, digits and the
// marks that combine with them. Everything else separates words.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }

// Tokens returns the words of s as search finds them: runs of letters,
// digits and combining marks, in lower case. "Minister's" is two words,
// "minister" and "s", both in a post and in a search, so either finds it.
func Tokens(s string) []string {
	var words []string
	for {
		start := strings.IndexFunc(s, isWordRune)
		if start < 0 {
			return words
		}
		s = s[start:]
		end := strings.IndexFunc(s, func(r rune) bool { return !isWordRune(r) })
		if end < 0 {
			end = len(s)
		}
		words = append(words, strings.ToLower(s[:end]))
		s = s[end:]
	}
}

// SearchDoc is what the search index holds of a post: its words, headline
// and body apart so that they can be weighed apart, each as Tokens finds
// them, joined by single spaces. A store's full-text index only has to
// split them on spaces.
type SearchDoc struct {
	PostID   int64
	EventID  int64
	Status   PostStatus
	Headline string
	Body     string
}

// SearchDoc returns the index's record of p: the words of its headline, and
// those of the text its readers see in its body (paragraphs, lists, quotes
// and their attribution, image descriptions, captions and credits, the
// titles of embeds).
func (p *Post) SearchDoc() SearchDoc {
	return SearchDoc{PostID: p.ID, EventID: p.EventID, Status: p.Status,
		Headline: strings.Join(Tokens(p.Headline), " "), Body: strings.Join(Tokens(p.BodyText()), " ")}
}

// BodyText returns the text of p's body that readers see, block by block,
// one line each.
func (p *Post) BodyText() string {
	var b strings.Builder
	line := func(parts ...string) {
		for _, s := range parts {
			if s != "" {
				b.WriteString(s)
				b.WriteByte(' ')
			}
		}
	}
	for _, bl := range p.Blocks {
		switch bl.Type {
		case BlockParagraph:
			line(PlainText(bl.Spans))
		case BlockList:
			for _, item := range bl.Items {
				line(PlainText(item))
			}
		case BlockQuote:
			line(bl.Text, bl.Attribution)
		case BlockImage:
			line(bl.Alt, bl.Caption, bl.Credit)
		case BlockEmbed:
			line(bl.Title)
		}
		b.WriteByte('\n')
	}
	return strings.TrimSpace(b.String())
}

// indexed reports whether the index holds a post in status st: every post
// but one taken down, which must leave nothing searchable.
func indexed(st PostStatus) bool { return st != StatusDeleted }

// Fragment is a piece of text a result shows; Match marks the words the
// search found, which a page highlights.
type Fragment struct {
	Text  string
	Match bool
}

// matches reports whether word (lower case, as Tokens gives it) is one the
// search looks for.
func (q *SearchQuery) matches(word string) bool {
	for _, t := range q.Terms {
		if t.Exclude {
			continue
		}
		for i, w := range t.Words {
			if word == w || (t.Prefix && i == len(t.Words)-1 && strings.HasPrefix(word, w)) {
				return true
			}
		}
	}
	return false
}

// Highlight cuts text into fragments, marking each word the search looks
// for. The text is returned whole and unchanged: escaping is the page's, as
// for any text.
func (q *SearchQuery) Highlight(text string) []Fragment {
	var out []Fragment
	add := func(s string, match bool) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Match == match && !match {
			out[n-1].Text += s
			return
		}
		out = append(out, Fragment{Text: s, Match: match})
	}
	for text != "" {
		start := strings.IndexFunc(text, isWordRune)
		if start < 0 {
			add(text, false)
			break
		}
		add(text[:start], false)
		text = text[start:]
		end := strings.IndexFunc(text, func(r rune) bool { return !isWordRune(r) })
		if end < 0 {
			end = len(text)
		}
		add(text[:end], q.matches(strings.ToLower(text[:end])))
		text = text[end:]
	}
	return out
}

// Excerpt returns about ExcerptWords words of text around the first word
// the search looks for (the start when none is there), highlighted, with
// an ellipsis where text was cut.
func (q *SearchQuery) Excerpt(text string) []Fragment {
	words := strings.Fields(text)
	first := 0
	for i, w := range words {
		if q.matches(firstToken(w)) {
			first = i
			break
		}
	}
	start := max(0, min(first-ExcerptWords/3, len(words)-ExcerptWords))
	end := min(len(words), start+ExcerptWords)
	s := strings.Join(words[start:end], " ")
	if start > 0 {
		s = "… " + s
	}
	if end < len(words) {
		s += " …"
	}
	return q.Highlight(s)
}

// firstToken returns the first word Tokens finds in s, "" for none.
func firstToken(s string) string {
	for _, w := range Tokens(s) {
		return w
	}
	return ""
}

// SearchFilter is a search of one event's posts, or of every event's when
// EventID is 0 (the desk's archive search).
type SearchFilter struct {
	EventID int64
	Query   string
	// Statuses are those the search may find: published only when none
	// are named. Readers only ever search published posts; the desk's
	// editors search drafts and scheduled posts too. Deleted posts are in
	// no index.
	Statuses []PostStatus
	Limit    int
	Offset   int
}

// SearchSpec is a checked search as a store runs it: the parsed query, the
// event (0 for all), the statuses by name, and the page of results in the
// order of a search (see Service.Search).
type SearchSpec struct {
	Query    *SearchQuery
	EventID  int64
	Statuses []string
	Limit    int
	Offset   int
}

// SearchHit is one post a search found, with the event it belongs to.
type SearchHit struct {
	Post       *Post
	EventSlug  string
	EventTitle string
}

// SearchResult is a page of what a search found.
type SearchResult struct {
	Query *SearchQuery
	Hits  []SearchHit
	// More reports that results lie beyond this page.
	More bool
}

// Check validates f and returns the search a store runs, asking for one
// result more than the page shows, to tell whether there are more.
func (f *SearchFilter) Check() (*SearchSpec, error) {
	q, err := ParseSearch(f.Query)
	if err != nil {
		return nil, err
	}
	limit, err := clampLimit(f.Limit, DefaultSearchSize, MaxPageSize)
	if err != nil {
		return nil, err
	}
	if f.Offset < 0 || f.Offset > MaxSearchOffset {
		return nil, FieldError("offset", "The offset is between 0 and %d.", MaxSearchOffset)
	}
	names := Listing{Statuses: f.Statuses}.StatusNames()
	for _, st := range f.Statuses {
		if !st.Valid() || !indexed(st) {
			return nil, FieldError("status", "A search finds draft, scheduled and published posts.")
		}
	}
	return &SearchSpec{Query: q, EventID: f.EventID, Statuses: names, Limit: limit + 1, Offset: f.Offset}, nil
}

// SearchStore searches posts.
type SearchStore interface {
	// Search finds the posts that match f.Query (see Service.Search).
	Search(ctx context.Context, f SearchFilter) (*SearchResult, error)
}

// Search finds the posts of one event, or of every event, that match
// f.Query. The posts whose headline holds every word and phrase the search
// looks for come first, then the others; in each group the newest post
// (the highest id) first. A relevance score (bm25, ts_rank) was measured
// and refused: it has to score every match before it can show the first
// twenty, which for a common word in a 10,000-post event took 12 ms on
// SQLite, where this order is read straight off the index, newest first
// (BENCHMARKS.md, "Search"); and on a live page the newest of the posts that
// name the subject is the one a reader looks for.
func (s *Service) Search(ctx context.Context, f SearchFilter) (*SearchResult, error) {
	spec, err := f.Check()
	if err != nil {
		return nil, err
	}
	var hits []SearchHit
	err = s.db.Read(ctx, func(t ReadTx) (err error) {
		if f.EventID != 0 {
			if err := t.CheckEvent(f.EventID); err != nil {
				return err
			}
		}
		hits, err = t.Search(spec)
		return err
	})
	if err != nil {
		return nil, err
	}
	res := &SearchResult{Query: spec.Query, Hits: hits}
	if len(hits) == spec.Limit {
		res.Hits, res.More = hits[:spec.Limit-1], true
	}
	return res, nil
}

// indexPost brings the search index in line with p, which was was (nil for
// a new post), in the transaction that writes it: a post taken down leaves
// the index, and one whose words or status changed is indexed again.
func (t *txn) indexPost(was, p *Post) error {
	switch {
	case !indexed(p.Status):
		if was == nil || !indexed(was.Status) {
			return nil
		}
		return t.UnindexPost(p.ID)
	case was != nil && was.Status == p.Status && p.Headline == was.Headline && sameJSON(p.Blocks, was.Blocks):
		return nil
	}
	return t.IndexPost(p.SearchDoc())
}

// backfillBatch is how many posts BackfillSearch indexes in one
// transaction: few enough that writers barely wait on it.
const backfillBatch = 500

// BackfillSearch indexes the posts written before the search index existed
// (or loaded around it, as a migration between stores does), a batch per
// transaction, until none is left; it returns at once when the index is
// whole. Each post is read as it is when its batch runs, and a write made
// meanwhile indexes the post itself, so nothing is indexed stale.
func (s *Service) BackfillSearch(ctx context.Context) error {
	for done := false; !done; {
		err := s.write(ctx, Write{}, func(t *txn) (target, error) {
			after, pending, err := t.SearchBackfill()
			if err != nil || !pending {
				done = true
				return target{}, err
			}
			posts, err := t.PostsAfter(after, backfillBatch)
			if err != nil {
				return target{}, err
			}
			for _, p := range posts {
				if err := t.indexPost(nil, p); err != nil {
					return target{}, err
				}
			}
			if len(posts) < backfillBatch {
				done = true
				return target{}, t.EndSearchBackfill()
			}
			return target{}, t.SetSearchBackfill(posts[len(posts)-1].ID)
		})
		if err != nil {
			return fmt.Errorf("index posts for search: %w", err)
		}
	}
	return nil
}
