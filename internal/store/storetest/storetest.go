// Package storetest is the conformance suite for store.Store: every
// implementation (sqlite, later postgres) runs Run from its own tests, so
// they all keep the same contract — merging, atomic file commits, filters,
// sort orders, paging, archiving, state and malware scan records
// (store.ScanStore, which every implementation must also provide) and, when
// the store keeps it, daily usage (store.UsageStore).
//
// It is imported only by tests. It must never depend on an implementation,
// and must test only behaviour the store.Store doc comments promise.
package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store"
)

// Run runs the conformance suite. open must return a new, empty store for
// each call; Run closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"UpsertInsert", testUpsertInsert},
		{"UpsertMerge", testUpsertMerge},
		{"UpsertBatchSameID", testUpsertBatchSameID},
		{"UpsertEmptyID", testUpsertEmptyID},
		{"ConcurrentUpserts", testConcurrentUpserts},
		{"CommitFile", testCommitFile},
		{"CommitFileAtomic", testCommitFileAtomic},
		{"CommitFileTwice", testCommitFileTwice},
		{"GetFindingNotFound", testGetFindingNotFound},
		{"ListFilters", testListFilters},
		{"ListSorts", testListSorts},
		{"ListPaging", testListPaging},
		{"ListLimits", testListLimits},
		{"ListInvalid", testListInvalid},
		{"SetArchived", testSetArchived},
		{"SetArchivedUnknown", testSetArchivedUnknown},
		{"State", testState},
		{"ScanPutGet", scans(testScanPutGet)},
		{"ScanPutReplaces", scans(testScanPutReplaces)},
		{"ScanPutInvalid", scans(testScanPutInvalid)},
		{"ScanDone", scans(testScanDone)},
		{"ScanListFilters", scans(testScanListFilters)},
		{"ScanListPaging", scans(testScanListPaging)},
		{"ScanListInvalid", scans(testScanListInvalid)},
		{"Pending", testPending},
		{"UsageAdds", usage(testUsageAdds)},
		{"UsageKeys", usage(testUsageKeys)},
		{"UsageRange", usage(testUsageRange)},
		{"UsageConcurrent", usage(testUsageConcurrent)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close() = %v", err)
				}
			})
			tt.fn(t, s)
		})
	}
}

// t0 is the time fixtures start at.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589_000_000, time.UTC)

// cmpFinding compares findings as a store keeps them: without the
// aggregation key, which is not part of the wire format.
var cmpFinding = cmpopts.IgnoreFields(finding.Finding{}, "AggregationKey")

// newFinding returns a realistic finding of one occurrence at time at.
func newFinding(account, region, typ, key string, sev float64, at time.Time) finding.Finding {
	id := finding.ID(account, region, typ, key)
	return finding.Finding{
		AccountID:     account,
		Arn:           finding.ARN("aws", region, account, "detector1", id),
		CreatedAt:     finding.At(at),
		Description:   "occurrence at " + at.Format(time.RFC3339),
		ID:            id,
		Partition:     "aws",
		Region:        region,
		Resource:      finding.Resource{ResourceType: finding.ResourceAccessKey, AccessKeyDetails: &finding.AccessKeyDetails{UserName: key}},
		SchemaVersion: finding.SchemaVersion,
		Service: finding.Service{
			Count:          1,
			DetectorID:     "detector1",
			EventFirstSeen: finding.At(at),
			EventLastSeen:  finding.At(at),
			ResourceRole:   finding.RoleTarget,
			ServiceName:    "guardduty",
		},
		Severity:       sev,
		Title:          typ + " " + key,
		Type:           typ,
		UpdatedAt:      finding.At(at),
		AggregationKey: key,
	}
}

// upsert stores fs and fails the test on error.
func upsert(t *testing.T, s store.Store, fs ...finding.Finding) int {
	t.Helper()
	n, err := s.UpsertFindings(t.Context(), fs)
	if err != nil {
		t.Fatalf("UpsertFindings(%d findings) = %v", len(fs), err)
	}
	return n
}

// get reads one finding and fails the test on error.
func get(t *testing.T, s store.Store, id string) finding.Finding {
	t.Helper()
	f, err := s.GetFinding(t.Context(), id)
	if err != nil {
		t.Fatalf("GetFinding(%q) = %v", id, err)
	}
	return f
}

// ids returns the ids of fs in order.
func ids(fs []finding.Finding) []string {
	out := make([]string, len(fs))
	for i := range fs {
		out[i] = fs[i].ID
	}
	return out
}

// diff is cmp.Diff for findings.
func diff(want, got any) string { return cmp.Diff(want, got, cmpFinding) }

func keyOf(i int) string { return fmt.Sprintf("key-%03d", i) }
