package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/sqlite"
)

// maxManifestSize bounds the manifest restore reads into memory: a million
// media files take about 150 MB of it, far beyond any newsroom's.
const maxManifestSize = 256 << 20

// sqliteHeader starts every SQLite database file: backups made before media
// were included are a bare database, and restore still takes them.
var sqliteHeader = []byte("SQLite format 3\x00")

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("restore", stderr, &cfg, false)
	from := fs.String("from", "", "backup file written by liveblog backup (required)")
	setUsage(fs, "liveblog restore --from FILE.tar[.gz] --data DIR [--force]", `Restores a backup written by liveblog backup into a data directory, which is
created when it does not exist. Nothing changes until the whole backup has been
read and checked.`)
	force := fs.Bool("force", false, "replace the database and media of a data directory that is not empty")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *from == "" || fs.NArg() > 0 {
		return errors.New("restore: want --from BACKUP (and --data DIR)")
	}
	if cfg.Database != "" {
		// A backup is the SQLite file and the media of a data directory,
		// and goes back into one; PostgreSQL has its own tools.
		return errors.New("restore: restores into the data directory (--data) only, not into --database")
	}
	meter := newMeter(stderr, "restore")
	defer meter.Clear()
	m, err := restoreBackup(ctx, *from, cfg.DataDir, *force, meter)
	meter.Clear()
	if err != nil {
		return fmt.Errorf("restore: %s", describe(err))
	}
	fmt.Fprintf(stdout, "restored %s into %s: the database and %d media files, %s %s\n", *from, cfg.DataDir, len(m.Files)-1, size(m.size()), meter.Took())
	return nil
}

// restoreBackup restores the backup at from into dataDir, telling meter how
// far it got. Nothing in dataDir
// changes until the whole backup has been read and checked against its
// manifest and its database opens: it is unpacked into a directory of its
// own inside dataDir first, then moved into place. A data directory that is
// not empty is refused unless force; with force its database and media are
// replaced, and other files are left alone. A serve running on dataDir is
// refused, by its lock.
func restoreBackup(ctx context.Context, from, dataDir string, force bool, meter *meter) (*backupManifestFile, error) {
	entries, err := os.ReadDir(dataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	case len(entries) > 0 && !force:
		return nil, liveblog.Errorf(liveblog.ECONFLICT, "The data directory %s is not empty. Restore into a new directory, or stop liveblog and pass --force to replace its database and media.", dataDir)
	}
	if len(entries) > 0 {
		// A serve on dataDir would go on with the database moved from
		// under it. (One on a new or empty directory has no database yet.)
		release, err := lockInstance(Config{DataDir: dataDir})
		if err != nil {
			return nil, err
		}
		defer release()
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	staging, err := os.MkdirTemp(dataDir, ".restore-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(staging)
	m, err := extractBackup(ctx, from, staging, meter)
	if err != nil {
		return nil, err
	}
	meter.Stage("checking the database", 0, false)
	store, err := sqlite.Open(ctx, filepath.Join(staging, backupDatabase))
	if err != nil {
		return nil, liveblog.Errorf(liveblog.EINVALID, "The backup's database does not open: %v.", err)
	}
	if err := errors.Join(store.Ping(ctx), store.Close()); err != nil {
		return nil, liveblog.Errorf(liveblog.EINVALID, "The backup's database does not answer: %v.", err)
	}

	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(filepath.Join(dataDir, backupDatabase+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		// Opening the database may have left a WAL beside it; it belongs
		// to the database and moves with it.
		src := filepath.Join(staging, backupDatabase+suffix)
		if _, err := os.Stat(src); err == nil {
			if err := os.Rename(src, filepath.Join(dataDir, backupDatabase+suffix)); err != nil {
				return nil, err
			}
		}
	}
	if err := os.RemoveAll(filepath.Join(dataDir, backupMedia)); err != nil {
		return nil, err
	}
	if err := os.Rename(filepath.Join(staging, backupMedia), filepath.Join(dataDir, backupMedia)); errors.Is(err, fs.ErrNotExist) {
		err = os.Mkdir(filepath.Join(dataDir, backupMedia), 0o755)
		if err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return m, syncDir(dataDir)
}

// extractBackup unpacks the backup at from into dir and checks every file
// against the manifest, counting the bytes read on meter.
func extractBackup(ctx context.Context, from, dir string, meter *meter) (*backupManifestFile, error) {
	f, err := os.Open(from)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	meter.Stage("reading the backup", info.Size(), true)
	br := bufio.NewReader(meter.Reader(f))
	head, _ := br.Peek(len(sqliteHeader))
	if bytes.Equal(head, sqliteHeader) {
		bf, err := extractFile(br, dir, backupDatabase)
		if err != nil {
			return nil, err
		}
		return &backupManifestFile{Format: backupFormat, Files: []backupFile{bf}}, nil
	}
	var r io.Reader = br
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, damaged(err)
		}
		defer zr.Close()
		r = zr
	}
	tr := tar.NewReader(r)
	got := map[string]backupFile{}
	var m *backupManifestFile
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, damaged(err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if m != nil {
			return nil, liveblog.Errorf(liveblog.EINVALID, "The backup has files after its manifest; it is not one liveblog wrote.")
		}
		if h.Typeflag != tar.TypeReg || !validBackupName(h.Name) || got[h.Name].Name != "" {
			return nil, liveblog.Errorf(liveblog.EINVALID, "The backup holds %q, which is not a file a liveblog backup has.", h.Name)
		}
		if h.Name == backupManifest {
			if m, err = readManifest(tr); err != nil {
				return nil, err
			}
			continue
		}
		bf, err := extractFile(tr, dir, h.Name)
		if err != nil {
			return nil, err
		}
		got[h.Name] = bf
	}
	if m == nil {
		return nil, liveblog.Errorf(liveblog.EINVALID, "The backup is incomplete: it ends before its manifest (%s), so it was cut short.", backupManifest)
	}
	if len(m.Files) != len(got) {
		return nil, liveblog.Errorf(liveblog.EINVALID, "The backup holds %d files; its manifest lists %d.", len(got), len(m.Files))
	}
	for _, want := range m.Files {
		if got[want.Name] != want {
			return nil, liveblog.Errorf(liveblog.EINVALID, "%s in the backup does not match its manifest: the backup is damaged.", want.Name)
		}
	}
	if got[backupDatabase].Name == "" {
		return nil, liveblog.Errorf(liveblog.EINVALID, "The backup has no database.")
	}
	return m, nil
}

// validBackupName reports whether name is one a backup holds: the database,
// the manifest, or a relative path under media/ that stays there.
func validBackupName(name string) bool {
	if name == backupDatabase || name == backupManifest {
		return true
	}
	rest, ok := strings.CutPrefix(name, backupMedia+"/")
	return ok && fs.ValidPath(rest) && path.Clean(name) == name && !strings.Contains(name, `\`)
}

func readManifest(r io.Reader) (*backupManifestFile, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxManifestSize+1))
	if err != nil {
		return nil, damaged(err)
	}
	if len(b) > maxManifestSize {
		return nil, liveblog.Errorf(liveblog.EINVALID, "The backup's manifest is larger than %d MB.", maxManifestSize>>20)
	}
	var m backupManifestFile
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, damaged(err)
	}
	if m.Format != backupFormat || m.Version != backupVersion {
		return nil, liveblog.Errorf(liveblog.EINVALID, "The backup is %s version %d; this build restores %s version %d.", m.Format, m.Version, backupFormat, backupVersion)
	}
	return &m, nil
}

// extractFile writes the contents of r to dir/name, synced, and returns its
// size and digest.
func extractFile(r io.Reader, dir, name string) (backupFile, error) {
	dest := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return backupFile{}, err
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return backupFile{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		return backupFile{}, damaged(err)
	}
	if err := f.Sync(); err != nil {
		return backupFile{}, err
	}
	return backupFile{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, f.Close()
}

func damaged(err error) error {
	return liveblog.Errorf(liveblog.EINVALID, "The backup is damaged or incomplete: %v.", err)
}
