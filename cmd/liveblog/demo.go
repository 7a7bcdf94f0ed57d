package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/liveblog/liveblog/demo"
)

// demoWelcome tells the newcomer where the demo is and how to sign in to its
// desk: with the password the editor account was given, shown once when
// Open created it, or, on a later start, how to set a new one.
func demoWelcome(w io.Writer, app *App) {
	fmt.Fprintf(w, "\n  liveblog demo: open %s/live/%s in a browser\n\n", app.URL(), demo.Slug)
	fmt.Fprintf(w, "  The newsroom desk is at %s/desk/\n", app.URL())
	if app.EditorPassword != "" {
		fmt.Fprintf(w, "  Sign in as %s with the password %s\n", demo.EditorEmail, app.EditorPassword)
		fmt.Fprintf(w, "  (shown this once; it is not stored anywhere you can read it back)\n")
	} else {
		fmt.Fprintf(w, "  Sign in as %s with the password shown when %s was created.\n", demo.EditorEmail, app.Config.DataDir)
	}
	fmt.Fprintf(w, "  To set a new one:  %s user password --email %s --data %s\n\n", commandName(), demo.EditorEmail, app.Config.DataDir)
}

// commandName is how the user ran this program, for a command a message
// asks them to run: bin/liveblog after make build, liveblog from the PATH. A
// binary that go run or go test built in a temporary directory is called
// liveblog.
func commandName() string {
	name := os.Args[0]
	if name == "" || strings.Contains(name, "go-build") || strings.HasSuffix(name, ".test") {
		return "liveblog"
	}
	return name
}
