package source_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
)

// awsTree is a folder in the layout AWS delivers CloudTrail logs: an
// account trail and an organization trail, gzip and plain files, digests
// and hidden files that must be skipped. Values are file contents; the
// keys ending in .gz are gzipped.
var awsTree = map[string]string{
	"AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1200Z_a1.json.gz":                                     delivery("A1", "A2"),
	"AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1205Z_a2.json":                                        delivery("A3"),
	"AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/02/111122223333_CloudTrail_eu-west-1_20240502T0000Z_b1.json.gz":                                     delivery("B1"),
	"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/01/111122223333_CloudTrail-Digest_us-east-1_trail_20240501T1200Z.json.gz":                    `{"digestStartTime":"x"}`,
	"AWSLogs/o-abc123def4/444455556666/CloudTrail/ap-southeast-2/2024/05/01/444455556666_CloudTrail_ap-southeast-2_20240501T1200Z_c1.json.gz":              delivery("C1", "C2", "C3"),
	"AWSLogs/o-abc123def4/444455556666/CloudTrail-Digest/ap-southeast-2/2024/05/01/444455556666_CloudTrail-Digest_ap-southeast-2_t_20240501T1200Z.json.gz": `{}`,
	"AWSLogs/.DS_Store":             "junk",
	".cache/x.json":                 delivery("HIDDEN"),
	"AWSLogs/111122223333/._x.json": "junk",
}

func writeTree(t *testing.T, root string, tree map[string]string) {
	t.Helper()
	for key, content := range tree {
		path := filepath.Join(root, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		data := []byte(content)
		if strings.HasSuffix(key, ".gz") {
			data = gzipped(t, content)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func keys(objs []source.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}

// wantKeys are the listed keys of awsTree, in order.
var wantKeys = []string{
	"AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/02/111122223333_CloudTrail_eu-west-1_20240502T0000Z_b1.json.gz",
	"AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1200Z_a1.json.gz",
	"AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1205Z_a2.json",
	"AWSLogs/o-abc123def4/444455556666/CloudTrail/ap-southeast-2/2024/05/01/444455556666_CloudTrail_ap-southeast-2_20240501T1200Z_c1.json.gz",
}

// readAll reads every object of l and returns "name@account/region" of
// each event, per object key.
func readAll(t *testing.T, l source.Lister, objs []source.Object) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	var r source.Reader
	for _, o := range objs {
		_, err := r.ReadObject(context.Background(), l, o, func(e *event.Event) {
			got[o.Key] = append(got[o.Key], e.API.Name+"@"+e.Account+"/"+e.Region)
		}, func(e *source.RecordError) { t.Errorf("record error: %v", e) })
		if err != nil {
			t.Errorf("ReadObject(%s): %v", o.URL, err)
		}
	}
	return got
}

var wantEvents = map[string][]string{
	wantKeys[0]: {"B1@111122223333/eu-west-1"},
	wantKeys[1]: {"A1@111122223333/us-east-1", "A2@111122223333/us-east-1"},
	wantKeys[2]: {"A3@111122223333/us-east-1"},
	wantKeys[3]: {"C1@444455556666/ap-southeast-2", "C2@444455556666/ap-southeast-2", "C3@444455556666/ap-southeast-2"},
}

func TestFolder(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, awsTree)
	l := source.NewFolder(root)
	if l.Name() != root {
		t.Errorf("Name() = %q, want %q", l.Name(), root)
	}
	objs, err := l.List(context.Background(), "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if diff := cmp.Diff(wantKeys, keys(objs)); diff != "" {
		t.Fatalf("List keys mismatch (-want +got):\n%s", diff)
	}
	for _, o := range objs {
		fi, err := os.Stat(filepath.Join(root, o.Key))
		if err != nil {
			t.Fatal(err)
		}
		if o.URL != filepath.Join(root, o.Key) || o.Size != fi.Size() || !o.ModTime.Equal(fi.ModTime()) || o.Version == "" {
			t.Errorf("object %+v, want URL %s, size %d, mtime %v and a version", o, filepath.Join(root, o.Key), fi.Size(), fi.ModTime())
		}
	}
	// The accounts and regions come from the delivery paths.
	got := readAll(t, l, objs)
	if diff := cmp.Diff(wantEvents, got); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}

	// after: only later keys.
	objs, err = l.List(context.Background(), wantKeys[1])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantKeys[2:], keys(objs)); diff != "" {
		t.Errorf("List(after %s) mismatch (-want +got):\n%s", wantKeys[1], diff)
	}
	objs, _ = l.List(context.Background(), "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1200Z_a0.json.gz")
	if diff := cmp.Diff(wantKeys[1:], keys(objs)); diff != "" {
		t.Errorf("List(after a key between files) mismatch (-want +got):\n%s", diff)
	}
	objs, _ = l.List(context.Background(), "AWSLogs/p")
	if len(objs) != 0 {
		t.Errorf("List(after the last) = %v, want none", keys(objs))
	}

	// The version changes with the content.
	first, _ := l.List(context.Background(), "")
	if err := os.WriteFile(filepath.Join(root, wantKeys[2]), []byte(delivery("A3", "A4")), 0o644); err != nil {
		t.Fatal(err)
	}
	second, _ := l.List(context.Background(), "")
	if first[2].Version == second[2].Version || first[1].Version != second[1].Version {
		t.Errorf("versions %q -> %q (rewritten) and %q -> %q (untouched); want only the first to change",
			first[2].Version, second[2].Version, first[1].Version, second[1].Version)
	}
}

func TestFolderSortsByKey(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"x/b/c.json": "{}", "x/b.json": "{}", "x/a-b.json": "{}", "x/a/z.json": "{}"})
	objs, err := source.NewFolder(root).List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"x/a-b.json", "x/a/z.json", "x/b.json", "x/b/c.json"}
	if diff := cmp.Diff(want, keys(objs)); diff != "" {
		t.Errorf("List keys mismatch (-want +got):\n%s", diff)
	}
}

func TestFolderSingleFile(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, awsTree)
	path := filepath.Join(root, filepath.FromSlash(wantKeys[1]))
	l := source.NewFolder(path)
	objs, err := l.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || objs[0].URL != path || objs[0].Key != filepath.Base(path) {
		t.Fatalf("List(file) = %+v, want the file itself", objs)
	}
	got := readAll(t, l, objs)
	if diff := cmp.Diff(map[string][]string{filepath.Base(path): wantEvents[wantKeys[1]]}, got); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
}

func TestFolderErrors(t *testing.T) {
	t.Run("missing root", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope")
		objs, err := source.NewFolder(missing).List(context.Background(), "")
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) || objs != nil {
			t.Errorf("List(missing) = %v, %v; want a not-exist error naming %s", objs, err, missing)
		}
	})
	t.Run("broken links are reported, the rest listed", func(t *testing.T) {
		root := t.TempDir()
		writeTree(t, root, map[string]string{"a/1.json": "{}", "c/2.json": "{}"})
		loop := filepath.Join(root, "b", "loop.json")
		os.MkdirAll(filepath.Dir(loop), 0o755)
		if err := os.Symlink(loop, loop); err != nil {
			t.Skipf("no symlinks: %v", err)
		}
		if err := os.Symlink(filepath.Join(root, "a", "1.json"), filepath.Join(root, "b", "link.json")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(root, "a"), filepath.Join(root, "b", "dirlink")); err != nil {
			t.Fatal(err)
		}
		objs, err := source.NewFolder(root).List(context.Background(), "")
		if diff := cmp.Diff([]string{"a/1.json", "b/link.json", "c/2.json"}, keys(objs)); diff != "" {
			t.Errorf("List keys mismatch (-want +got):\n%s", diff)
		}
		if err == nil || !strings.Contains(err.Error(), loop) {
			t.Errorf("List error = %v, want one naming %s", err, loop)
		}
	})
	t.Run("unreadable folder is reported, the rest listed", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root: permissions do not stop root from reading")
		}
		root := t.TempDir()
		writeTree(t, root, map[string]string{"a/1.json": "{}", "b/2.json": "{}", "c/3.json": "{}"})
		locked := filepath.Join(root, "b")
		if err := os.Chmod(locked, 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(locked, 0o755) })
		objs, err := source.NewFolder(root).List(context.Background(), "")
		if diff := cmp.Diff([]string{"a/1.json", "c/3.json"}, keys(objs)); diff != "" {
			t.Errorf("List keys mismatch (-want +got):\n%s", diff)
		}
		if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), locked) {
			t.Errorf("List error = %v, want a permission error naming %s", err, locked)
		}
	})
	t.Run("key outside the folder", func(t *testing.T) {
		l := source.NewFolder(t.TempDir())
		for _, key := range []string{"../etc/passwd", "/etc/passwd", "a/../../x"} {
			rc, err := l.Open(context.Background(), source.Object{Key: key})
			if err == nil {
				rc.Close()
				t.Errorf("Open(key %q) succeeded, want an error", key)
			}
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		root := t.TempDir()
		writeTree(t, root, map[string]string{"a/1.json": "{}"})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := source.NewFolder(root).List(ctx, ""); !errors.Is(err, context.Canceled) {
			t.Errorf("List(cancelled) error = %v, want context.Canceled", err)
		}
	})
}

func TestOpenLocation(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, awsTree)
	for _, loc := range []string{root, "file://" + root} {
		l, err := source.Open(context.Background(), loc, source.S3Options{})
		if err != nil {
			t.Fatalf("Open(%q): %v", loc, err)
		}
		objs, err := l.List(context.Background(), "")
		if err != nil || len(objs) != len(wantKeys) {
			t.Errorf("Open(%q).List() = %d objects, %v; want %d", loc, len(objs), err, len(wantKeys))
		}
		rc, err := l.Open(context.Background(), objs[0])
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, rc)
		rc.Close()
	}
	for _, loc := range []string{filepath.Join(root, "missing"), "gs://bucket/x", "https://example.com/x", "s3://"} {
		if _, err := source.Open(context.Background(), loc, source.S3Options{}); err == nil {
			t.Errorf("Open(%q) = nil error, want one", loc)
		}
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		in             string
		bucket, prefix string
		wantErr        bool
	}{
		{"s3://trail-bucket", "trail-bucket", "", false},
		{"s3://trail-bucket/", "trail-bucket", "", false},
		{"s3://trail-bucket/AWSLogs/111122223333/", "trail-bucket", "AWSLogs/111122223333/", false},
		{"s3://trail-bucket/AWSLogs/o-abc123def4/111122223333/CloudTrail/us-east-1/2024/05/01/f.json.gz", "trail-bucket", "AWSLogs/o-abc123def4/111122223333/CloudTrail/us-east-1/2024/05/01/f.json.gz", false},
		{"s3://b/with space/ü+plus", "b", "with space/ü+plus", false},
		{"s3:///key", "", "", true},
		{"s3://", "", "", true},
		{"S3://bucket", "", "", true},
		{"/var/log", "", "", true},
		{"s3://bad bucket/x", "", "", true},
	}
	for _, tt := range tests {
		bucket, prefix, err := source.ParseURL(tt.in)
		if (err != nil) != tt.wantErr || bucket != tt.bucket || prefix != tt.prefix {
			t.Errorf("ParseURL(%q) = %q, %q, %v; want %q, %q, error %v", tt.in, bucket, prefix, err, tt.bucket, tt.prefix, tt.wantErr)
		}
		if err != nil && !errors.Is(err, source.ErrBadURL) {
			t.Errorf("ParseURL(%q) error = %v, want ErrBadURL", tt.in, err)
		}
	}
}

func TestFolderRootIsALink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	writeTree(t, real, awsTree)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Skipf("no symlinks: %v", err)
	}
	l := source.NewFolder(link)
	objs, err := l.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantKeys, keys(objs)); diff != "" {
		t.Fatalf("List(link) keys mismatch (-want +got):\n%s", diff)
	}
	if objs[0].URL != filepath.Join(link, wantKeys[0]) {
		t.Errorf("URL = %q, want it under the link %s", objs[0].URL, link)
	}
	if diff := cmp.Diff(wantEvents, readAll(t, l, objs)); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
}
