package web

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/api"
	"github.com/vigil-sec/vigil/internal/detect"
	_ "github.com/vigil-sec/vigil/internal/detect/all" // detectors, for sample findings
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

// benchVersion names the cached benchmark database; change it when
// benchGen changes, so that cached files are made again.
const benchVersion = "v1"

// benchBase is the newest updatedAt of the generated findings and the
// console's clock in the benchmark, so "last 24 hours" selects a day.
var benchBase = time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)

// benchFindings is how many findings the console benchmark stores:
// 100,000, or $VIGIL_BENCH_CONSOLE_FINDINGS.
func benchFindings() int {
	if n, err := strconv.Atoi(os.Getenv("VIGIL_BENCH_CONSOLE_FINDINGS")); err == nil && n > 0 {
		return n
	}
	return 100000
}

// benchGen makes varied findings from the registered detectors' samples:
// every type, 12 accounts, 4 regions, 500 resources per resource type
// (instance ids, access keys with 200 user names, buckets, functions),
// updatedAt spread over 90 days before benchBase, one in ten archived.
// It is deterministic.
type benchGen struct {
	rnd       *rand.Rand
	templates [][]byte
}

func newBenchGen() *benchGen {
	g := &benchGen{rnd: rand.New(rand.NewPCG(11, 17))}
	dets := detect.Registered()
	for _, def := range detect.Definitions(dets) {
		_, d, _ := detect.Lookup(dets, def.Type)
		b, err := json.Marshal(detect.SampleFinding(d, def, "x", "x", testDetectorID, benchBase))
		if err != nil {
			panic(err)
		}
		g.templates = append(g.templates, b)
	}
	return g
}

// next returns the i-th finding.
func (g *benchGen) next(i int) finding.Finding {
	var f finding.Finding
	if err := json.Unmarshal(g.templates[g.rnd.IntN(len(g.templates))], &f); err != nil {
		panic(err)
	}
	f.AccountID = fmt.Sprintf("1000000000%02d", g.rnd.IntN(12))
	f.Region = []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"}[g.rnd.IntN(4)]
	res := g.rnd.IntN(500)
	r := &f.Resource
	switch {
	case r.InstanceDetails != nil:
		r.InstanceDetails.InstanceID = fmt.Sprintf("i-%017x", res)
	case r.AccessKeyDetails != nil:
		r.AccessKeyDetails.AccessKeyID = fmt.Sprintf("AKIA%016X", res)
		r.AccessKeyDetails.UserName = fmt.Sprintf("user-%d", res%200)
	case r.LambdaDetails != nil:
		r.LambdaDetails.FunctionName = fmt.Sprintf("fn-%d", res)
	case len(r.S3BucketDetails) > 0:
		r.S3BucketDetails[0].Name = fmt.Sprintf("bucket-%d", res)
	}
	updated := benchBase.Add(-time.Duration(g.rnd.Int64N(int64(90 * 24 * time.Hour))))
	f.AggregationKey = fmt.Sprintf("bench|%d", i)
	detect.Finish(&f, testDetectorID, "aws", updated, updated)
	f.Service.Count = 1 + g.rnd.IntN(20)
	f.Service.Archived = g.rnd.IntN(10) == 0
	return f
}

// benchStore opens the cached database of n generated findings, making
// it first when it is missing (in os.TempDir(), under a temporary name
// renamed when complete).
func benchStore(b *testing.B, n int) *sqlite.DB {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("vigil-bench-console-%s-%d.db", benchVersion, n))
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		tmp := fmt.Sprintf("%s.tmp%d", path, os.Getpid())
		db, err := sqlite.Open(ctx, tmp, nil)
		if err != nil {
			b.Fatal(err)
		}
		g := newBenchGen()
		for i := 0; i < n; i += 10000 {
			batch := make([]finding.Finding, 0, 10000)
			for j := i; j < min(n, i+10000); j++ {
				batch = append(batch, g.next(j))
			}
			if _, err := db.UpsertFindings(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if _, err := os.Stat(tmp + suffix); err == nil {
				if err := os.Rename(tmp+suffix, path+suffix); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Logf("generated %d findings in %s", n, time.Since(start).Round(time.Second))
	}
	db, err := sqlite.Open(ctx, path, nil) // applies new migrations to the cached file
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkConsole measures the server time of the console's pages over a
// SQLite store of 100,000 findings: the whole request, from the session
// cookie to the rendered HTML, in process.
//
//	go test ./internal/web -run '^$' -bench Console -benchtime 20x
func BenchmarkConsole(b *testing.B) {
	n := benchFindings()
	db := benchStore(b, n)
	now := func() time.Time { return benchBase }
	users := api.NewUsers([]api.User{testAdmin})
	srv := api.New(api.Options{DetectorID: testDetectorID, AccountID: "111122223333", Store: db, Users: users, Now: now})
	c := New(Options{API: srv.Handler(), Users: users, DetectorID: testDetectorID, Store: db, Now: now})
	br := &browser{h: c.Handler()}
	br.post("/console/signin", map[string][]string{"access_key_id": {testAdmin.AccessKeyID}, "secret_access_key": {testAdmin.SecretAccessKey}})
	if br.cookie == nil {
		b.Fatal("sign-in failed")
	}
	first, _, err := db.ListFindings(context.Background(), finding.Query{Limit: 1})
	if err != nil || len(first) == 0 {
		b.Fatalf("no findings: %v", err)
	}
	pages := []struct{ name, path string }{
		{"summary", "/console/"},
		{"findings", "/console/findings"},
		{"findings-high-account", "/console/findings?severity=high&account=100000000003"},
		{"findings-type-region-bycount", "/console/findings?type=Recon:&region=eu-west-1&sort=service.count"},
		{"findings-archived", "/console/findings?state=archived"},
		{"findings-resource-instance", "/console/findings?resource=i-000000000000000a1"},
		{"findings-resource-user", "/console/findings?resource=user-7&sort=severity"},
		{"findings-resource-none", "/console/findings?resource=nobody"},
		{"findings-last-24h", "/console/findings?since=24h"},
		{"findings-last-7d-high-bycount", "/console/findings?since=7d&severity=high&sort=service.count"},
		{"findings-range-account", "/console/findings?from=2025-06-01T00:00&to=2025-06-08T00:00&account=100000000005"},
		{"findings-page-3", ""}, // filled below
		{"detail", "/console/findings/" + first[0].ID},
		{"lists", "/console/lists"},
		{"plans", "/console/plans"},
	}
	// The third page of the plain listing, following "Next" links.
	next := "/console/findings"
	for range 2 {
		m := regexp.MustCompile(`href="([^"]+)" id="next"`).FindStringSubmatch(br.get(next).Body.String())
		if m == nil {
			b.Fatal("no next page")
		}
		next = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	pages[11].path = next
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				rec := br.get(p.path)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d: %s", p.path, rec.Code, rec.Body.String())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/page")
			// CPU time is steadier than wall time on a shared machine; the
			// summary's calls run in parallel, so its CPU can exceed its
			// wall time.
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N)/1000, "cpu-ms/page")
		})
	}
	b.Logf("%d findings", n)
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
