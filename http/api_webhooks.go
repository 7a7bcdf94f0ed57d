package http

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"

	"github.com/liveblog/liveblog"
)

// webhookRequest is the body of POST /api/v1/events/{slug}/webhooks. A
// missing secret is made here, and shown once in the answer.
type webhookRequest struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
	Active *bool  `json:"active"`
}

type webhookList struct {
	Webhooks []*liveblog.Webhook `json:"webhooks"`
}

type webhookAttemptList struct {
	Attempts []*liveblog.WebhookAttempt `json:"attempts"`
}

// webhookStore returns the store's webhooks, or not found for a store that
// keeps none, so that the routes exist on every instance.
func (s *Server) webhookStore() (liveblog.WebhookStore, error) {
	ws, ok := s.store.(liveblog.WebhookStore)
	if !ok {
		return nil, liveblog.Errorf(liveblog.ENOTFOUND, "This instance does not deliver webhooks.")
	}
	return ws, nil
}

// webhookEvent returns the store's webhooks and the event named by {slug},
// once the request's user is known to manage webhooks.
func (s *Server) webhookEvent(r *http.Request) (liveblog.WebhookStore, *liveblog.Event, error) {
	if err := authorize(r, liveblog.ActionManageWebhooks, nil); err != nil {
		return nil, nil, err
	}
	ws, err := s.webhookStore()
	if err != nil {
		return nil, nil, err
	}
	ev, err := s.findEvent(r)
	if err != nil {
		return nil, nil, err
	}
	return ws, ev, nil
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	ws, ev, err := s.webhookEvent(r)
	if err != nil {
		return err
	}
	var req webhookRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	hook := &liveblog.Webhook{EventID: ev.ID, URL: req.URL, Secret: req.Secret, Active: req.Active == nil || *req.Active}
	if hook.Secret == "" {
		b := make([]byte, 32)
		rand.Read(b)
		hook.Secret = "whsec_" + hex.EncodeToString(b)
	}
	if err := hook.Validate(); err != nil {
		return err
	}
	if err := ws.CreateWebhook(r.Context(), write, hook); err != nil {
		return err
	}
	w.Header().Set("Location", eventPath(ev.Slug)+"/webhooks/"+strconv.FormatInt(hook.ID, 10))
	return writeJSON(w, http.StatusCreated, hook)
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	ws, ev, err := s.webhookEvent(r)
	if err != nil {
		return err
	}
	hooks, err := ws.FindWebhooks(r.Context(), ev.ID)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		h.Secret = ""
	}
	if hooks == nil {
		hooks = []*liveblog.Webhook{}
	}
	return writeJSON(w, http.StatusOK, webhookList{Webhooks: hooks})
}

// findWebhook returns the webhook named by {id}, if it belongs to the event
// named by {slug}.
func (s *Server) findWebhook(r *http.Request) (liveblog.WebhookStore, *liveblog.Webhook, error) {
	ws, ev, err := s.webhookEvent(r)
	if err != nil {
		return nil, nil, err
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		return nil, nil, liveblog.Errorf(liveblog.ENOTFOUND, "Webhook not found.")
	}
	hook, err := ws.FindWebhookByID(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	if hook.EventID != ev.ID {
		return nil, nil, liveblog.Errorf(liveblog.ENOTFOUND, "Webhook not found.")
	}
	hook.Secret = ""
	return ws, hook, nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	ws, hook, err := s.findWebhook(r)
	if err != nil {
		return err
	}
	write.Audit.EventID = hook.EventID
	if err := ws.DeleteWebhook(r.Context(), write, hook.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listWebhookAttempts is the delivery log: the latest attempts, newest
// first, with status code, latency and error.
func (s *Server) listWebhookAttempts(w http.ResponseWriter, r *http.Request) error {
	ws, hook, err := s.findWebhook(r)
	if err != nil {
		return err
	}
	limit, err := intParam(r.URL.Query(), "limit", liveblog.MaxPageSize, 1, liveblog.MaxPageSize)
	if err != nil {
		return err
	}
	attempts, err := ws.FindWebhookAttempts(r.Context(), hook.ID, limit)
	if err != nil {
		return err
	}
	if attempts == nil {
		attempts = []*liveblog.WebhookAttempt{}
	}
	return writeJSON(w, http.StatusOK, webhookAttemptList{Attempts: attempts})
}
