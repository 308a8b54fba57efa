package api

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

// benchDataVersion names the generated benchmark databases; change it
// when findingGen changes, so that cached files are made again.
const benchDataVersion = "v3"

// benchSizes are the store sizes the finding benchmarks run with: 20,000
// findings always, 1,000,000 when VIGIL_BENCH_1M=1 (generating that store
// takes several minutes once; it is cached in os.TempDir()).
func benchSizes() []int {
	if os.Getenv("VIGIL_BENCH_1M") == "1" {
		return []int{20000, 1000000}
	}
	return []int{20000}
}

// benchAPI is a test API on a cached store of n generated findings.
func benchAPI(b *testing.B, n int) *testAPI {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("vigil-bench-findings-%s-%d.db", benchDataVersion, n))
	if _, err := os.Stat(path); err != nil {
		buildBenchStore(b, path, n)
	}
	a := newTestAPI(b)
	db, err := sqlite.Open(context.Background(), path, nil) // applies new migrations to the cached file
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	a.store, a.srv.opts.Store = db, db // findings from the cached file; settings stay in the test's own
	return a
}

// buildBenchStore writes n generated findings to a new database at path,
// in transactions of 10,000, under a temporary name renamed at the end.
func buildBenchStore(b *testing.B, path string, n int) {
	b.Helper()
	start := time.Now()
	tmp := path + ".tmp" + strconv.Itoa(os.Getpid())
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, tmp, nil)
	if err != nil {
		b.Fatal(err)
	}
	g := newFindingGen(1)
	gen := make(chan []finding.Finding, 2) // generate while the previous batch is written
	go func() {
		defer close(gen)
		for i := 0; i < n; i += 10000 {
			batch := make([]finding.Finding, 0, 10000)
			for j := i; j < min(n, i+10000); j++ {
				batch = append(batch, g.next(j))
			}
			gen <- batch
		}
	}()
	for batch := range gen {
		if _, err := db.UpsertFindings(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d findings in %s (%s)", n, time.Since(start).Round(time.Second), path)
}

// BenchmarkListFindings: the first page of 50 current-ish findings of one
// type with severity at least 7, newest first (target: under 50 ms with
// 1,000,000 findings).
func BenchmarkListFindings(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("findings=%d", n), func(b *testing.B) {
			a := benchAPI(b, n)
			in := &guardduty.ListFindingsInput{DetectorId: aws.String(testDetectorID), MaxResults: aws.Int32(50),
				FindingCriteria: crit(map[string]types.Condition{
					"severity": {Gte: aws.Int32(7)},
					"type":     {Eq: []string{"UnauthorizedAccess:EC2/TorClient"}},
				}),
				SortCriteria: &types.SortCriteria{AttributeName: aws.String("updatedAt"), OrderBy: types.OrderByDesc}}
			ctx := context.Background()
			for b.Loop() {
				out, err := a.ro.ListFindings(ctx, in)
				if err != nil || len(out.FindingIds) != 50 {
					b.Fatalf("ListFindings = %d ids, %v", len(out.FindingIds), err)
				}
			}
		})
	}
}

// BenchmarkFindingsStatistics: COUNT_BY_SEVERITY and groupBy FINDING_TYPE
// over every finding (target: under 200 ms with 1,000,000 findings), and
// for comparison the groupings that read more than the group counts.
func BenchmarkFindingsStatistics(b *testing.B) {
	det := aws.String(testDetectorID)
	cases := []struct {
		name string
		in   *guardduty.GetFindingsStatisticsInput
	}{
		{"COUNT_BY_SEVERITY", &guardduty.GetFindingsStatisticsInput{DetectorId: det,
			FindingStatisticTypes: []types.FindingStatisticType{types.FindingStatisticTypeCountBySeverity}}},
		{"FINDING_TYPE", &guardduty.GetFindingsStatisticsInput{DetectorId: det, GroupBy: types.GroupByTypeFindingType}},
		{"FINDING_TYPE current", &guardduty.GetFindingsStatisticsInput{DetectorId: det, GroupBy: types.GroupByTypeFindingType,
			FindingCriteria: crit(map[string]types.Condition{"service.archived": {Eq: []string{"false"}}})}},
		{"DATE", &guardduty.GetFindingsStatisticsInput{DetectorId: det, GroupBy: types.GroupByTypeDate}},
		{"RESOURCE", &guardduty.GetFindingsStatisticsInput{DetectorId: det, GroupBy: types.GroupByTypeResource}},
	}
	for _, n := range benchSizes() {
		for _, c := range cases {
			b.Run(fmt.Sprintf("findings=%d/%s", n, c.name), func(b *testing.B) {
				a := benchAPI(b, n)
				ctx := context.Background()
				for b.Loop() {
					if _, err := a.ro.GetFindingsStatistics(ctx, c.in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
