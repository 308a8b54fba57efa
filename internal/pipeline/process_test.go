package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/source"
	_ "github.com/vigil-sec/vigil/internal/source/cloudtrail"
)

// TestProcessStopsOnSinkError checks that a failing sink ends a pass with
// its error, without deadlocking readers that are blocked on full queues.
func TestProcessStopsOnSinkError(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(`{"Records":[`)
	for k := range 3 * chunkSize { // several chunks per file, so queues fill up
		if k > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"eventName":"ListUsers","eventSource":"iam.amazonaws.com","eventTime":"2025-01-01T00:00:%02dZ"}`, k%60)
	}
	b.WriteString("]}")
	for i := range 12 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.json", i)), []byte(b.String()), 0o644)
	}
	l := source.NewFolder(dir)
	objs, err := l.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var jobs []*job
	for _, o := range objs {
		jobs = append(jobs, &job{lister: l, obj: o})
	}
	boom := errors.New("store down")
	calls := 0
	sink := func(context.Context, *job, source.Stats, error, []finding.Finding) error {
		calls++
		if calls == 2 {
			return boom
		}
		return nil
	}
	done := make(chan error, 1)
	go func() {
		_, err := process(context.Background(), jobs, 4, 0, detect.New(nil, detect.Options{}), func(error) {}, sink)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, boom) || calls != 2 {
			t.Errorf("process = %v after %d sink calls, want %v after 2", err, calls, boom)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("process did not return after the sink failed (deadlock)")
	}
}
