// Package dump copies an instance's whole record from one store to another,
// row by row: how `liveblog migrate` moves a newsroom from SQLite to
// PostgreSQL when it outgrows one machine.
//
// It is not package transfer, which writes one event as a document that
// people read and other instances import. A dump is every row of every table
// as the store holds it (ids, versions, times, each event's head and floor,
// each change with its payload as stored, tokens, users, sessions) and it is
// never written anywhere: one store's Dump feeds another's Load, streaming,
// each side in one transaction.
package dump

import (
	"context"
	"encoding/json"
	"time"

	"github.com/liveblog/liveblog"
)

// Record is one row. Exactly one field is set.
//
// A Dumper gives the records table by table, in the order of Tables, which
// puts every row after the rows it refers to.
type Record struct {
	User         *liveblog.User
	Session      *liveblog.Session // without its User
	LoginAttempt *LoginAttempt
	Event        *Event
	Post         *liveblog.Post
	Change       *Change
	Token        *liveblog.Token
}

// Event is an event row: the event, head included, and the floor of its
// feed, which the domain type does not carry.
type Event struct {
	liveblog.Event
	Floor int64
}

// Change is a row of the change feed. Data is the payload exactly as the
// store keeps it (the JSON of the post or event the change produced), nil
// where there is none: a deletion, or any change of a post taken down since.
// Carrying it undecoded means a payload is copied as it is even if the
// domain types have moved on since it was written.
type Change struct {
	EventID   int64
	Seq       int64
	Kind      liveblog.ChangeKind
	PostID    int64
	Data      json.RawMessage
	CreatedAt time.Time
}

// LoginAttempt is a row of the sign-in throttle.
type LoginAttempt struct {
	Attempt string
	Key     string
	At      time.Time
}

// Table names, in dump order.
const (
	TableUsers         = "users"
	TableSessions      = "sessions"
	TableLoginAttempts = "login_attempts"
	TableEvents        = "events"
	TablePosts         = "posts"
	TableChanges       = "changes"
	TableTokens        = "tokens"
)

// Tables lists every table a dump holds, in the order a Dumper gives them.
var Tables = []string{TableUsers, TableSessions, TableLoginAttempts, TableEvents, TablePosts, TableChanges, TableTokens}

// Table returns the name of the table r is a row of.
func (r Record) Table() string {
	switch {
	case r.User != nil:
		return TableUsers
	case r.Session != nil:
		return TableSessions
	case r.LoginAttempt != nil:
		return TableLoginAttempts
	case r.Event != nil:
		return TableEvents
	case r.Post != nil:
		return TablePosts
	case r.Change != nil:
		return TableChanges
	case r.Token != nil:
		return TableTokens
	}
	return ""
}

// Dumper is a store that can give its whole record. sqlite.Store and
// postgres.Store implement it.
type Dumper interface {
	// Dump calls put with every row, in the order of Tables, all read from
	// one snapshot. It stops at the first error put returns.
	Dump(ctx context.Context, put func(Record) error) error
}

// Loader is a store that can take in a whole record. postgres.Store
// implements it.
type Loader interface {
	// Load runs rows, which calls put with every row (a Dumper's Dump
	// does), and writes them as they are, in one transaction that also
	// checks the result with a Census before it commits. A store that
	// holds anything already is refused with a conflict: a copy is not a
	// merge.
	Load(ctx context.Context, rows func(put func(Record) error) error) error
}
