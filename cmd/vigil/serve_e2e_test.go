package main

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
)

// idCounts maps finding id to "type count".
func idCounts(fs []finding.Finding) map[string]string {
	out := map[string]string{}
	for _, f := range fs {
		out[f.ID] = f.Type + " " + strconv.Itoa(f.Service.Count)
	}
	return out
}

// TestServeRestartNeitherSkipsNorRepeats stops vigil serve part-way through
// a backlog — once cleanly after a bounded pass, once with SIGKILL — then
// lets a last run finish, and checks the store matches a one-shot analysis:
// the same findings with the same counts.
func TestServeRestartNeitherSkipsNorRepeats(t *testing.T) {
	logs, data := t.TempDir(), t.TempDir()
	// Each attack repeated in several files so that counts would show a
	// file read twice.
	args := []string{"simulate", "--out", logs, "--events", "40000", "--events-per-file", "500", "--accounts", "2", "--seed", "3", "--all-attacks"}
	for _, typ := range []string{"Policy:IAMUser/RootCredentialUsage", "Stealth:IAMUser/CloudTrailLoggingDisabled"} {
		for _, off := range []string{"+5m", "+17m", "+29m", "+41m", "+53m"} {
			args = append(args, "--attack", typ+"@"+off)
		}
	}
	mustVigil(t, args...)
	cfg := intelConfig(logs)
	want := idCounts(decodeFindings(t, mustVigil(t, "analyze", "--json", "--quiet", "--config", cfg, logs)))
	if len(want) == 0 {
		t.Fatal("analyze found nothing; the test would prove nothing")
	}

	// Run 1: a bounded pass, then exit.
	mustVigil(t, "serve", "--config", cfg, "--once", "--max-files-per-pass", "7", "--data-dir", data, "--watch", logs)
	partial := decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--data-dir", data))
	if len(partial) >= len(want) && cmp.Equal(idCounts(partial), want) {
		t.Fatal("the first bounded pass already read everything; the restart is not tested")
	}

	// Run 2: the service, killed without warning while it works.
	cmd := exec.Command(vigilBin, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--data-dir", data,
		"--watch", logs, "--poll-interval", "1s", "--max-files-per-pass", "5")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	t.Logf("killed run logged:\n%s", lastLines(stderr.String(), 5))

	// Run 3: finish the backlog.
	mustVigil(t, "serve", "--config", cfg, "--once", "--data-dir", data, "--watch", logs)
	got := idCounts(decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--data-dir", data)))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored findings differ from one-shot analysis (-analyze +serve):\n%s", diff)
	}

	// A further pass reads nothing new and changes no count.
	mustVigil(t, "serve", "--config", cfg, "--once", "--data-dir", data, "--watch", logs)
	again := idCounts(decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--data-dir", data)))
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("an extra pass changed the findings:\n%s", diff)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
