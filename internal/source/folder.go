package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// NewFolder returns a Lister for a local log file or folder tree. A tree
// in the layout AWS delivers logs (AWSLogs/<account>/CloudTrail/<region>/
// YYYY/MM/DD/, organization trails under AWSLogs/o-xxxx/<account>/...) is
// simply walked; Keys are paths relative to the root, with '/' separators.
func NewFolder(path string) Lister {
	root := filepath.Clean(path)
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	return &folder{root: root}
}

type folder struct{ root string }

var _ Lister = (*folder)(nil)

func (f *folder) Name() string { return f.root }

// List walks the tree and returns its files sorted by Key; with after set,
// only those whose Key is greater. Hidden files and folders (".name") and
// CloudTrail-Digest folders are skipped; symbolic links to files are
// listed, links to folders are not followed. Version is the size and
// modification time.
//
// A folder or link that cannot be read does not stop the walk: List
// returns the objects it found together with an errors.Join of the
// problems, each naming its path, for the caller to report. Files are not
// opened here, so an unreadable file fails in Open. A root that does not
// exist is an error with no objects.
func (f *folder) List(ctx context.Context, after string) ([]Object, error) {
	fi, err := os.Stat(f.root)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", f.root, err)
	}
	if !fi.IsDir() {
		o := f.object(f.root, filepath.Base(f.root), fi)
		if after != "" && o.Key <= after {
			return nil, nil
		}
		return []Object{o}, nil
	}
	var (
		objs []Object
		errs []error
	)
	// The trailing separator makes the walk follow a root that is a link.
	walkRoot := f.root + string(filepath.Separator)
	err = filepath.WalkDir(walkRoot, func(path string, d fs.DirEntry, err error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err != nil {
			errs = append(errs, err) // an unreadable folder: its entries are skipped
			return nil
		}
		if path == walkRoot {
			return nil
		}
		rel, err := filepath.Rel(f.root, path)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		key := filepath.ToSlash(rel)
		if skipName(d.Name(), d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			// Every key below the folder sorts before key+"0" ('0' follows '/').
			if after != "" && key+"0" <= after {
				return filepath.SkipDir
			}
			return nil
		}
		if after != "" && key <= after {
			return nil
		}
		fi, err := os.Stat(path) // follows a link
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if !fi.Mode().IsRegular() {
			return nil // a fifo, socket, device, or a link to a folder
		}
		objs = append(objs, f.object(path, key, fi))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", f.root, err)
	}
	slices.SortFunc(objs, func(a, b Object) int { return cmp.Compare(a.Key, b.Key) })
	return objs, errors.Join(errs...)
}

func (f *folder) object(path, key string, fi fs.FileInfo) Object {
	return Object{
		URL:     path,
		Key:     key,
		Size:    fi.Size(),
		ModTime: fi.ModTime().UTC(),
		Version: fmt.Sprintf("%d-%d", fi.Size(), fi.ModTime().UnixNano()),
	}
}

// Open opens the file of o. Its Key must lie within the root.
func (f *folder) Open(_ context.Context, o Object) (io.ReadCloser, error) {
	if o.URL == f.root { // the source is a single file
		return os.Open(f.root)
	}
	if !filepath.IsLocal(filepath.FromSlash(o.Key)) {
		return nil, fmt.Errorf("open %s: key %q is outside the folder", f.root, o.Key)
	}
	return os.Open(filepath.Join(f.root, filepath.FromSlash(o.Key)))
}

// skipName reports whether a file or folder of this name is not a log:
// hidden names (".name", including macOS "._" files), the folders of
// CloudTrail digest files, which hold hashes, not events, and manifest
// files (manifest.json and manifest.checksum of S3 Inventory reports and of
// "vigil simulate"), which describe logs rather than hold them.
func skipName(name string, dir bool) bool {
	if dir {
		return strings.HasPrefix(name, ".") || name == "CloudTrail-Digest"
	}
	return strings.HasPrefix(name, ".") || name == "manifest.json" || name == "manifest.checksum"
}

// skipKey applies skipName to each segment of an object key relative to
// a source's root (an S3 prefix), and skips "folder" marker objects.
func skipKey(rel string) bool {
	if strings.HasSuffix(rel, "/") {
		return true
	}
	segs := strings.Split(rel, "/")
	for i, s := range segs {
		if s != "" && skipName(s, i < len(segs)-1) {
			return true
		}
	}
	return false
}
