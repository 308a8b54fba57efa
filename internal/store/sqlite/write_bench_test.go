package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

func benchFinding(i int, at time.Time) finding.Finding {
	f := finding.Finding{ID: fmt.Sprintf("%032x", i), Type: "Recon:EC2/Portscan", Severity: 5, AccountID: fmt.Sprintf("1000000000%02d", i%50),
		Region: "us-east-1", SchemaVersion: "2.0", CreatedAt: finding.At(at), UpdatedAt: finding.At(at)}
	f.Resource.ResourceType = finding.ResourceInstance
	f.Resource.InstanceDetails = &finding.InstanceDetails{InstanceID: fmt.Sprintf("i-%017x", i)}
	f.Service.Count = 1
	return f
}

// BenchmarkUpsertNewFindings: writing new findings, in transactions of
// 100, to a store of 20,000 (every index, the statistics triggers and the
// notification change feed included). Reports µs per finding.
func BenchmarkUpsertNewFindings(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "vigil.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	next := 0
	batch := func(n int) []finding.Finding {
		fs := make([]finding.Finding, n)
		for i := range fs {
			fs[i] = benchFinding(next, t0.Add(time.Duration(next)*time.Second))
			next++
		}
		return fs
	}
	for range 200 {
		if _, err := db.UpsertFindings(ctx, batch(100)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := db.UpsertFindings(ctx, batch(100)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*100), "µs/finding")
}
