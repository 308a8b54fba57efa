package simulate

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// ctRecord is the part of a CloudTrail record the tests look at.
type ctRecord struct {
	EventVersion string
	UserIdentity struct {
		Type, PrincipalID, Arn, AccountID, AccessKeyID, UserName, InvokedBy, AssumedRoot string
		SessionContext                                                                   *struct {
			SessionIssuer   map[string]string
			Attributes      map[string]string
			EC2RoleDelivery string
		}
	}
	EventTime, EventSource, EventName, AwsRegion, SourceIPAddress, UserAgent, ErrorCode string
	RequestParameters, ResponseElements                                                 json.RawMessage
	EventID, EventType, RecipientAccountID, EventCategory                               string
	ReadOnly, ManagementEvent                                                           bool
}

type logFile struct {
	rel     string // path under OUT
	size    int64
	records []ctRecord
}

// run simulates into a fresh directory and fails the test on error.
func run(t *testing.T, o Options) (*Manifest, string) {
	t.Helper()
	o.Out = t.TempDir()
	m, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return m, o.Out
}

// readLogs decodes every delivery file under dir with encoding/json.
func readLogs(t *testing.T, dir string) []logFile {
	t.Helper()
	var out []logFile
	err := filepath.WalkDir(filepath.Join(dir, "AWSLogs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || isNetworkLog(path) {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		size := int64(len(raw))
		if filepath.Ext(path) == ".gz" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				return err
			}
			if raw, err = io.ReadAll(zr); err != nil {
				return err
			}
		}
		var doc struct{ Records []ctRecord }
		if err := json.Unmarshal(raw, &doc); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out = append(out, logFile{filepath.ToSlash(rel), size, doc.Records})
		return nil
	})
	if err != nil {
		t.Fatalf("read logs: %v", err)
	}
	return out
}

func allRecords(files []logFile) []ctRecord {
	var out []ctRecord
	for _, f := range files {
		out = append(out, f.records...)
	}
	return out
}

var small = Options{Accounts: 2, UsersPerAccount: 4, Regions: []string{"us-east-1", "eu-west-1"},
	Duration: 40 * time.Minute, Events: 3000, EventsPerFile: 200, Gzip: true, Seed: 42}

func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			rel, _ := filepath.Rel(dir, path)
			m[rel] = b
		}
		return err
	})
	return m
}

func TestDeterministicForSeed(t *testing.T) {
	o := small
	o.Attacks = []Attack{{Type: "PenTest:IAMUser/KaliLinux"}, {Type: "Policy:IAMUser/RootCredentialUsage", Offset: 7 * time.Minute}}
	_, dirA := run(t, o)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)) // one worker must write the same bytes
	_, dirB := run(t, o)
	a, b := tree(t, dirA), tree(t, dirB)
	if diff := cmp.Diff(slices.Sorted(maps.Keys(a)), slices.Sorted(maps.Keys(b))); diff != "" {
		t.Fatalf("file names differ between runs (-first +second):\n%s", diff)
	}
	for name, content := range a {
		if !bytes.Equal(content, b[name]) {
			t.Errorf("%s differs between runs with seed %d", name, o.Seed)
		}
	}
	o.Seed++
	_, dirC := run(t, o)
	if c := tree(t, dirC); cmp.Equal(slices.Sorted(maps.Keys(a)), slices.Sorted(maps.Keys(c))) {
		t.Errorf("seeds %d and %d wrote the same file names", small.Seed, o.Seed)
	}
}

var layoutRE = regexp.MustCompile(`^AWSLogs/(?:(o-[a-z0-9]{10,32})/)?([0-9]{12})/CloudTrail/([a-z0-9-]+)/([0-9]{4})/([0-9]{2})/([0-9]{2})/` +
	`([0-9]{12})_CloudTrail_([a-z0-9-]+)_([0-9]{8})T([0-9]{4})Z_[A-Za-z0-9]{16}\.json(\.gz)?$`)

func TestLayoutAndFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		org  string
		gzip bool
	}{{"account trail gzip", "", true}, {"organization trail plain", "o-a1b2c3d4e5", false}} {
		t.Run(tc.name, func(t *testing.T) {
			o := small
			o.OrgID, o.Gzip = tc.org, tc.gzip
			m, dir := run(t, o)
			files := readLogs(t, dir)
			checkFiles(t, o, m, files)
			var onDisk Manifest
			raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
			if err != nil || json.Unmarshal(raw, &onDisk) != nil {
				t.Fatalf("manifest.json unreadable: %v", err)
			}
			if diff := cmp.Diff(*m, onDisk); diff != "" {
				t.Errorf("manifest.json differs from Run's manifest (-returned +file):\n%s", diff)
			}
		})
	}
}

// checkFiles checks names, record order and shape, and the manifest's totals.
func checkFiles(t *testing.T, o Options, m *Manifest, files []logFile) {
	t.Helper()
	events, bytes := 0, int64(0)
	for _, f := range files {
		p := layoutRE.FindStringSubmatch(f.rel)
		if p == nil || p[1] != o.OrgID || p[2] != p[7] || p[3] != p[8] || p[4]+p[5]+p[6] != p[9] || (p[11] != "") != o.Gzip {
			t.Fatalf("file %s does not follow the CloudTrail layout (org %q, gzip %v)", f.rel, o.OrgID, o.Gzip)
		}
		if len(f.records) == 0 || len(f.records) > o.EventsPerFile+len(m.Attacks) {
			t.Errorf("%s has %d records, want 1..%d", f.rel, len(f.records), o.EventsPerFile)
		}
		for i, r := range f.records {
			checkRecord(t, f.rel, r, p[2], p[3])
			if i > 0 && r.EventTime < f.records[i-1].EventTime {
				t.Errorf("%s: record %d at %s precedes record %d at %s", f.rel, i, r.EventTime, i-1, f.records[i-1].EventTime)
			}
		}
		events += len(f.records)
		bytes += f.size
	}
	got := [3]int64{int64(m.Events), int64(m.Files), m.Bytes}
	if want := [3]int64{int64(events), int64(len(files)), bytes}; got != want {
		t.Errorf("manifest events, files, bytes = %v, files hold %v", got, want)
	}
	if want := o.Events + len(m.Attacks); m.Events != want {
		t.Errorf("manifest events = %d, want %d benign + %d injected", m.Events, o.Events, len(m.Attacks))
	}
}

var (
	timeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

func checkRecord(t *testing.T, file string, r ctRecord, account, region string) {
	t.Helper()
	switch {
	case r.EventVersion != "1.08" && r.EventVersion != "1.09":
		t.Errorf("%s: eventVersion %q", file, r.EventVersion)
	case !timeRE.MatchString(r.EventTime) || !uuidRE.MatchString(r.EventID):
		t.Errorf("%s: eventTime %q or eventID %q malformed", file, r.EventTime, r.EventID)
	case r.RecipientAccountID != account || r.AwsRegion != region:
		t.Errorf("%s: record for %s/%s in the wrong file", file, r.RecipientAccountID, r.AwsRegion)
	case (r.EventCategory == "Data") == r.ManagementEvent:
		t.Errorf("%s: %s eventCategory %q with managementEvent %v", file, r.EventName, r.EventCategory, r.ManagementEvent)
	case !slices.Contains([]string{"AwsApiCall", "AwsConsoleSignIn", "AwsServiceEvent"}, r.EventType):
		t.Errorf("%s: eventType %q", file, r.EventType)
	case r.EventSource == "" || r.EventName == "" || r.SourceIPAddress == "" || r.UserAgent == "":
		t.Errorf("%s: %s lacks source, name, address or user agent", file, r.EventID)
	}
}

func TestProgressAndCancel(t *testing.T) {
	var seen []int
	o := small
	o.Progress = func(n int) { seen = append(seen, n) }
	m, _ := run(t, o)
	if !slices.IsSorted(seen) || len(seen) != m.Files || seen[len(seen)-1] != m.Events {
		t.Errorf("progress reported %d calls ending at %v, want %d calls ending at %d", len(seen), seen[len(seen)-1:], m.Files, m.Events)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o.Out = t.TempDir()
	if _, err := Run(ctx, o); !errors.Is(err, context.Canceled) {
		t.Errorf("Run(cancelled) = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(o.Out, "manifest.json")); err == nil {
		t.Errorf("cancelled run wrote a manifest")
	}
}
