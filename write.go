package liveblog

// Write is what a store mutation is told besides what to change: who makes
// it, how the audit log names it, and the API request it answers. The store
// records both in the mutation's own transaction, so that a write that
// happened is logged and a logged write happened, and a retried request
// finds the write it made. The zero Write records nothing: the scheduler,
// imports, seeding and tests.
type Write struct {
	// Audit is the audit log's line for the write; an empty Action writes
	// none. The store stamps its time and, unless they are set, the event
	// and post the write acted on.
	Audit AuditEntry
	// Idempotent, when set, is the request with an Idempotency-Key that the
	// write answers. The store records it with what the write produced (a
	// post or an event, by id and version); a second write under the same
	// token and key fails and changes nothing. Only the writes of posts and
	// events take one.
	Idempotent *IdempotentRequest
}
