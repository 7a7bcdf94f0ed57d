-- The audit log of newsroom actions (liveblog.AuditEntry), written in the
-- transaction of the action it records. Rows name users and events by id
-- without foreign keys: the log must outlive what it speaks of.

CREATE TABLE audit_log (
	id        INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	user_id   INTEGER NOT NULL,
	user_name TEXT    NOT NULL,
	action    TEXT    NOT NULL,
	event_id  INTEGER NOT NULL,
	post_id   INTEGER NOT NULL,
	address   TEXT    NOT NULL,
	detail    TEXT    NOT NULL
) STRICT;

-- The desk's page filters by user or event and pages by id.
CREATE INDEX audit_log_user ON audit_log (user_id, id);
CREATE INDEX audit_log_event ON audit_log (event_id, id);
