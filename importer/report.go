package importer

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
)

// WriteReport writes what a dry run shows the editor: the event header, the
// posts as they will be published, the text that could not be classified
// and every guess, each with its lines, so that the dump can be fixed before
// anything is written.
func (r *Result) WriteReport(w io.Writer) error {
	bw := bufio.NewWriter(w)
	title := r.Event.Title
	if title == "" {
		title = "(none in the text; a new event takes the title it is given, else one made from its slug)"
	}
	fmt.Fprintf(bw, "Title:     %s\n", title)
	if r.Event.EditedBy != "" {
		fmt.Fprintf(bw, "Edited by: %s\n", r.Event.EditedBy)
	}
	for _, n := range r.Event.Notes {
		fmt.Fprintf(bw, "Header:    %s\n", n)
	}
	fmt.Fprintf(bw, "Summary:   %d points\n", len(r.Summary))
	for _, s := range r.Summary {
		fmt.Fprintf(bw, "  • %s\n", s)
	}
	breaking, images, bylines := 0, 0, 0
	for _, p := range r.Posts {
		if p.Breaking {
			breaking++
		}
		bylines += len(p.Contributors)
		for _, b := range p.Blocks {
			if b.Type == liveblog.BlockImage {
				images++
			}
		}
	}
	fmt.Fprintf(bw, "Posts:     %d, newest first (%d breaking, %d images, %d bylines), times in %s\n\n", len(r.Posts), breaking, images, bylines, r.location())
	for i, p := range r.Posts {
		when := "no time"
		if !p.PublishedAt.IsZero() {
			when = p.PublishedAt.In(r.location()).Format("15:04 MST 2 Jan")
		}
		var marks []string
		if p.Breaking {
			marks = append(marks, "breaking")
		}
		for _, c := range p.Contributors {
			marks = append(marks, "by "+c.Name)
		}
		mark := ""
		if len(marks) > 0 {
			mark = " [" + strings.Join(marks, ", ") + "]"
		}
		line := 0
		if i < len(r.Lines) {
			line = r.Lines[i]
		}
		fmt.Fprintf(bw, "  line %4d  %-16s  %s%s (%d blocks)\n", line, when, p.Headline, mark, len(p.Blocks))
	}
	var unclassified, guesses []Note
	for _, n := range r.Report {
		if n.Unclassified {
			unclassified = append(unclassified, n)
		} else {
			guesses = append(guesses, n)
		}
	}
	if len(unclassified) > 0 {
		fmt.Fprintf(bw, "\nNot classified, kept as plain paragraphs (%d); check these first:\n", len(unclassified))
		for _, n := range unclassified {
			fmt.Fprintf(bw, "  %s\n", n)
		}
	}
	if len(guesses) > 0 {
		fmt.Fprintf(bw, "\nGuesses to check (%d):\n", len(guesses))
		for _, n := range guesses {
			fmt.Fprintf(bw, "  %s\n", n)
		}
	}
	return bw.Flush()
}

func (r *Result) location() *time.Location {
	if r.Zone == nil {
		return time.UTC
	}
	return r.Zone
}
