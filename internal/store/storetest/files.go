package storetest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store"
)

const srcCT = "folder:/var/log/ct"

func fileDone(t *testing.T, s store.Store, source, key, version string) bool {
	t.Helper()
	done, err := s.FileDone(t.Context(), source, key, version)
	if err != nil {
		t.Fatalf("FileDone(%q, %q, %q) = %v", source, key, version, err)
	}
	return done
}

func testCommitFile(t *testing.T, s store.Store) {
	mark := store.FileMark{Source: srcCT, Key: "2025/03/14/a.json.gz", Version: "1234-1741944413", Events: 10, Errors: 1}
	f := newFinding(acct1, useast1, typeSSH, "a", finding.SeverityHigh, t0)
	if fileDone(t, s, mark.Source, mark.Key, mark.Version) {
		t.Fatalf("FileDone(%+v) before CommitFile = true, want false", mark)
	}
	created, err := s.CommitFile(t.Context(), mark, []finding.Finding{f, f})
	if err != nil || created != 1 {
		t.Fatalf("CommitFile(%+v, f, f) = %d, %v; want 1, nil", mark, created, err)
	}
	if got := get(t, s, f.ID).Service.Count; got != 2 {
		t.Errorf("count after CommitFile(f, f) = %d, want 2", got)
	}
	tests := []struct {
		source, key, version string
		want                 bool
	}{
		{mark.Source, mark.Key, mark.Version, true},
		{mark.Source, mark.Key, "1234-1741944999", false}, // rewritten file
		{mark.Source, "2025/03/14/b.json.gz", mark.Version, false},
		{"s3://bucket/AWSLogs", mark.Key, mark.Version, false},
	}
	for _, tt := range tests {
		if got := fileDone(t, s, tt.source, tt.key, tt.version); got != tt.want {
			t.Errorf("FileDone(%q, %q, %q) = %v, want %v", tt.source, tt.key, tt.version, got, tt.want)
		}
	}
	empty := store.FileMark{Source: srcCT, Key: "empty.json"}
	if created, err := s.CommitFile(t.Context(), empty, nil); err != nil || created != 0 {
		t.Errorf("CommitFile(%+v, nil) = %d, %v; want 0, nil", empty, created, err)
	}
	if !fileDone(t, s, empty.Source, empty.Key, empty.Version) {
		t.Errorf("FileDone(%+v) after CommitFile without findings = false, want true", empty)
	}
}

// testCommitFileAtomic makes the second finding of a file fail: neither the
// first finding nor the file mark may be stored.
func testCommitFileAtomic(t *testing.T, s store.Store) {
	mark := store.FileMark{Source: srcCT, Key: "bad.json.gz", Version: "v1"}
	good := newFinding(acct1, useast1, typeSSH, "good", finding.SeverityHigh, t0)
	bad := newFinding(acct1, useast1, typeSSH, "bad", finding.SeverityHigh, t0)
	bad.ID = ""
	if _, err := s.CommitFile(t.Context(), mark, []finding.Finding{good, bad}); err == nil {
		t.Fatalf("CommitFile(%+v, good, no id) = nil error, want an error", mark)
	}
	if fileDone(t, s, mark.Source, mark.Key, mark.Version) {
		t.Errorf("FileDone(%+v) after failed CommitFile = true, want false", mark)
	}
	if _, err := s.GetFinding(t.Context(), good.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetFinding(good) after failed CommitFile = %v, want ErrNotFound", err)
	}
}

// testCommitFileTwice redelivers a file: its findings must not count twice.
func testCommitFileTwice(t *testing.T, s store.Store) {
	mark := store.FileMark{Source: srcCT, Key: "a.json.gz", Version: "v1", Events: 3}
	f := newFinding(acct1, useast1, typeSSH, "a", finding.SeverityHigh, t0)
	for i, want := range []int{1, 0} {
		created, err := s.CommitFile(t.Context(), mark, []finding.Finding{f})
		if err != nil || created != want {
			t.Errorf("CommitFile #%d = %d, %v; want %d, nil", i+1, created, err, want)
		}
	}
	if got := get(t, s, f.ID).Service.Count; got != 1 {
		t.Errorf("count after committing one file twice = %d, want 1", got)
	}
}

func testState(t *testing.T, s store.Store) {
	ctx := t.Context()
	if _, err := s.GetState(ctx, "iam"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetState(unknown) = %v, want ErrNotFound", err)
	}
	big := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1<<18) // 1 MiB, not text
	steps := []struct {
		detector string
		snapshot []byte
	}{
		{"iam", []byte("v1")},
		{"ec2", big},
		{"iam", []byte("v2")}, // replaces
		{"empty", []byte{}},
		{"nil", nil},
	}
	want := map[string][]byte{}
	for _, st := range steps {
		if err := s.PutState(ctx, st.detector, st.snapshot); err != nil {
			t.Fatalf("PutState(%q, %d bytes) = %v", st.detector, len(st.snapshot), err)
		}
		want[st.detector] = st.snapshot
	}
	for detector, w := range want {
		got, err := s.GetState(ctx, detector)
		if err != nil || !bytes.Equal(got, w) || got == nil {
			t.Errorf("GetState(%q) = %d bytes, %v; want %d bytes (non-nil), nil", detector, len(got), err, len(w))
		}
	}
}
