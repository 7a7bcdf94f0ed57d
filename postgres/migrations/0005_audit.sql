-- The audit log of newsroom actions (liveblog.AuditEntry), written in the
-- transaction of the action it records. Rows name users and events by id
-- without foreign keys: the log must outlive what it speaks of. The table
-- mirrors sqlite/migrations/0005_audit.sql.

CREATE TABLE audit_log (
	id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at        timestamptz NOT NULL,
	user_id   bigint      NOT NULL,
	user_name text        NOT NULL,
	action    text        NOT NULL,
	event_id  bigint      NOT NULL,
	post_id   bigint      NOT NULL,
	address   text        NOT NULL,
	detail    text        NOT NULL
);

-- The desk's page filters by user or event and pages by id.
CREATE INDEX audit_log_user ON audit_log (user_id, id);
CREATE INDEX audit_log_event ON audit_log (event_id, id);
