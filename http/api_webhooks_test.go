package http_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
)

func TestWebhookAPI(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ts, store := env.ts, env.store
	ev := seedEvent(t, store, "webhooks")
	base := "/api/v1/events/" + ev.Slug + "/webhooks"
	tokenFor := func(u *liveblog.User) string {
		secret, hash := liveblog.NewTokenSecret()
		if err := store.CreateToken(context.Background(), liveblog.Write{}, &liveblog.Token{Name: u.Email, Hash: hash, UserID: u.ID}); err != nil {
			t.Fatal(err)
		}
		return secret
	}
	editor, reporter := tokenFor(env.editor), tokenFor(env.reporter)

	var created liveblog.Webhook
	t.Run("Create", func(t *testing.T) {
		res := send(t, ts, "POST", base, editor, `{"url":"https://partner.example/hooks/liveblog"}`)
		if res.status != 201 {
			t.Fatalf("got %d, want 201: %s", res.status, res.body)
		}
		created = decode[liveblog.Webhook](t, res)
		if created.ID == 0 || !created.Active || len(created.Secret) < 32 || created.NextSeq != ev.Head+1 {
			t.Fatalf("got %+v, want an active webhook with a generated secret from the next change", created)
		}
	})

	t.Run("ErrInvalidURL", func(t *testing.T) {
		for _, u := range []string{"", "ftp://partner.example/", "/relative", "https://user:pw@partner.example/"} {
			wantProblem(t, send(t, ts, "POST", base, editor, `{"url":"`+u+`"}`), 400, "url")
		}
	})

	t.Run("ErrForbiddenForReporter", func(t *testing.T) {
		wantProblem(t, send(t, ts, "POST", base, reporter, `{"url":"https://partner.example/"}`), 403, "")
		wantProblem(t, send(t, ts, "GET", base, reporter, ""), 403, "")
	})

	t.Run("ListHidesSecret", func(t *testing.T) {
		res := send(t, ts, "GET", base, editor, "")
		if res.status != 200 {
			t.Fatalf("got %d, want 200", res.status)
		}
		list := decode[struct{ Webhooks []liveblog.Webhook }](t, res)
		if len(list.Webhooks) != 1 || list.Webhooks[0].ID != created.ID || list.Webhooks[0].Secret != "" {
			t.Fatalf("got %+v, want the one webhook without its secret", list.Webhooks)
		}
	})

	t.Run("Deliveries", func(t *testing.T) {
		res := send(t, ts, "GET", base+"/"+strconv.FormatInt(created.ID, 10)+"/deliveries", env.token, "")
		if res.status != 200 {
			t.Fatalf("got %d, want 200: %s", res.status, res.body)
		}
		if got := decode[struct{ Attempts []liveblog.WebhookAttempt }](t, res); len(got.Attempts) != 0 {
			t.Fatalf("got %d attempts, want none yet", len(got.Attempts))
		}
	})

	t.Run("ErrNotFoundInOtherEvent", func(t *testing.T) {
		other := seedEvent(t, store, "other")
		path := "/api/v1/events/" + other.Slug + "/webhooks/" + strconv.FormatInt(created.ID, 10)
		wantProblem(t, send(t, ts, "DELETE", path, editor, ""), 404, "")
	})

	t.Run("Delete", func(t *testing.T) {
		path := base + "/" + strconv.FormatInt(created.ID, 10)
		if res := send(t, ts, "DELETE", path, editor, ""); res.status != 204 {
			t.Fatalf("got %d, want 204: %s", res.status, res.body)
		}
		wantProblem(t, send(t, ts, "DELETE", path, editor, ""), 404, "")
	})
}
