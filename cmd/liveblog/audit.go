package main

import (
	"os/user"

	"github.com/liveblog/liveblog"
)

// cliWrite is a command's write, logged in the audit log in its own
// transaction as done from the command line by the operating-system
// account running it: whoever has a shell on the server is the only "who"
// there is.
func cliWrite(action, detail string) liveblog.Write {
	name := "command line"
	if u, err := user.Current(); err == nil {
		name += " (" + u.Username + ")"
	}
	return liveblog.Write{Audit: liveblog.AuditEntry{UserName: name, Action: action, Address: "cli", Detail: detail}}
}
