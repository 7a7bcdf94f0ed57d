package http

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// DefaultReadyTimeout bounds each dependency's answer to GET /readyz. Load
// balancers probe every few seconds with a timeout of their own of a few
// seconds; a database that takes longer than this to answer SELECT 1 is not
// one a node should take readers on.
const DefaultReadyTimeout = 2 * time.Second

// ReadyCheck is a dependency a node needs before it takes traffic: GET
// /readyz asks each one, the store's database always among them.
type ReadyCheck struct {
	// Name names the dependency in the readiness answer ("database",
	// "broker").
	Name string
	// Ping reports whether the dependency answers, within ctx.
	Ping func(ctx context.Context) error
}

// health is the liveness probe: the process is up and serving HTTP. It asks
// nothing else on purpose: a database outage must take nodes out of the
// load balancer (readiness), not get every node restarted at once.
func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readiness is the body of GET /readyz: "ok" or "unavailable", and each
// dependency's state, so that an operator sees at once which one failed.
type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// ready is the readiness probe: 200 when the database and every configured
// dependency (the broker) answer within ReadyTimeout, 503 naming those that
// did not. They are asked at once, so a probe takes as long as the slowest.
// What went wrong is logged; the answer only says which, since a probe may
// be reachable from outside.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	checks := append([]ReadyCheck{{Name: "database", Ping: s.store.Ping}}, s.cfg.ReadyChecks...)
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadyTimeout)
	defer cancel()
	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() { errs[i] = c.Ping(ctx) })
	}
	wg.Wait()
	body := readiness{Status: "ok", Checks: make(map[string]string, len(checks))}
	status := http.StatusOK
	for i, c := range checks {
		if errs[i] == nil {
			body.Checks[c.Name] = "ok"
			continue
		}
		body.Status, body.Checks[c.Name] = "unavailable", "not answering"
		status = http.StatusServiceUnavailable
		s.logger.ErrorContext(r.Context(), "readiness check failed", "request_id", infoOf(r.Context()).id, "check", c.Name, "err", errs[i])
	}
	return writeJSON(w, status, body)
}
