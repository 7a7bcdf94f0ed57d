package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// stamp is the "published at HH:MM <zone> D Month" a headline is run together
// with. Any part may be missing; hour is -1 without a usable time and day 0
// without a date.
type stamp struct {
	hour, min   int
	day         int
	month       time.Month
	year        int
	label       string
	raw         string
	runTogether bool // nothing but the headline's last letter before "published"
}

var (
	// The headline is lazy so that the last "published at" that parses wins
	// over one the headline itself contains.
	stampPattern = regexp.MustCompile(`(?i)^(.*?)(\s*)(published at\s+(\d{1,2})[:.](\d{2})(?:\s*([ap])\.?m\.?)?(?:\s+(.*?))?)\s*$`)
	datePattern  = regexp.MustCompile(`^(?:(.+?)\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?(?:,?\s+(\d{4}))?$`)
	labelPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z .']{0,40}(?:[+-]\d{1,2}(?::?\d{2})?)?$`)
	offsetLabel  = regexp.MustCompile(`(?i)^(?:utc|gmt)\s*([+-])(\d{1,2})(?::?(\d{2}))?$`)
)

// parseStamp finds the stamp at the end of s and returns the headline before
// it. A "published at" that is not followed by a time, an optional zone and an
// optional date is not a stamp: it is the headline's own words.
func parseStamp(s string) (headline string, st *stamp) {
	m := stampPattern.FindStringSubmatch(s)
	if m == nil {
		return s, nil
	}
	st = &stamp{raw: m[3], runTogether: m[1] != "" && m[2] == ""}
	st.hour, _ = strconv.Atoi(m[4])
	st.min, _ = strconv.Atoi(m[5])
	switch strings.ToLower(m[6]) {
	case "a":
		if st.hour == 12 {
			st.hour = 0
		} else if st.hour > 12 {
			st.hour = -1
		}
	case "p":
		if st.hour < 12 {
			st.hour += 12
		} else if st.hour > 12 {
			st.hour = -1
		}
	}
	if st.hour > 23 || st.min > 59 {
		st.hour = -1
	}
	rest := m[7]
	if d := datePattern.FindStringSubmatch(rest); d != nil && monthOf(d[3]) != 0 {
		st.label = d[1]
		st.day, _ = strconv.Atoi(d[2])
		st.month = monthOf(d[3])
		if d[4] != "" {
			st.year, _ = strconv.Atoi(d[4])
		}
	} else {
		st.label = rest
	}
	if st.label != "" && !labelPattern.MatchString(st.label) {
		return s, nil
	}
	return strings.TrimSpace(m[1]), st
}

func monthOf(name string) time.Month {
	name = strings.ToLower(name)
	if len(name) < 3 {
		return 0
	}
	for m := time.January; m <= time.December; m++ {
		full := strings.ToLower(m.String())
		if name == full || name == full[:3] || (m == time.September && name == "sept") {
			return m
		}
	}
	return 0
}

// zoneOffsets are the zone names live pages print, with their offsets in
// seconds east of UTC. Ambiguous abbreviations (IST, CST) are left out: those
// are read in the zone of the options and reported.
var zoneOffsets = map[string]int{
	"greenwich mean time":              0,
	"gmt":                              0,
	"coordinated universal time":       0,
	"universal time":                   0,
	"utc":                              0,
	"british summer time":              1 * 3600,
	"bst":                              1 * 3600,
	"irish standard time":              1 * 3600,
	"western european time":            0,
	"wet":                              0,
	"western european summer time":     1 * 3600,
	"west":                             1 * 3600,
	"central european time":            1 * 3600,
	"cet":                              1 * 3600,
	"central european summer time":     2 * 3600,
	"cest":                             2 * 3600,
	"eastern european time":            2 * 3600,
	"eet":                              2 * 3600,
	"eastern european summer time":     3 * 3600,
	"eest":                             3 * 3600,
	"moscow standard time":             3 * 3600,
	"msk":                              3 * 3600,
	"india standard time":              5*3600 + 1800,
	"china standard time":              8 * 3600,
	"hong kong time":                   8 * 3600,
	"japan standard time":              9 * 3600,
	"jst":                              9 * 3600,
	"australian eastern standard time": 10 * 3600,
	"aest":                             10 * 3600,
	"australian eastern daylight time": 11 * 3600,
	"aedt":                             11 * 3600,
	"eastern standard time":            -5 * 3600,
	"est":                              -5 * 3600,
	"eastern daylight time":            -4 * 3600,
	"edt":                              -4 * 3600,
	"central standard time":            -6 * 3600,
	"central daylight time":            -5 * 3600,
	"cdt":                              -5 * 3600,
	"mountain standard time":           -7 * 3600,
	"mst":                              -7 * 3600,
	"mountain daylight time":           -6 * 3600,
	"mdt":                              -6 * 3600,
	"pacific standard time":            -8 * 3600,
	"pst":                              -8 * 3600,
	"pacific daylight time":            -7 * 3600,
	"pdt":                              -7 * 3600,
}

// labelOffset returns the offset a zone name states, if the importer knows it.
func labelOffset(label string) (int, bool) {
	label = strings.Join(strings.Fields(strings.ToLower(label)), " ")
	if off, ok := zoneOffsets[label]; ok {
		return off, true
	}
	if m := offsetLabel.FindStringSubmatch(label); m != nil {
		h, _ := strconv.Atoi(m[2])
		mins, _ := strconv.Atoi(m[3])
		if h > 14 || mins > 59 {
			return 0, false
		}
		off := h*3600 + mins*60
		if m[1] == "-" {
			off = -off
		}
		return off, true
	}
	return 0, false
}

// at returns the instant of the stamp's wall-clock time on the given date.
// A zone the stamp names wins over the zone of the options: "09:45 Greenwich
// Mean Time" is an instant whatever zone the editor passed, and the name
// settles the hour that repeats when the clocks go back.
func (p *parser) at(st *stamp, no, y int, m time.Month, d int) (time.Time, bool) {
	loc := p.zone
	if st.label != "" {
		if off, ok := labelOffset(st.label); ok {
			loc = time.FixedZone(st.label, off)
		} else {
			p.noteOnce("label:"+strings.ToLower(st.label), no, "unknown zone name %q; time read in %s", st.label, p.zone)
		}
	}
	t := time.Date(y, m, d, st.hour, st.min, 0, 0, loc)
	if t.Day() != d || t.Month() != m {
		return time.Time{}, false
	}
	if loc != p.zone {
		_, want := t.Zone()
		if name, off := t.In(p.zone).Zone(); off != want {
			p.noteOnce("mismatch:"+st.label, no, "the post says %s but %s was on %s (%s) then; the stated zone is used", st.label, p.zone, name, utcOffset(off))
		}
	}
	return t, true
}

func utcOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	if sec%3600 == 0 {
		return fmt.Sprintf("UTC%s%d", sign, sec/3600)
	}
	return fmt.Sprintf("UTC%s%d:%02d", sign, sec/3600, sec%3600/60)
}

// halfYear separates a post that is slightly out of order from one that is
// really from the year before: going down the page, a date that lands more
// than half a year after the post above it has crossed 1 January.
const halfYear = 183 * 24 * time.Hour

// resolveTimes gives each post its instant. Posts are newest first, so the
// year only ever rolls back going down. A time without a date takes the date
// of its neighbour; a post without any time takes the time of the post below
// it (or above, at the bottom), which keeps the order because Import creates
// posts oldest first and ties sort by id.
func (p *parser) resolveTimes(ds []*draft) {
	year := p.year
	var newer time.Time
	for _, d := range ds {
		st := d.stamp
		if st == nil || st.hour < 0 || st.day == 0 {
			continue
		}
		y := year
		if st.year != 0 {
			y = st.year
		}
		t, ok := p.at(st, d.head.first+1, y, st.month, st.day)
		if ok && st.year == 0 && !newer.IsZero() && t.Sub(newer) > halfYear {
			if t2, ok2 := p.at(st, d.head.first+1, y-1, st.month, st.day); ok2 {
				y, t = y-1, t2
				p.note(d.head.first+1, "read as %d: the page goes back past 1 January here", y)
			}
		}
		if !ok {
			p.note(d.head.first+1, "%d %s %d is not a date; the time %q is ignored", st.day, st.month, y, st.raw)
			continue
		}
		if !newer.IsZero() && t.After(newer) {
			p.note(d.head.first+1, "this post is later than the one above it; kept in the order of the page")
		}
		year, newer, d.at, d.timed = y, t, t, true
	}

	// Times without a date, from the nearest dated post above, then below.
	// Each pass carries its anchor along, so a run of undated posts chains.
	for pass := 0; pass < 2; pass++ {
		var anchor *draft
		for k := range ds {
			i := k
			if pass == 1 {
				i = len(ds) - 1 - k
			}
			d := ds[i]
			if d.timed {
				anchor = d
				continue
			}
			if anchor == nil || d.stamp == nil || d.stamp.hour < 0 || d.stamp.day != 0 {
				continue
			}
			on := anchor.at.In(p.zone)
			t, ok := p.at(d.stamp, d.head.first+1, on.Year(), on.Month(), on.Day())
			if !ok {
				continue
			}
			// Above, a later clock time than the anchor's means the day
			// before; below, an earlier one means the day after.
			if pass == 0 && t.After(anchor.at) {
				t = t.AddDate(0, 0, -1)
			} else if pass == 1 && t.Before(anchor.at) {
				t = t.AddDate(0, 0, 1)
			}
			p.note(d.head.first+1, "no date; taken as %s from the post at line %d", t.In(p.zone).Format("2 January 2006"), anchor.head.first+1)
			d.at, d.timed, anchor = t, true, d
		}
	}

	// Posts without a time: the nearest timed post below, else above. These
	// are not marked timed, so that a run of them all lean on a real time.
	below := make([]*draft, len(ds))
	var next *draft
	for i := len(ds) - 1; i >= 0; i-- {
		below[i] = next
		if ds[i].timed {
			next = ds[i]
		}
	}
	var above *draft
	for i, d := range ds {
		if d.timed {
			above = d
			continue
		}
		why := "no time"
		if d.stamp != nil && d.stamp.hour < 0 {
			why = fmt.Sprintf("%q is not a time", d.stamp.raw)
		} else if d.stamp != nil {
			why = "no date anywhere on the page"
		}
		from := below[i]
		if from == nil {
			from = above
		}
		if from == nil {
			p.note(d.head.first+1, "%s; the post will get the time it is imported at", why)
			continue
		}
		d.at = from.at
		p.note(d.head.first+1, "%s; given the time of the post at line %d (%s)", why, from.head.first+1, from.at.In(p.zone).Format("15:04 2 January 2006"))
	}
}
