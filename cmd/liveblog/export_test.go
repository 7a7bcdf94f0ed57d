package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liveblog/liveblog/postgres"
	"github.com/liveblog/liveblog/transfer"
)

// command runs the liveblog command with args and returns what it wrote to
// standard output and standard error.
func command(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, nil, &out, &errOut)
	return out.String(), errOut.String(), err
}

// exportFile exports the event slug of the data directory src with the
// command into a file, and returns the file and the document.
func exportFile(t *testing.T, src, slug string) (file, doc string) {
	t.Helper()
	doc, stderr, err := command(t, "export", slug, "--data", src)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	file = filepath.Join(t.TempDir(), slug+".json")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return file, doc
}

// TestExportImport moves an event between data directories with the
// commands, as an operator would.
func TestExportImport(t *testing.T) {
	src, _ := smallInstance(t)
	file, doc := exportFile(t, src, "busy-0")

	t.Run("RoundTrip", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "new-instance")
		out, stderr, err := command(t, "import", "json", file, "--data", dst)
		if err != nil {
			t.Fatalf("import: %v\n%s", err, stderr)
		}
		if !strings.Contains(out, "ids kept") {
			t.Errorf("import said %q, want it to say the ids were kept", out)
		}
		again, _, err := command(t, "export", "--data", dst, "busy-0")
		if err != nil {
			t.Fatal(err)
		}
		if again != doc {
			t.Error("the export of the imported event differs from the document imported")
		}

		_, _, err = command(t, "import", "json", file, "--data", dst)
		if err == nil || !strings.Contains(err.Error(), "--slug NEW") {
			t.Fatalf("second import: got %v, want a refusal that names --slug NEW", err)
		}
		out, stderr, err = command(t, "import", "json", "--slug", "busy-0-copy", "--data", dst, file)
		if err != nil {
			t.Fatalf("import --slug: %v\n%s", err, stderr)
		}
		if !strings.Contains(out, "/live/busy-0-copy") || !strings.Contains(out, "new ids") {
			t.Errorf("import --slug said %q, want the new slug and new ids", out)
		}
	})

	t.Run("IntoPostgres", func(t *testing.T) {
		// An instance moved onto PostgreSQL takes the same document, and
		// gives it back byte for byte.
		database := freshDatabase(t)
		dst := filepath.Join(t.TempDir(), "data")
		out, stderr, err := command(t, "import", "json", file, "--database", database, "--data", dst)
		if err != nil {
			t.Fatalf("import: %v\n%s", err, stderr)
		}
		if !strings.Contains(out, "ids kept") {
			t.Errorf("import said %q, want it to say the ids were kept", out)
		}
		store, err := postgres.Open(context.Background(), database)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		again, _, err := transfer.Export(context.Background(), store, "busy-0", os.DirFS(filepath.Join(dst, "media")), nil)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := again.Encode(&b); err != nil {
			t.Fatal(err)
		}
		if b.String() != doc {
			t.Error("the export of the event imported into PostgreSQL differs from the document imported")
		}
	})

	t.Run("MediaDir", func(t *testing.T) {
		mediaOut := filepath.Join(t.TempDir(), "media")
		detached, stderr, err := command(t, "export", "busy-0", "--data", src, "--media-dir", mediaOut)
		if err != nil {
			t.Fatalf("export --media-dir: %v\n%s", err, stderr)
		}
		if strings.Contains(detached, `"data"`) || len(detached) >= len(doc) {
			t.Error("export --media-dir still embeds the media")
		}
		detachedFile := filepath.Join(t.TempDir(), "busy-0.json")
		if err := os.WriteFile(detachedFile, []byte(detached), 0o644); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(t.TempDir(), "data")
		if _, _, err := command(t, "import", "json", detachedFile, "--data", dst); err == nil || !strings.Contains(err.Error(), "media[0]") {
			t.Fatalf("import without --media-dir: got %v, want a missing media file", err)
		}
		if _, stderr, err := command(t, "import", "json", detachedFile, "--data", dst, "--media-dir", mediaOut); err != nil {
			t.Fatalf("import --media-dir: %v\n%s", err, stderr)
		}
		again, _, err := command(t, "export", "busy-0", "--data", dst)
		if err != nil {
			t.Fatal(err)
		}
		if again != doc {
			t.Error("the export of the imported event differs from the original document")
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.json")
		if err := os.WriteFile(bad, []byte(strings.Replace(doc, `"version": 1`, `"version": 7`, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := command(t, "import", "json", bad, "--data", t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "version 7") {
			t.Fatalf("got %v, want a refusal naming version 7", err)
		}
	})

	t.Run("ErrNoEvent", func(t *testing.T) {
		_, _, err := command(t, "export", "no-such-event", "--data", src)
		if err == nil || !strings.Contains(err.Error(), "not found") {
			t.Fatalf("got %v, want not found", err)
		}
	})
}

func TestArchiveCommand(t *testing.T) {
	src, n := smallInstance(t)
	out := filepath.Join(t.TempDir(), "site")
	stdout, stderr, err := command(t, "archive", "busy-0", "--out", out, "--data", src, "--site-name", "Busy Times")
	if err != nil {
		t.Fatalf("archive: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "1 pages") {
		t.Errorf("archive said %q", stdout)
	}
	index, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(index, []byte("Busy Times")) {
		t.Error("index.html does not carry the site name")
	}
	// Deleted posts and the pictures only they showed stay out.
	for name := range n.images {
		_, err := os.Stat(filepath.Join(out, "media", name))
		shown := bytes.Contains(index, []byte("media/"+name))
		if shown != (err == nil) {
			t.Errorf("media/%s: shown %v, copied %v", name, shown, err == nil)
		}
	}
	if _, _, err := command(t, "archive", "busy-0", "--out", out, "--data", src); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("archive into a full directory: got %v, want a refusal", err)
	}
}
