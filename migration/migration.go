// Package migration reads a store's schema migrations: SQL files named
// NNNN_what.sql, applied in the order of their number, each once, and
// recorded by that number in the store's schema_migrations table.
//
// Each store adapter embeds its own files and applies them in transactions
// of its own kind; which files there are, and which of them a database still
// needs, is decided here for both. It is not the domain's business, so it is
// a package of its own rather than part of the root package.
package migration

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// File is one migration.
type File struct {
	// Version is the number the name starts with.
	Version int
	// Name is the file's base name, as schema_migrations records it.
	Name string
	// SQL is the file's contents.
	SQL string
}

// Read returns the .sql files of dir in fsys, in order of their version.
func Read(fsys fs.FS, dir string) ([]File, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var files []File
	for _, name := range names {
		num, _, _ := strings.Cut(path.Base(name), "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s does not start with a version number", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Version: v, Name: path.Base(name), SQL: string(body)})
	}
	if len(files) == 0 {
		return nil, errors.New("no migrations embedded")
	}
	slices.SortFunc(files, func(a, b File) int { return a.Version - b.Version })
	for i := 1; i < len(files); i++ {
		if files[i].Version == files[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a version", files[i-1].Name, files[i].Name)
		}
	}
	return files, nil
}

// Pending returns the files whose versions are not among applied, in order.
// A database that has applied a version newer than every file was migrated
// by a newer build, whose schema this one cannot be trusted to use.
func Pending(files []File, applied []int) ([]File, error) {
	if len(files) == 0 {
		return nil, errors.New("no migrations embedded")
	}
	if known := files[len(files)-1].Version; len(applied) > 0 && slices.Max(applied) > known {
		return nil, fmt.Errorf("the database is at schema version %d, newer than this build knows (%d)", slices.Max(applied), known)
	}
	var pending []File
	for _, f := range files {
		if !slices.Contains(applied, f.Version) {
			pending = append(pending, f)
		}
	}
	return pending, nil
}
