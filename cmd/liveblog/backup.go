package main

import (
	"archive/tar"
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
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/sqlite"
)

// A backup is one tar file (gzipped when its name ends in .gz or .tgz):
//
//	liveblog.db     the database, a VACUUM INTO snapshot
//	media/...       every file of the media directory
//	backup.json     the manifest: every file above with its size and SHA-256
//
// The manifest comes last, so a backup cut short (a full disk, a copy that
// stopped) has none and restore refuses it instead of restoring half.
const (
	backupFormat   = "liveblog-backup"
	backupVersion  = 1
	backupDatabase = "liveblog.db"
	backupMedia    = "media"
	backupManifest = "backup.json"
)

// backupManifestFile is the manifest of a backup.
type backupManifestFile struct {
	Format    string       `json:"format"`
	Version   int          `json:"version"`
	CreatedAt time.Time    `json:"created_at"`
	Liveblog  string       `json:"liveblog"`
	Files     []backupFile `json:"files"`
}

type backupFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("backup", stderr, &cfg, false)
	setUsage(fs, "liveblog backup --out FILE.tar[.gz] [--data DIR]", `Writes a consistent backup of the SQLite database and the media files while
the instance keeps serving and publishing.`)
	out := fs.String("out", "", "file to write the backup to, a .tar (or .tar.gz); required, must not exist")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup: --out FILE is required")
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	meter := newMeter(stderr, "backup")
	defer meter.Clear()
	m, err := writeBackup(ctx, store, cfg.MediaDir(), *out, meter)
	meter.Clear()
	if err != nil {
		return fmt.Errorf("backup: %s", describe(err))
	}
	fmt.Fprintf(stdout, "backup written to %s: the database and %d media files, %s %s\n", *out, len(m.Files)-1, size(m.size()), meter.Took())
	return nil
}

// size is the bytes of the files a backup holds.
func (m *backupManifestFile) size() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

// writeBackup writes a backup of store and mediaDir to dest, which must not
// exist, telling meter how far it got. The database is snapshotted first and
// the media directory copied after: media files are only ever added, and a
// post is saved after the file it shows, so every file the snapshot refers
// to is already there when the directory is read. The instance keeps serving
// and publishing throughout.
func writeBackup(ctx context.Context, store *sqlite.Store, mediaDir, dest string, meter *meter) (*backupManifestFile, error) {
	if _, err := os.Lstat(dest); err == nil {
		return nil, liveblog.Errorf(liveblog.ECONFLICT, "%s already exists; a backup never overwrites a file.", dest)
	}
	// Working files sit beside dest, on the same file system, so that the
	// finished backup is renamed into place rather than copied.
	work, err := os.MkdirTemp(filepath.Dir(dest), ".liveblog-backup-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	snapshot := filepath.Join(work, backupDatabase)
	meter.Stage("copying the database", 0, false)
	if err := store.Backup(ctx, snapshot); err != nil {
		return nil, err
	}
	total, err := backupSize(snapshot, mediaDir)
	if err != nil {
		return nil, err
	}
	meter.Stage("writing", total, true)

	f, err := os.CreateTemp(work, "backup-*.tar")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var w io.Writer = f
	var zw *gzip.Writer
	if isGzipName(dest) {
		zw = gzip.NewWriter(f)
		w = zw
	}
	tw := tar.NewWriter(w)
	m := &backupManifestFile{Format: backupFormat, Version: backupVersion, CreatedAt: time.Now().UTC(), Liveblog: versionString()}
	add := func(name, src string) error {
		bf, err := addFile(tw, name, src, meter)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		m.Files = append(m.Files, bf)
		return nil
	}
	if err := add(backupDatabase, snapshot); err != nil {
		return nil, err
	}
	err = walkMedia(mediaDir, func(rel, p string, _ fs.DirEntry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return add(path.Join(backupMedia, filepath.ToSlash(rel)), p)
	})
	if err != nil {
		return nil, err
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: backupManifest, Mode: 0o644, Size: int64(len(manifest)), ModTime: m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(manifest); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return nil, err
		}
	}
	// A backup that a power cut can truncate is no backup.
	if err := f.Sync(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	// Link, unlike rename, refuses to replace a file that appeared at dest
	// in the meantime; rename serves file systems without hard links.
	if err := os.Link(f.Name(), dest); errors.Is(err, fs.ErrExist) {
		return nil, liveblog.Errorf(liveblog.ECONFLICT, "%s already exists; a backup never overwrites a file.", dest)
	} else if err != nil {
		if err := os.Rename(f.Name(), dest); err != nil {
			return nil, err
		}
	}
	return m, syncDir(filepath.Dir(dest))
}

// walkMedia calls fn with every media file under dir: its path relative to
// dir, its path, its entry.
func walkMedia(dir string, fn func(rel, path string, d fs.DirEntry) error) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == dir {
			return fs.SkipDir // an instance that never stored media
		} else if err != nil {
			return err
		}
		// Names starting with a dot are files being written (see
		// transfer.writeFile and uploads): not media yet.
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		return fn(rel, p, d)
	})
}

// backupSize is the bytes a backup of the snapshot and the media directory
// copies, for its progress.
func backupSize(snapshot, mediaDir string) (int64, error) {
	info, err := os.Stat(snapshot)
	if err != nil {
		return 0, err
	}
	total := info.Size()
	err = walkMedia(mediaDir, func(_, _ string, d fs.DirEntry) error {
		if info, err := d.Info(); err == nil {
			total += info.Size()
		}
		return nil
	})
	return total, err
}

// addFile copies the file at src into the tar as name, counting its bytes on
// meter, and returns its size and digest.
func addFile(tw *tar.Writer, name, src string, meter *meter) (backupFile, error) {
	f, err := os.Open(src)
	if err != nil {
		return backupFile{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return backupFile{}, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: info.Size(), ModTime: info.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return backupFile{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h, meter), f)
	if err != nil {
		return backupFile{}, err
	}
	if n != info.Size() {
		// The file changed size while it was read: media are written
		// whole under a temporary name, so this is not one of them.
		return backupFile{}, fmt.Errorf("changed while it was read")
	}
	return backupFile{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func isGzipName(name string) bool {
	return strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".tgz")
}

// syncDir makes the entries of dir (a file renamed or linked into it)
// durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
