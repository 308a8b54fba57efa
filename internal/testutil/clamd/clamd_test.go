package clamd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSetDirective(t *testing.T) {
	lines := []string{"Foreground yes", "StreamMaxLength 1000M"}
	lines = setDirective(lines, "streammaxlength 1M")
	lines = setDirective(lines, "DisableCache yes")
	want := []string{"Foreground yes", "streammaxlength 1M", "DisableCache yes"}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("setDirective differs (-want +got):\n%s", diff)
	}
}

func TestStart(t *testing.T) {
	db := t.TempDir()
	if err := os.WriteFile(filepath.Join(db, "t.ndb"), []byte("Vigil.Test:0:*:564947494c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := Start(t, db, "StreamMaxLength 2M")
	for _, a := range [][2]string{{"unix", s.Socket}, {"tcp", s.TCPAddr}} {
		if err := ping(a[0], a[1]); err != nil {
			t.Errorf("PING over %s %s: %v", a[0], a[1], err)
		}
	}
	if !strings.Contains(s.Config, "StreamMaxLength 2M\n") || strings.Contains(s.Config, "StreamMaxLength 1000M") {
		t.Errorf("config does not carry the override:\n%s", s.Config)
	}
	if !strings.HasPrefix(s.Address(), "unix:/") || !strings.HasPrefix(s.TCPAddress(), "tcp:127.0.0.1:") {
		t.Errorf("Address() = %q, TCPAddress() = %q", s.Address(), s.TCPAddress())
	}
	if err := checkDBDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("checkDBDir(empty folder) = %v, want an error saying it is empty", err)
	}
}
