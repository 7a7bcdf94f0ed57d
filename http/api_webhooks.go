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

// webhookEvent returns the event named by {slug}, once the request's user
// is known to manage webhooks.
func (s *Server) webhookEvent(r *http.Request) (*liveblog.Event, error) {
	if err := authorize(r, liveblog.ActionManageWebhooks, nil); err != nil {
		return nil, err
	}
	return s.findEvent(r)
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	ev, err := s.webhookEvent(r)
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
	if err := s.store.CreateWebhook(r.Context(), write, hook); err != nil {
		return err
	}
	w.Header().Set("Location", eventPath(ev.Slug)+"/webhooks/"+strconv.FormatInt(hook.ID, 10))
	return writeJSON(w, http.StatusCreated, hook)
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.webhookEvent(r)
	if err != nil {
		return err
	}
	hooks, err := s.store.FindWebhooks(r.Context(), ev.ID)
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
func (s *Server) findWebhook(r *http.Request) (*liveblog.Webhook, error) {
	ev, err := s.webhookEvent(r)
	if err != nil {
		return nil, err
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		return nil, liveblog.ErrNoWebhook
	}
	hook, err := s.store.FindWebhookByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if hook.EventID != ev.ID {
		return nil, liveblog.ErrNoWebhook
	}
	hook.Secret = ""
	return hook, nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	hook, err := s.findWebhook(r)
	if err != nil {
		return err
	}
	write.Audit.EventID = hook.EventID
	if err := s.store.DeleteWebhook(r.Context(), write, hook.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listWebhookAttempts is the delivery log: the latest attempts, newest
// first, with status code, latency and error.
func (s *Server) listWebhookAttempts(w http.ResponseWriter, r *http.Request) error {
	hook, err := s.findWebhook(r)
	if err != nil {
		return err
	}
	limit, err := intParam(r.URL.Query(), "limit", liveblog.MaxPageSize, 1, liveblog.MaxPageSize)
	if err != nil {
		return err
	}
	attempts, err := s.store.FindWebhookAttempts(r.Context(), hook.ID, limit)
	if err != nil {
		return err
	}
	if attempts == nil {
		attempts = []*liveblog.WebhookAttempt{}
	}
	return writeJSON(w, http.StatusOK, webhookAttemptList{Attempts: attempts})
}
