package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats-server/v2/server"
)

// defaultPostgresURL is the server the multi-node tests use when
// LIVEBLOG_POSTGRES_URL is not set: the local one that .ci/run makes sure is
// up, as in the postgres package's tests.
const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// serviceTimeout bounds every wait on a node or a service in the multi-node
// tests; it is a failure bound, not a pause.
const serviceTimeout = 15 * time.Second

// freshDatabase creates an empty database for one test and drops it when the
// test ends, returning its URL. Without PostgreSQL the test is skipped, or
// fails on CI, where the server is part of the environment.
func freshDatabase(t *testing.T) string {
	t.Helper()
	admin := os.Getenv("LIVEBLOG_POSTGRES_URL")
	if admin == "" {
		admin = defaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL: %v", err)
		}
		t.Skipf("PostgreSQL: %v; start PostgreSQL, or set LIVEBLOG_POSTGRES_URL to a server where this user may create databases, to run this test", err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("liveblog_test_%016x", rand.Uint64())
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		// FORCE ends the sessions of a node the test left open.
		if _, err := conn.Exec(ctx, `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("LIVEBLOG_POSTGRES_URL must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// startNATS runs a nats-server in this process on port (server.RANDOM_PORT
// for any free one), so that a test can stop and restart it; it is shut
// down when the test ends.
func startNATS(t *testing.T, port int) *server.Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(serviceTimeout) {
		t.Fatalf("embedded nats-server did not start on port %d", port)
	}
	t.Cleanup(srv.Shutdown)
	return srv
}
