package demo

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// The templates are filled in by chance, so each is tried with many seeds:
// any combination the newsroom could publish must pass validation.
func TestTemplates(t *testing.T) {
	pics, err := pictures()
	if err != nil {
		t.Fatal(err)
	}
	london, err := time.LoadLocation(liveblog.DefaultTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 14, 10, 42, 0, 0, london)

	t.Run("PostsValidate", func(t *testing.T) {
		for i, tmpl := range templates {
			for seed := range uint64(50) {
				p := tmpl(&desk{r: rand.New(rand.NewPCG(seed, uint64(i))), now: now, pics: pics})
				if err := p.Validate(); err != nil {
					t.Fatalf("template %d, seed %d: %v", i, seed, err)
				}
				if len(p.Contributors) == 0 || p.Contributors[0].Role == "" {
					t.Fatalf("template %d, seed %d: no byline with a role", i, seed)
				}
			}
		}
	})

	t.Run("KeyPointsValidate", func(t *testing.T) {
		for i, point := range keyPoints {
			for seed := range uint64(20) {
				p := point.write(&desk{r: rand.New(rand.NewPCG(seed, uint64(i))), now: now})
				if err := liveblog.ValidateSummary([]string{p}); err != nil {
					t.Fatalf("key point %d, seed %d: %v", i, seed, err)
				}
				if !strings.Contains(p, point.topic) {
					t.Fatalf("key point %d, seed %d: %q does not contain its topic %q", i, seed, p, point.topic)
				}
			}
		}
	})

	t.Run("SeedPostsValidate", func(t *testing.T) {
		for _, c := range []coverage{stormCoverage(pics, now), marathonCoverage(pics, now), recoveryMeeting()} {
			ev := c.event
			if err := ev.Validate(); err != nil {
				t.Fatalf("%s: %v", c.event.Slug, err)
			}
			for _, sp := range c.posts {
				p := sp.post
				if err := p.Validate(); err != nil {
					t.Errorf("%s: %q: %v", c.event.Slug, p.Headline, err)
				}
			}
		}
	})
}
