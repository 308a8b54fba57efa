package storetest

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store"
)

// listTypes has prefixes that share leading text, a lowercase twin (prefix
// filters are case-sensitive) and LIKE wildcards (they are literal).
var listTypes = []string{
	"Recon:EC2/PortProbeUnprotectedPort",
	"Recon:IAMUser/MaliciousIPCaller",
	typeSSH,
	"UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B",
	"Policy:S3/BucketBlockPublicAccessDisabled",
	"recon:ec2/lowercase",
	"Custom:EC2/100%_Match",
}

// listFixture stores and returns findings that differ in every filtered
// and sorted attribute, with ties in each sort key.
func listFixture(t *testing.T, s store.Store) []finding.Finding {
	t.Helper()
	sevs := []float64{2, 5, 5, 8, 8.5, 9}
	var fs []finding.Finding
	for i := range 23 {
		account := []string{acct1, acct2}[i%2]
		region := []string{useast1, euwest1}[(i/2)%2]
		f := newFinding(account, region, listTypes[i%len(listTypes)], keyOf(i), sevs[i%len(sevs)], t0)
		f.CreatedAt = finding.At(t0.Add(-time.Duration(i%4) * time.Hour))
		f.UpdatedAt = finding.At(t0.Add(time.Duration(i%5) * time.Hour))
		f.Service.Count = 1 + i%3
		f.Service.Archived = i%3 == 0
		f.Resource = listResource(i)
		fs = append(fs, f)
	}
	upsert(t, s, fs...)
	return fs
}

// listResource varies the resource of listFixture's i-th finding: access
// keys of users (alice's in several), instances (some acting with alice's
// role session), buckets (the first is the resource's id), functions and
// a type without an id.
func listResource(i int) finding.Resource {
	user := keyOf(i)
	if i%5 == 0 {
		user = "alice"
	}
	switch i % 5 {
	case 1:
		r := finding.Resource{ResourceType: finding.ResourceInstance, InstanceDetails: &finding.InstanceDetails{InstanceID: fmt.Sprintf("i-%017d", i%3)}}
		if i%2 == 1 {
			r.AccessKeyDetails = &finding.AccessKeyDetails{AccessKeyID: "ASIAROLESESSION00001", UserName: "alice"}
		}
		return r
	case 2:
		return finding.Resource{ResourceType: finding.ResourceS3Bucket, S3BucketDetails: []finding.S3BucketDetail{
			{Name: fmt.Sprintf("bucket-%d", i%2)}, {Name: "shared-bucket"}}}
	case 3:
		return finding.Resource{ResourceType: finding.ResourceLambda, LambdaDetails: &finding.LambdaDetails{FunctionName: "resize"}}
	case 4:
		if i%2 == 0 {
			return finding.Resource{ResourceType: "EKSCluster"}
		}
	}
	return finding.Resource{ResourceType: finding.ResourceAccessKey,
		AccessKeyDetails: &finding.AccessKeyDetails{AccessKeyID: fmt.Sprintf("AKIAEXAMPLE%09d", i%4), UserName: user}}
}

// sortValue orders findings by a finding.Sort* attribute.
var sortValue = map[string]func(a, b *finding.Finding) int{
	finding.SortSeverity:  func(a, b *finding.Finding) int { return cmp.Compare(a.Severity, b.Severity) },
	finding.SortUpdatedAt: func(a, b *finding.Finding) int { return a.UpdatedAt.Compare(b.UpdatedAt.Time) },
	finding.SortCreatedAt: func(a, b *finding.Finding) int { return a.CreatedAt.Compare(b.CreatedAt.Time) },
	finding.SortType:      func(a, b *finding.Finding) int { return strings.Compare(a.Type, b.Type) },
	finding.SortCount:     func(a, b *finding.Finding) int { return cmp.Compare(a.Service.Count, b.Service.Count) },
}

// expect returns the ids of the findings q selects, in q's order, as the
// store.Store contract defines it.
func expect(fs []finding.Finding, q finding.Query) []string {
	sortBy, desc := q.SortBy, q.Desc
	if sortBy == "" {
		sortBy, desc = finding.SortUpdatedAt, true
	}
	var sel []finding.Finding
	for i := range fs {
		if q.Match(&fs[i]) {
			sel = append(sel, fs[i])
		}
	}
	slices.SortFunc(sel, func(a, b finding.Finding) int {
		c := cmp.Or(sortValue[sortBy](&a, &b), strings.Compare(a.ID, b.ID))
		if desc {
			return -c
		}
		return c
	})
	return ids(sel)
}

func sortedIDs(fs ...finding.Finding) []string {
	return slices.Sorted(slices.Values(ids(fs)))
}

// list runs one ListFindings and fails the test on error.
func list(t *testing.T, s store.Store, q finding.Query) ([]finding.Finding, string) {
	t.Helper()
	got, next, err := s.ListFindings(t.Context(), q)
	if err != nil {
		t.Fatalf("ListFindings(%+v) = %v", q, err)
	}
	return got, next
}

func ptr[T any](v T) *T { return &v }

func testListFilters(t *testing.T, s store.Store) {
	fs := listFixture(t, s)
	tests := []finding.Query{
		{},
		{MinSeverity: 5},
		{MaxSeverity: 8},
		{MinSeverity: 5, MaxSeverity: 8.5},
		{MinSeverity: 9.5},
		{TypePrefix: "Recon:"},
		{TypePrefix: "Recon:EC2/"},
		{TypePrefix: "recon"},
		{TypePrefix: "Custom:EC2/100%"},
		{TypePrefix: "Custom:EC2/1_0"},
		{TypePrefix: "Recon:EC2/Port%"},
		{TypePrefix: typeSSH},
		{TypePrefix: typeSSH + "X"},
		{AccountID: acct2},
		{AccountID: "999999999999"},
		{Region: euwest1},
		{Archived: ptr(true)},
		{Archived: ptr(false)},
		{AccountID: acct1, Region: useast1, Archived: ptr(false), MinSeverity: 5},
		{TypePrefix: "Unauthorized", AccountID: acct2, MaxSeverity: 9},
		{Resource: "AKIAEXAMPLE000000001"},
		{Resource: "alice"},
		{Resource: "ASIAROLESESSION00001"}, // the credentials an instance used
		{Resource: "i-00000000000000001"},
		{Resource: "bucket-0"},
		{Resource: "shared-bucket"}, // only the first bucket is the id
		{Resource: "resize"},
		{Resource: "nobody"},
		{Resource: "alice", Archived: ptr(false), MinSeverity: 5},
		{UpdatedFrom: t0.Add(2 * time.Hour)},
		{UpdatedFrom: t0.Add(2*time.Hour + time.Microsecond)}, // the same millisecond
		{UpdatedTo: t0.Add(2 * time.Hour)},
		{UpdatedFrom: t0.Add(time.Hour), UpdatedTo: t0.Add(3 * time.Hour)},
		{UpdatedFrom: t0.Add(5 * time.Hour)},
		{UpdatedFrom: t0.Add(time.Hour), Resource: "resize", TypePrefix: "Recon:"},
	}
	for _, q := range tests {
		q.Limit = 1000
		got, next := list(t, s, q)
		if d := diff(expect(fs, q), ids(got)); d != "" {
			t.Errorf("ListFindings(%+v) ids mismatch (-want +got):\n%s", q, d)
		}
		if next != "" {
			t.Errorf("ListFindings(%+v) next token = %q, want \"\" (one page)", q, next)
		}
	}
	// The findings come back whole.
	got, _ := list(t, s, finding.Query{TypePrefix: listTypes[0], SortBy: finding.SortType})
	want := slices.DeleteFunc(slices.Clone(fs), func(f finding.Finding) bool { return f.Type != listTypes[0] })
	slices.SortFunc(want, func(a, b finding.Finding) int { return strings.Compare(a.ID, b.ID) })
	if d := diff(want, got); d != "" {
		t.Errorf("ListFindings(type %s) findings mismatch (-want +got):\n%s", listTypes[0], d)
	}
}

// sorts lists every sort order, including the default.
func sorts() []finding.Query {
	qs := []finding.Query{{}, {Desc: true}}
	for _, by := range []string{finding.SortSeverity, finding.SortUpdatedAt, finding.SortCreatedAt, finding.SortType, finding.SortCount} {
		qs = append(qs, finding.Query{SortBy: by}, finding.Query{SortBy: by, Desc: true})
	}
	return qs
}

func testListSorts(t *testing.T, s store.Store) {
	fs := listFixture(t, s)
	for _, q := range sorts() {
		got, _ := list(t, s, q)
		if d := diff(expect(fs, q), ids(got)); d != "" {
			t.Errorf("ListFindings(%+v) order mismatch (-want +got):\n%s", q, d)
		}
	}
}

func testListPaging(t *testing.T, s store.Store) {
	fs := listFixture(t, s)
	for _, q := range sorts() {
		for _, limit := range []int{1, 4, 23, 50} {
			for _, filter := range []finding.Query{{}, {Archived: ptr(false), MinSeverity: 5},
				{Resource: "alice", UpdatedFrom: t0.Add(time.Hour)}} {
				pq := q
				pq.Limit, pq.Archived, pq.MinSeverity = limit, filter.Archived, filter.MinSeverity
				pq.Resource, pq.UpdatedFrom = filter.Resource, filter.UpdatedFrom
				if d := diff(expect(fs, pq), pageAll(t, s, pq)); d != "" {
					t.Errorf("paging ListFindings(%+v) mismatch (-want +got):\n%s", pq, d)
				}
			}
		}
	}
}

// pageAll follows page tokens to the end and returns the ids seen.
func pageAll(t *testing.T, s store.Store, q finding.Query) []string {
	t.Helper()
	var all []string
	for page := 0; ; page++ {
		if page > 100 {
			t.Fatalf("ListFindings(%+v): more than 100 pages, tokens do not advance", q)
		}
		got, next := list(t, s, q)
		if len(got) > q.Limit {
			t.Errorf("ListFindings(%+v) returned %d findings, want at most %d", q, len(got), q.Limit)
		}
		all = append(all, ids(got)...)
		if next == "" {
			return all
		}
		if len(got) == 0 {
			t.Fatalf("ListFindings(%+v) = empty page with next token %q", q, next)
		}
		q.PageToken = next
	}
}

func testListLimits(t *testing.T, s store.Store) {
	var fs []finding.Finding
	for i := range 1005 {
		fs = append(fs, newFinding(acct1, useast1, typeSSH, keyOf(i), finding.SeverityLow, t0.Add(time.Duration(i)*time.Second)))
	}
	upsert(t, s, fs...)
	tests := []struct {
		q        finding.Query
		want     int
		wantNext bool
	}{
		{finding.Query{}, 50, true}, // default limit
		{finding.Query{Limit: 7}, 7, true},
		{finding.Query{Limit: 5000}, 1000, true}, // capped
		{finding.Query{Limit: 1005}, 1000, true},
		{finding.Query{Limit: 1000, MinSeverity: 1}, 1000, true},
		{finding.Query{Limit: 1000, AccountID: acct2}, 0, false},
	}
	for _, tt := range tests {
		got, next := list(t, s, tt.q)
		if len(got) != tt.want || (next != "") != tt.wantNext {
			t.Errorf("ListFindings(%+v) = %d findings, next %q; want %d, next token %v", tt.q, len(got), next, tt.want, tt.wantNext)
		}
	}
	q := finding.Query{Limit: 5000}
	if got := pageAll(t, s, q); len(got) != len(fs) {
		t.Errorf("paging ListFindings(%+v) = %d findings, want %d", q, len(got), len(fs))
	}
}

func testListInvalid(t *testing.T, s store.Store) {
	listFixture(t, s)
	_, sevToken := list(t, s, finding.Query{SortBy: finding.SortSeverity, Limit: 2})
	if sevToken == "" {
		t.Fatal("ListFindings(severity, limit 2) returned no next token")
	}
	b64 := base64.RawURLEncoding.EncodeToString
	tests := []finding.Query{
		{SortBy: "severityy"},
		{SortBy: "Severity"},
		{SortBy: "id"},
		{Limit: -1},
		{PageToken: "!!! not base64 !!!"},
		{PageToken: b64([]byte("garbage"))},
		{PageToken: b64([]byte(`{}`))},
		{PageToken: sevToken},                           // default order is updatedAt
		{SortBy: finding.SortType, PageToken: sevToken}, // another attribute
		{SortBy: finding.SortSeverity, Desc: true, PageToken: sevToken}, // another direction
	}
	for _, q := range tests {
		got, next, err := s.ListFindings(t.Context(), q)
		if err == nil {
			t.Errorf("ListFindings(%+v) = %d findings, %q, nil error; want an error", q, len(got), next)
		}
	}
	q := finding.Query{SortBy: finding.SortSeverity, Limit: 2, PageToken: sevToken}
	if _, _, err := s.ListFindings(t.Context(), q); err != nil {
		t.Errorf("ListFindings(%+v) = %v, want the next page", q, err)
	}
}
