package main

import (
	"context"
	"os/user"

	"github.com/liveblog/liveblog"
)

// cliAudit returns a context under which the command's write is logged in
// the audit log, in its own transaction, as done from the command line by
// the operating-system account running it: whoever has a shell on the
// server is the only "who" there is.
func cliAudit(ctx context.Context, action, detail string) context.Context {
	name := "command line"
	if u, err := user.Current(); err == nil {
		name += " (" + u.Username + ")"
	}
	return liveblog.WithAudit(ctx, &liveblog.AuditEntry{UserName: name, Action: action, Address: "cli", Detail: detail})
}
