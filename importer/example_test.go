package importer_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/liveblog/liveblog/importer"
)

func ExampleParseText() {
	dump := `Summary

  1. Ferry services resume after the stormpublished at 08:10 Greenwich Mean Time 2 January

    Ana Ruiz
    Transport reporter

    The first crossing left on time this morning.

  2. Harbour closed overnightpublished at 23:30 Greenwich Mean Time 31 December
    Breaking

    • No sailings until the morning
    • Passengers are asked to stay at home
`
	loc, _ := time.LoadLocation("Europe/London")
	res, err := importer.ParseText(strings.NewReader(dump), importer.TextOptions{Year: 2026, Zone: loc})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Posts {
		fmt.Println(p.PublishedAt.Format("2006-01-02 15:04"), p.Headline, p.Breaking, p.Contributors)
	}
	for _, n := range res.Report {
		fmt.Println(n)
	}
	// Output:
	// 2026-01-02 08:10 Ferry services resume after the storm false [{Ana Ruiz Transport reporter  }]
	// 2025-12-31 23:30 Harbour closed overnight true []
	// line 1: "Summary" heading with no points under it; the event gets no summary
	// line 5: byline "Ana Ruiz", "Transport reporter"
	// line 10: read as 2025: the page goes back past 1 January here
	// line 11: marked breaking
}
