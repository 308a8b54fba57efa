package api

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	gojson "github.com/goccy/go-json"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

// The SQLite store implements the API's optional store interfaces.
var (
	_ findingCounter = (*sqlite.DB)(nil)
	_ keyLister      = (*sqlite.DB)(nil)
	_ feedbackSetter = (*sqlite.DB)(nil)
)

// findingGen makes varied, realistic findings from the registered
// detectors' samples: every type, severities within each type's band,
// accounts, regions, instance ids, access keys, buckets, functions, remote
// IPs, updatedAt spread over 90 days, some archived. It is deterministic
// for a seed.
type findingGen struct {
	rnd       *rand.Rand
	templates [][]byte // sample finding JSON, per definition
	defs      []detect.Definition
	accounts  []string
	regions   []string
	base      time.Time // the newest updatedAt
	resources int       // distinct resources per resource type
}

func newFindingGen(seed uint64) *findingGen {
	g := &findingGen{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		regions: []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"},
		base:    time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC), resources: 500}
	for i := range 12 {
		g.accounts = append(g.accounts, fmt.Sprintf("1000000000%02d", i))
	}
	dets := detect.Registered()
	for _, def := range detect.Definitions(dets) {
		_, d, _ := detect.Lookup(dets, def.Type)
		b, err := gojson.Marshal(detect.SampleFinding(d, def, "x", "x", testDetectorID, g.base))
		if err != nil {
			panic(err)
		}
		g.templates = append(g.templates, b)
		g.defs = append(g.defs, def)
	}
	return g
}

// next returns the finding with index i (its id derives from i).
func (g *findingGen) next(i int) finding.Finding {
	k := g.rnd.IntN(len(g.templates))
	var f finding.Finding
	if err := gojson.Unmarshal(g.templates[k], &f); err != nil {
		panic(err)
	}
	f.AccountID = g.accounts[g.rnd.IntN(len(g.accounts))]
	f.Region = g.regions[g.rnd.IntN(len(g.regions))]
	lvl := finding.LevelOf(g.defs[k].Severity)
	if f.Severity = lvl.Min() + float64(g.rnd.IntN(3)); finding.LevelOf(f.Severity) != lvl {
		f.Severity = g.defs[k].Severity
	}
	res := g.rnd.IntN(g.resources)
	switch {
	case f.Resource.InstanceDetails != nil:
		f.Resource.InstanceDetails.InstanceID = fmt.Sprintf("i-%017x", res)
	case f.Resource.AccessKeyDetails != nil:
		f.Resource.AccessKeyDetails.AccessKeyID = fmt.Sprintf("AKIA%016X", res)
	case f.Resource.LambdaDetails != nil:
		f.Resource.LambdaDetails.FunctionName = fmt.Sprintf("fn-%d", res)
	case len(f.Resource.S3BucketDetails) > 0:
		f.Resource.S3BucketDetails[0].Name = fmt.Sprintf("bucket-%d", res)
	}
	ip := fmt.Sprintf("203.0.%d.%d", g.rnd.IntN(4), g.rnd.IntN(256))
	for _, r := range f.RemoteIPs() {
		r.IPAddressV4 = ip
	}
	updated := g.base.Add(-time.Duration(g.rnd.Int64N(int64(90 * 24 * time.Hour))))
	f.AggregationKey = fmt.Sprintf("gen|%d", i)
	detect.Finish(&f, testDetectorID, "aws", updated, updated)
	f.CreatedAt = finding.At(updated.Add(-time.Duration(g.rnd.Int64N(int64(72 * time.Hour)))))
	f.Service.Count = 1 + g.rnd.IntN(20)
	f.Service.Archived = g.rnd.IntN(10) == 0
	return f
}

// seedFindings stores n generated findings and returns them as stored.
func seedFindings(t testing.TB, a *testAPI, n int) []finding.Finding {
	t.Helper()
	g := newFindingGen(7)
	fs := make([]finding.Finding, n)
	for i := range fs {
		fs[i] = g.next(i)
	}
	if _, err := a.store.UpsertFindings(context.Background(), fs); err != nil {
		t.Fatal(err)
	}
	return fs
}

// listAll pages through ListFindings with the SDK's paginator.
func listAll(t *testing.T, c *guardduty.Client, crit *types.FindingCriteria, sc *types.SortCriteria, pageSize int32) []string {
	t.Helper()
	p := guardduty.NewListFindingsPaginator(c, &guardduty.ListFindingsInput{DetectorId: aws.String(testDetectorID),
		FindingCriteria: crit, SortCriteria: sc, MaxResults: aws.Int32(pageSize)})
	var ids []string
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListFindings: %v", err)
		}
		if len(out.FindingIds) > int(pageSize) {
			t.Fatalf("ListFindings page of %d ids, maxResults %d", len(out.FindingIds), pageSize)
		}
		ids = append(ids, out.FindingIds...)
	}
	return ids
}

func crit(m map[string]types.Condition) *types.FindingCriteria {
	return &types.FindingCriteria{Criterion: m}
}

func ms(t time.Time) *int64 { return aws.Int64(t.UnixMilli()) }

func instanceID(f *finding.Finding) string {
	if d := f.Resource.InstanceDetails; d != nil {
		return d.InstanceID
	}
	return ""
}

// TestListFindingsCriteria lists with every operator, in long and short
// forms, on columns and on fields only the criteria read, and checks each
// listing against a filter written out here: every match exactly once,
// newest first.
func TestListFindingsCriteria(t *testing.T) {
	a := newTestAPI(t)
	fs := seedFindings(t, a, 300)
	counting := &countingStore{DB: a.store}
	a.srv.opts.Store = counting
	f0, f1 := fs[0], fs[1]
	mid := fs[0].UpdatedAt.Time
	ip := f0.RemoteIPs()
	tests := []struct {
		name string
		crit map[string]types.Condition
		want func(f *finding.Finding) bool
	}{
		{"no criteria", nil, func(f *finding.Finding) bool { return true }},
		{"severity gte", map[string]types.Condition{"severity": {Gte: aws.Int32(7)}}, func(f *finding.Finding) bool { return f.Severity >= 7 }},
		{"severity greaterThanOrEqual lessThan", map[string]types.Condition{"severity": {GreaterThanOrEqual: aws.Int64(4), LessThan: aws.Int64(7)}},
			func(f *finding.Finding) bool { return f.Severity >= 4 && f.Severity < 7 }},
		{"severity gt", map[string]types.Condition{"severity": {Gt: aws.Int32(5)}}, func(f *finding.Finding) bool { return f.Severity > 5 }},
		{"severity greaterThan", map[string]types.Condition{"severity": {GreaterThan: aws.Int64(7)}}, func(f *finding.Finding) bool { return f.Severity > 7 }},
		{"severity lt", map[string]types.Condition{"severity": {Lt: aws.Int32(4)}}, func(f *finding.Finding) bool { return f.Severity < 4 }},
		{"severity lte", map[string]types.Condition{"severity": {Lte: aws.Int32(2)}}, func(f *finding.Finding) bool { return f.Severity <= 2 }},
		{"severity lessThanOrEqual", map[string]types.Condition{"severity": {LessThanOrEqual: aws.Int64(5)}}, func(f *finding.Finding) bool { return f.Severity <= 5 }},
		{"severity eq bucket", map[string]types.Condition{"severity": {Eq: []string{"8"}}}, func(f *finding.Finding) bool { return f.Severity >= 8 && f.Severity < 9 }},
		{"type eq", map[string]types.Condition{"type": {Eq: []string{f0.Type}}}, func(f *finding.Finding) bool { return f.Type == f0.Type }},
		{"type equals two", map[string]types.Condition{"type": {Equals: []string{f0.Type, f1.Type}}},
			func(f *finding.Finding) bool { return f.Type == f0.Type || f.Type == f1.Type }},
		{"type neq", map[string]types.Condition{"type": {Neq: []string{f0.Type}}}, func(f *finding.Finding) bool { return f.Type != f0.Type }},
		{"type notEquals", map[string]types.Condition{"type": {NotEquals: []string{f0.Type, f1.Type}}},
			func(f *finding.Finding) bool { return f.Type != f0.Type && f.Type != f1.Type }},
		{"accountId eq", map[string]types.Condition{"accountId": {Eq: []string{f0.AccountID}}}, func(f *finding.Finding) bool { return f.AccountID == f0.AccountID }},
		{"accountId notEquals", map[string]types.Condition{"accountId": {NotEquals: []string{f0.AccountID}}}, func(f *finding.Finding) bool { return f.AccountID != f0.AccountID }},
		{"region and archived", map[string]types.Condition{"region": {Equals: []string{"eu-west-1"}}, "service.archived": {Eq: []string{"true"}}},
			func(f *finding.Finding) bool { return f.Region == "eu-west-1" && f.Service.Archived }},
		{"current", map[string]types.Condition{"service.archived": {Equals: []string{"false"}}}, func(f *finding.Finding) bool { return !f.Service.Archived }},
		{"updatedAt greaterThan", map[string]types.Condition{"updatedAt": {GreaterThan: ms(mid)}}, func(f *finding.Finding) bool { return f.UpdatedAt.After(mid) }},
		{"updatedAt greaterThanOrEqual", map[string]types.Condition{"updatedAt": {GreaterThanOrEqual: ms(mid)}}, func(f *finding.Finding) bool { return !f.UpdatedAt.Before(mid) }},
		{"updatedAt lessThan", map[string]types.Condition{"updatedAt": {LessThan: ms(mid)}}, func(f *finding.Finding) bool { return f.UpdatedAt.Before(mid) }},
		{"updatedAt lessThanOrEqual", map[string]types.Condition{"updatedAt": {LessThanOrEqual: ms(mid)}}, func(f *finding.Finding) bool { return !f.UpdatedAt.After(mid) }},
		{"instanceId eq", map[string]types.Condition{"resource.instanceDetails.instanceId": {Eq: []string{instanceID(&fs[2])}}},
			func(f *finding.Finding) bool { return instanceID(f) == instanceID(&fs[2]) }},
		{"instanceId neq", map[string]types.Condition{"resource.instanceDetails.instanceId": {Neq: []string{instanceID(&fs[2])}}},
			func(f *finding.Finding) bool { return instanceID(f) != instanceID(&fs[2]) }},
		{"resourceType and severity", map[string]types.Condition{"resource.resourceType": {Equals: []string{"Instance"}}, "severity": {Gte: aws.Int32(5)}},
			func(f *finding.Finding) bool { return f.Resource.ResourceType == "Instance" && f.Severity >= 5 }},
		{"remote IP", map[string]types.Condition{"service.action.awsApiCallAction.remoteIpDetails.ipAddressV4": {Eq: []string{ip[0].IPAddressV4}}},
			func(f *finding.Finding) bool {
				a := f.Service.Action
				return a != nil && a.AwsAPICallAction != nil && a.AwsAPICallAction.RemoteIPDetails != nil &&
					a.AwsAPICallAction.RemoteIPDetails.IPAddressV4 == ip[0].IPAddressV4
			}},
		{"severity type account", map[string]types.Condition{"severity": {Gte: aws.Int32(7)}, "type": {Eq: []string{f0.Type}}, "accountId": {Neq: []string{f1.AccountID}}},
			func(f *finding.Finding) bool {
				return f.Severity >= 7 && f.Type == f0.Type && f.AccountID != f1.AccountID
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []finding.Finding
			for i := range fs {
				if tt.want(&fs[i]) {
					want = append(want, fs[i])
				}
			}
			sortFindings(want, func(f *finding.Finding) any { return f.UpdatedAt.UnixMilli() }, true)
			var c *types.FindingCriteria
			if tt.crit != nil {
				c = crit(tt.crit)
			}
			if len(want) == 0 {
				t.Fatalf("no finding matches; the test needs some")
			}
			counting.keyLists = 0
			got := listAll(t, a.ro, c, nil, 23)
			if !slices.Equal(got, ids(want)) {
				t.Errorf("ListFindings(%s) = %d ids, want %d (newest first, each once)", tt.name, len(got), len(want))
			}
			keysOnly := true
			for f := range tt.crit {
				keysOnly = keysOnly && slices.Contains(keyFields, f)
			}
			if keysOnly != (counting.keyLists > 0) {
				t.Errorf("ListFindings(%s) listed keys only %d times", tt.name, counting.keyLists)
			}
		})
	}
}

// sortFindings sorts by key and id, both reversed when desc.
func sortFindings(fs []finding.Finding, key func(f *finding.Finding) any, desc bool) {
	slices.SortFunc(fs, func(a, b finding.Finding) int {
		c := cmp.Or(compareAny(key(&a), key(&b)), strings.Compare(a.ID, b.ID))
		if desc {
			return -c
		}
		return c
	})
}

func compareAny(a, b any) int {
	switch x := a.(type) {
	case float64:
		return cmp.Compare(x, b.(float64))
	case int64:
		return cmp.Compare(x, b.(int64))
	case int:
		return cmp.Compare(x, b.(int))
	}
	return strings.Compare(a.(string), b.(string))
}

func ids(fs []finding.Finding) []string {
	out := make([]string, len(fs))
	for i := range fs {
		out[i] = fs[i].ID
	}
	return out
}

// TestListFindingsSort sorts by the store's attributes and by others
// (in memory), both ways, through every page.
func TestListFindingsSort(t *testing.T) {
	a := newTestAPI(t)
	fs := seedFindings(t, a, 250)
	tests := []struct {
		attr string
		key  func(f *finding.Finding) any
	}{
		{"severity", func(f *finding.Finding) any { return f.Severity }},
		{"updatedAt", func(f *finding.Finding) any { return f.UpdatedAt.UnixMilli() }},
		{"createdAt", func(f *finding.Finding) any { return f.CreatedAt.UnixMilli() }},
		{"type", func(f *finding.Finding) any { return f.Type }},
		{"service.count", func(f *finding.Finding) any { return f.Service.Count }},
		{"accountId", func(f *finding.Finding) any { return f.AccountID }},
		{"resource.instanceDetails.instanceId", func(f *finding.Finding) any { return instanceID(f) }},
		{"service.eventLastSeen", func(f *finding.Finding) any { return f.Service.EventLastSeen.UnixMilli() }},
	}
	for _, tt := range tests {
		for _, order := range []types.OrderBy{types.OrderByAsc, types.OrderByDesc} {
			t.Run(tt.attr+" "+string(order), func(t *testing.T) {
				want := slices.Clone(fs)
				sortFindings(want, tt.key, order == types.OrderByDesc)
				got := listAll(t, a.admin, nil, &types.SortCriteria{AttributeName: aws.String(tt.attr), OrderBy: order}, 37)
				if !slices.Equal(got, ids(want)) {
					t.Errorf("ListFindings sorted by %s %s: wrong order or set (%d ids, want %d)", tt.attr, order, len(got), len(want))
				}
			})
		}
	}
}

// TestListFindingsShortPages: with criteria that match few findings among
// many the store cannot filter, each page reads about scanBudget findings
// and may come back short (even empty) with a nextToken, and the
// paginator still gets every match once.
func TestListFindingsShortPages(t *testing.T) {
	a := newTestAPI(t)
	fs := seedFindings(t, a, 300)
	defer setScanBudget(40)()
	target := instanceID(&fs[slices.IndexFunc(fs, func(f finding.Finding) bool { return instanceID(&f) != "" })])
	var want []finding.Finding
	for i := range fs {
		if instanceID(&fs[i]) == target {
			want = append(want, fs[i])
		}
	}
	sortFindings(want, func(f *finding.Finding) any { return f.UpdatedAt.UnixMilli() }, true)
	in := &guardduty.ListFindingsInput{DetectorId: aws.String(testDetectorID), MaxResults: aws.Int32(50),
		FindingCriteria: crit(map[string]types.Condition{"resource.instanceDetails.instanceId": {Eq: []string{target}}})}
	var got []string
	pages := 0
	for p := guardduty.NewListFindingsPaginator(a.admin, in); p.HasMorePages(); pages++ {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.FindingIds...)
	}
	if len(want) == 0 || !slices.Equal(got, ids(want)) {
		t.Errorf("ListFindings by instance = %v, want %v", got, ids(want))
	}
	if pages < 300/50 {
		t.Errorf("ListFindings by instance took %d pages; with a budget of 40 findings read per page, want at least %d", pages, 300/50)
	}
}

// setScanBudget lowers ListFindings's scan budget until the returned
// function restores it.
func setScanBudget(n int) func() {
	old := scanBudget
	scanBudget = n
	return func() { scanBudget = old }
}

// TestListFindingsTokens: a nextToken continues only its own listing on
// its own server; anything else is a BadRequestException, never a 500.
func TestListFindingsTokens(t *testing.T) {
	a := newTestAPI(t)
	seedFindings(t, a, 60)
	ctx := context.Background()
	c := crit(map[string]types.Condition{"severity": {Gte: aws.Int32(1)}})
	first, err := a.admin.ListFindings(ctx, &guardduty.ListFindingsInput{DetectorId: aws.String(testDetectorID),
		FindingCriteria: c, MaxResults: aws.Int32(10)})
	if err != nil || first.NextToken == nil || *first.NextToken == "" {
		t.Fatalf("first page = %+v, %v; want a nextToken", first, err)
	}
	tok := *first.NextToken
	flip := func(i int) string {
		b := []byte(tok)
		b[i] ^= 0x01
		return string(b)
	}
	other := newTestAPI(t)
	seedFindings(t, other, 60)
	tests := []struct {
		name   string
		client *guardduty.Client
		tok    string
		crit   *types.FindingCriteria
		sort   *types.SortCriteria
	}{
		{"payload altered", a.admin, flip(3), c, nil},
		{"signature altered", a.admin, flip(len(tok) - 2), c, nil},
		{"garbage", a.admin, "not-a-token", c, nil},
		{"other criteria", a.admin, tok, crit(map[string]types.Condition{"severity": {Gte: aws.Int32(2)}}), nil},
		{"other sort", a.admin, tok, c, &types.SortCriteria{AttributeName: aws.String("severity"), OrderBy: types.OrderByAsc}},
		{"other installation", other.admin, tok, c, nil},
	}
	for _, tt := range tests {
		_, err := tt.client.ListFindings(ctx, &guardduty.ListFindingsInput{DetectorId: aws.String(testDetectorID),
			FindingCriteria: tt.crit, SortCriteria: tt.sort, MaxResults: aws.Int32(10), NextToken: aws.String(tt.tok)})
		if apiErrorCode(err) != TypeBadRequest || !strings.Contains(err.Error(), "invalid nextToken") {
			t.Errorf("%s: ListFindings = %v, want BadRequestException invalid nextToken", tt.name, err)
		}
	}
	// A server started again on the same store (a restart) takes the
	// token: its key is kept in the settings.
	again := New(Options{DetectorID: testDetectorID, AccountID: "111122223333", Store: a.store, Users: NewUsers([]User{testAdmin, testReadOnly})})
	hs := httptest.NewServer(again.Handler())
	defer hs.Close()
	if p, err := sdkClient(hs.URL, testAdmin).ListFindings(ctx, &guardduty.ListFindingsInput{DetectorId: aws.String(testDetectorID),
		FindingCriteria: c, MaxResults: aws.Int32(10), NextToken: aws.String(tok)}); err != nil || len(p.FindingIds) != 10 {
		t.Errorf("after a restart, the nextToken gives %v, %v", p, err)
	}
	// The token works with its own criteria, sent with members in any order.
	next, err := a.ro.ListFindings(ctx, &guardduty.ListFindingsInput{DetectorId: aws.String(testDetectorID),
		FindingCriteria: c, MaxResults: aws.Int32(10), NextToken: aws.String(tok)})
	if err != nil || len(next.FindingIds) != 10 || slices.Contains(next.FindingIds, first.FindingIds[9]) {
		t.Errorf("second page = %v, %v", next, err)
	}
}

// callRaw sends body to path signed as the administrator and returns the
// status, error type and body.
func callRaw(t *testing.T, a *testAPI, path, body string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.http.URL+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: testAdmin.AccessKeyID, SecretAccessKey: testAdmin.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "guardduty", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), b
}

// TestFindingsBadInput: malformed or out-of-range input is a 400
// BadRequestException with a message, for every operation.
func TestFindingsBadInput(t *testing.T) {
	a := newTestAPI(t)
	seedFindings(t, a, 5)
	d := "/detector/" + testDetectorID + "/findings"
	many := `["` + strings.Repeat(`x","`, 50) + `x"]`
	tests := []struct{ path, body string }{
		{d, `{"findingCriteria":`},
		{d, `{"findingCriteria":{"criterion":{"severity":{"gte":"seven"}}}}`},
		{d, `{"findingCriteria":{"criterion":{"noSuchField":{"eq":["x"]}}}}`},
		{d, `{"findingCriteria":{"criteria":{}}}`},
		{d, `{"findingCriteria":{"criterion":{"severity":{"between":[1,2]}}}}`},
		{d, `{"findingCriteria":[]}`},
		{d, `{"maxResults":0}`},
		{d, `{"maxResults":51}`},
		{d, `{"maxResults":"ten"}`},
		{d, `{"maxResults":1e40}`},
		{d, `{"sortCriteria":{"attributeName":"noSuchField"}}`},
		{d, `{"sortCriteria":{"attributeName":"severity","orderBy":"UP"}}`},
		{d, `{"nextToken":"%%%"}`},
		{d, `{"nextToken":7}`},
		{d + "/get", `{}`},
		{d + "/get", `{"findingIds":` + many + `}`},
		{d + "/get", `{"findingIds":[""]}`},
		{d + "/get", `{"findingIds":"abc"}`},
		{d + "/get", `{"findingIds":["a"],"sortCriteria":{"attributeName":"x.y"}}`},
		{d + "/statistics", `{}`},
		{d + "/statistics", `{"findingStatisticTypes":["COUNT_BY_TYPE"]}`},
		{d + "/statistics", `{"groupBy":"REGION"}`},
		{d + "/statistics", `{"groupBy":"ACCOUNT","maxResults":101}`},
		{d + "/statistics", `{"groupBy":"ACCOUNT","orderBy":"UP"}`},
		{d + "/statistics", `{"findingStatisticTypes":["COUNT_BY_SEVERITY"],"orderBy":"ASC"}`},
		{d + "/statistics", `{"groupBy":"SEVERITY","findingCriteria":{"criterion":{"severity":{"gte":true}}}}`},
		{d + "/archive", `{"findingIds":[]}`},
		{d + "/archive", `{"findingIds":["no-such-finding"]}`},
		{d + "/unarchive", `{"findingIds":` + many + `}`},
		{d + "/feedback", `{"findingIds":["x"],"feedback":"GREAT"}`},
		{d + "/feedback", `{"findingIds":["no-such-finding"],"feedback":"USEFUL"}`},
		{d + "/feedback", `{"feedback":"USEFUL"}`},
		{d + "/create", `{"findingTypes":["Recon:EC2/NoSuchThing"]}`},
		{d + "/create", `{"findingTypes":` + many + `}`},
		{d + "/create", `{"findingTypes":{}}`},
		{"/detector/ffffffffffffffffffffffffffffffff/findings", `{}`},
	}
	for _, tt := range tests {
		status, typ, body := callRaw(t, a, tt.path, tt.body)
		var msg struct{ Message string }
		json.Unmarshal(body, &msg)
		if status != http.StatusBadRequest || typ != TypeBadRequest || msg.Message == "" {
			t.Errorf("POST %s %s = %d %s %s, want 400 BadRequestException with a message", tt.path, tt.body, status, typ, body)
		}
	}
}

// TestGetFindings: findings come back as stored, in GuardDuty's JSON,
// unknown ids left out, sorted on request; the SDK decodes them.
func TestGetFindings(t *testing.T) {
	a := newTestAPI(t)
	fs := seedFindings(t, a, 20)
	ctx := context.Background()
	want := []string{fs[3].ID, fs[1].ID, fs[7].ID}
	status, _, body := callRaw(t, a, "/detector/"+testDetectorID+"/findings/get",
		`{"findingIds":["`+fs[3].ID+`","unknown-id","`+fs[1].ID+`","`+fs[7].ID+`","`+fs[3].ID+`"]}`)
	var got struct{ Findings []json.RawMessage }
	if err := json.Unmarshal(body, &got); status != http.StatusOK || err != nil || len(got.Findings) != 3 {
		t.Fatalf("GetFindings = %d %s", status, body)
	}
	for i, raw := range got.Findings {
		stored, err := a.store.GetFinding(ctx, want[i])
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(stored)
		var x, y any
		json.Unmarshal(raw, &x)
		json.Unmarshal(b, &y)
		if !reflect.DeepEqual(x, y) {
			t.Errorf("GetFindings[%d] = %s\nwant %s", i, raw, b)
		}
	}
	out, err := a.ro.GetFindings(ctx, &guardduty.GetFindingsInput{DetectorId: aws.String(testDetectorID), FindingIds: want,
		SortCriteria: &types.SortCriteria{AttributeName: aws.String("severity"), OrderBy: types.OrderByDesc}})
	if err != nil || len(out.Findings) != 3 {
		t.Fatalf("SDK GetFindings = %v, %v", out, err)
	}
	for i, f := range out.Findings {
		if i > 0 && aws.ToFloat64(f.Severity) > aws.ToFloat64(out.Findings[i-1].Severity) {
			t.Errorf("GetFindings sorted by severity DESC: %v after %v", aws.ToFloat64(f.Severity), aws.ToFloat64(out.Findings[i-1].Severity))
		}
		stored, _ := a.store.GetFinding(ctx, aws.ToString(f.Id))
		if aws.ToString(f.Type) != stored.Type || aws.ToString(f.AccountId) != stored.AccountID || aws.ToString(f.UpdatedAt) != stored.UpdatedAt.String() ||
			aws.ToInt32(f.Service.Count) != int32(stored.Service.Count) || aws.ToString(f.Resource.ResourceType) != stored.Resource.ResourceType {
			t.Errorf("SDK finding %s does not match the stored one", aws.ToString(f.Id))
		}
	}
}

// wantStats computes findingStatistics of fs here, independently of the
// server: groups ordered by total (desc unless asc), ties by key; DATE by
// date.
func wantStats(fs []finding.Finding, match func(f *finding.Finding) bool, groupBy string, asc bool, maxN int) []string {
	type key struct {
		a, b, c string
		sev     float64
		day     time.Time
	}
	type val struct {
		n    int
		last time.Time
	}
	groups := map[key]*val{}
	for i := range fs {
		f := &fs[i]
		if !match(f) {
			continue
		}
		var k key
		switch groupBy {
		case "ACCOUNT":
			k.a = f.AccountID
		case "DATE":
			k.day, k.sev = f.UpdatedAt.UTC().Truncate(24*time.Hour), f.Severity
		case "FINDING_TYPE":
			k.b = f.Type
		case "RESOURCE":
			k.a, k.b = resourceOf(f)
			k.c = f.AccountID
		case "SEVERITY":
			k.sev = f.Severity
		}
		if groups[k] == nil {
			groups[k] = &val{}
		}
		groups[k].n++
		if f.UpdatedAt.After(groups[k].last) {
			groups[k].last = f.UpdatedAt.Time
		}
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y key) int {
		c := cmp.Compare(groups[x].n, groups[y].n)
		if groupBy == "DATE" {
			c = x.day.Compare(y.day)
		}
		if !asc {
			c = -c
		}
		return cmp.Or(c, strings.Compare(x.a, y.a), strings.Compare(x.b, y.b), strings.Compare(x.c, y.c), x.day.Compare(y.day), cmp.Compare(x.sev, y.sev))
	})
	var out []string
	for _, k := range keys[:min(len(keys), maxN)] {
		g := groups[k]
		switch groupBy {
		case "ACCOUNT":
			out = append(out, fmt.Sprintf("%s %d %d", k.a, g.n, g.last.UnixMilli()))
		case "DATE":
			out = append(out, fmt.Sprintf("%s %.1f %d %d", k.day.Format(time.DateOnly), k.sev, g.n, g.last.UnixMilli()))
		case "FINDING_TYPE":
			out = append(out, fmt.Sprintf("%s %d %d", k.b, g.n, g.last.UnixMilli()))
		case "RESOURCE":
			out = append(out, fmt.Sprintf("%s %s %s %d %d", k.a, k.b, k.c, g.n, g.last.UnixMilli()))
		case "SEVERITY":
			out = append(out, fmt.Sprintf("%.1f %d %d", k.sev, g.n, g.last.UnixMilli()))
		}
	}
	return out
}

// gotStats formats the SDK's findingStatistics as wantStats does.
func gotStats(s *types.FindingStatistics) []string {
	var out []string
	last := func(t *time.Time) int64 { return aws.ToTime(t).UnixMilli() }
	for _, g := range s.GroupedByAccount {
		out = append(out, fmt.Sprintf("%s %d %d", aws.ToString(g.AccountId), aws.ToInt32(g.TotalFindings), last(g.LastGeneratedAt)))
	}
	for _, g := range s.GroupedByDate {
		out = append(out, fmt.Sprintf("%s %.1f %d %d", aws.ToTime(g.Date).UTC().Format(time.DateOnly), aws.ToFloat64(g.Severity), aws.ToInt32(g.TotalFindings), last(g.LastGeneratedAt)))
	}
	for _, g := range s.GroupedByFindingType {
		out = append(out, fmt.Sprintf("%s %d %d", aws.ToString(g.FindingType), aws.ToInt32(g.TotalFindings), last(g.LastGeneratedAt)))
	}
	for _, g := range s.GroupedByResource {
		out = append(out, fmt.Sprintf("%s %s %s %d %d", aws.ToString(g.ResourceType), aws.ToString(g.ResourceId), aws.ToString(g.AccountId), aws.ToInt32(g.TotalFindings), last(g.LastGeneratedAt)))
	}
	for _, g := range s.GroupedBySeverity {
		out = append(out, fmt.Sprintf("%.1f %d %d", aws.ToFloat64(g.Severity), aws.ToInt32(g.TotalFindings), last(g.LastGeneratedAt)))
	}
	return out
}

// statsCriteria are criteria for statistics: on the columns (answered from
// the store's group counts) and on other fields (findings read one by one).
func statsCriteria(fs []finding.Finding) []struct {
	name  string
	crit  map[string]types.Condition
	match func(f *finding.Finding) bool
} {
	from, to := fs[3].UpdatedAt.Time, fs[4].UpdatedAt.Time
	if to.Before(from) {
		from, to = to, from
	}
	return []struct {
		name  string
		crit  map[string]types.Condition
		match func(f *finding.Finding) bool
	}{
		{"all", nil, func(*finding.Finding) bool { return true }},
		{"updated after", map[string]types.Condition{"updatedAt": {GreaterThan: ms(from)}},
			func(f *finding.Finding) bool { return f.UpdatedAt.After(from) }},
		{"current high", map[string]types.Condition{"service.archived": {Eq: []string{"false"}}, "severity": {Gte: aws.Int32(7)}},
			func(f *finding.Finding) bool { return !f.Service.Archived && f.Severity >= 7 }},
		{"types not account", map[string]types.Condition{"type": {Eq: []string{fs[0].Type, fs[1].Type, fs[2].Type}}, "accountId": {Neq: []string{fs[0].AccountID}}},
			func(f *finding.Finding) bool {
				return (f.Type == fs[0].Type || f.Type == fs[1].Type || f.Type == fs[2].Type) && f.AccountID != fs[0].AccountID
			}},
		{"updated window", map[string]types.Condition{"updatedAt": {GreaterThanOrEqual: ms(from), LessThan: ms(to)}, "severity": {Neq: []string{"5"}}},
			func(f *finding.Finding) bool {
				return !f.UpdatedAt.Before(from) && f.UpdatedAt.Before(to) && (f.Severity < 5 || f.Severity >= 6)
			}},
		{"updated after (read one by one)", map[string]types.Condition{"updatedAt": {Gt: aws.Int32(5)}, "title": {Neq: []string{"x"}},
			"service.eventLastSeen": {GreaterThan: ms(fs[5].Service.EventLastSeen.Time)}},
			func(f *finding.Finding) bool { return f.Service.EventLastSeen.After(fs[5].Service.EventLastSeen.Time) }},
		{"instances (read one by one)", map[string]types.Condition{"resource.resourceType": {Eq: []string{"Instance"}}, "region": {Neq: []string{"us-east-1"}}},
			func(f *finding.Finding) bool { return f.Resource.ResourceType == "Instance" && f.Region != "us-east-1" }},
	}
}

// TestFindingsStatistics checks both request forms against counts made
// here, for every groupBy, both orders, from the store's group counts and
// from findings read one by one.
func TestFindingsStatistics(t *testing.T) {
	a := newTestAPI(t)
	fs := seedFindings(t, a, 400)
	ctx := context.Background()
	counting := &countingStore{DB: a.store}
	a.srv.opts.Store = counting
	for _, sc := range statsCriteria(fs) {
		counting.counts = 0
		var c *types.FindingCriteria
		if sc.crit != nil {
			c = crit(sc.crit)
		}
		out, err := a.ro.GetFindingsStatistics(ctx, &guardduty.GetFindingsStatisticsInput{DetectorId: aws.String(testDetectorID),
			FindingCriteria: c, FindingStatisticTypes: []types.FindingStatisticType{types.FindingStatisticTypeCountBySeverity}})
		if err != nil {
			t.Fatalf("%s: COUNT_BY_SEVERITY: %v", sc.name, err)
		}
		want := map[string]int32{}
		for i := range fs {
			if sc.match(&fs[i]) {
				want[severityKey(fs[i].Severity)]++
			}
		}
		if !maps2Equal(out.FindingStatistics.CountBySeverity, want) {
			t.Errorf("%s: countBySeverity = %v, want %v", sc.name, out.FindingStatistics.CountBySeverity, want)
		}
		for _, groupBy := range []types.GroupByType{"ACCOUNT", "DATE", "FINDING_TYPE", "RESOURCE", "SEVERITY"} {
			for _, order := range []types.OrderBy{"", types.OrderByAsc} {
				maxN := int32(100)
				if order == types.OrderByAsc {
					maxN = 7
				}
				out, err := a.ro.GetFindingsStatistics(ctx, &guardduty.GetFindingsStatisticsInput{DetectorId: aws.String(testDetectorID),
					FindingCriteria: c, GroupBy: groupBy, OrderBy: order, MaxResults: aws.Int32(maxN)})
				if err != nil {
					t.Fatalf("%s: groupBy %s: %v", sc.name, groupBy, err)
				}
				got, want := gotStats(out.FindingStatistics), wantStats(fs, sc.match, string(groupBy), order == types.OrderByAsc, int(maxN))
				if !slices.Equal(got, want) {
					t.Errorf("%s: groupBy %s %s =\n%v\nwant\n%v", sc.name, groupBy, order, head(got), head(want))
				}
			}
		}
		if byGroups := !strings.Contains(sc.name, "one by one"); byGroups != (counting.counts == 11) {
			t.Errorf("%s: the store counted %d times of 11 requests", sc.name, counting.counts)
		}
	}
}

// countingStore counts the calls of the SQLite store's extras.
type countingStore struct {
	*sqlite.DB
	counts, keyLists int
}

func (c *countingStore) ListFindingKeys(ctx context.Context, q finding.Query) ([]finding.Finding, string, error) {
	c.keyLists++
	return c.DB.ListFindingKeys(ctx, q)
}

func (c *countingStore) CountFindings(ctx context.Context, q finding.Query, from, to time.Time, by []string, fn func(*finding.Finding, int) error) error {
	c.counts++
	return c.DB.CountFindings(ctx, q, from, to, by, fn)
}

func maps2Equal(a, b map[string]int32) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func head(s []string) []string { return s[:min(len(s), 8)] }

// TestArchiveAndFeedback archives, unarchives and gives feedback, and
// checks what listings, GetFindings and statistics then show.
func TestArchiveAndFeedback(t *testing.T) {
	a := newTestAPI(t)
	fs := seedFindings(t, a, 120)
	ctx := context.Background()
	det := aws.String(testDetectorID)
	var current []string
	for i := range fs {
		if !fs[i].Service.Archived && len(current) < 3 {
			current = append(current, fs[i].ID)
		}
	}
	archivedIDs := func() []string {
		got := listAll(t, a.ro, crit(map[string]types.Condition{"service.archived": {Eq: []string{"true"}}}), nil, 50)
		slices.Sort(got)
		return got
	}
	countCurrent := func() int32 {
		out, err := a.ro.GetFindingsStatistics(ctx, &guardduty.GetFindingsStatisticsInput{DetectorId: det, GroupBy: "ACCOUNT", MaxResults: aws.Int32(100),
			FindingCriteria: crit(map[string]types.Condition{"service.archived": {Eq: []string{"false"}}})})
		if err != nil {
			t.Fatal(err)
		}
		var n int32
		for _, g := range out.FindingStatistics.GroupedByAccount {
			n += aws.ToInt32(g.TotalFindings)
		}
		return n
	}
	before, currentBefore := archivedIDs(), countCurrent()
	if _, err := a.ro.ArchiveFindings(ctx, &guardduty.ArchiveFindingsInput{DetectorId: det, FindingIds: current}); apiErrorCode(err) != TypeAccessDenied {
		t.Errorf("read-only ArchiveFindings = %v, want AccessDeniedException", err)
	}
	if _, err := a.admin.ArchiveFindings(ctx, &guardduty.ArchiveFindingsInput{DetectorId: det, FindingIds: current}); err != nil {
		t.Fatalf("ArchiveFindings: %v", err)
	}
	want := slices.Sorted(slices.Values(append(slices.Clone(before), current...)))
	if got := archivedIDs(); !slices.Equal(got, want) {
		t.Errorf("archived after ArchiveFindings = %d ids, want %d", len(got), len(want))
	}
	if got := countCurrent(); got != currentBefore-3 {
		t.Errorf("current findings counted after archiving 3 = %d, want %d", got, currentBefore-3)
	}
	if _, err := a.ro.UnarchiveFindings(ctx, &guardduty.UnarchiveFindingsInput{DetectorId: det, FindingIds: current}); apiErrorCode(err) != TypeAccessDenied {
		t.Errorf("read-only UnarchiveFindings = %v, want AccessDeniedException", err)
	}
	if _, err := a.admin.UnarchiveFindings(ctx, &guardduty.UnarchiveFindingsInput{DetectorId: det, FindingIds: current}); err != nil {
		t.Fatalf("UnarchiveFindings: %v", err)
	}
	if got := archivedIDs(); !slices.Equal(got, before) || countCurrent() != currentBefore {
		t.Errorf("after UnarchiveFindings: %d archived, want %d", len(got), len(before))
	}

	fb := &guardduty.UpdateFindingsFeedbackInput{DetectorId: det, FindingIds: current[:2], Feedback: types.FeedbackUseful, Comments: aws.String("true positive")}
	if _, err := a.ro.UpdateFindingsFeedback(ctx, fb); apiErrorCode(err) != TypeAccessDenied {
		t.Errorf("read-only UpdateFindingsFeedback = %v, want AccessDeniedException", err)
	}
	if _, err := a.admin.UpdateFindingsFeedback(ctx, fb); err != nil {
		t.Fatalf("UpdateFindingsFeedback: %v", err)
	}
	out, err := a.ro.GetFindings(ctx, &guardduty.GetFindingsInput{DetectorId: det, FindingIds: current})
	if err != nil || len(out.Findings) != 3 {
		t.Fatalf("GetFindings = %v, %v", out, err)
	}
	for _, f := range out.Findings {
		orig := fs[slices.IndexFunc(fs, func(x finding.Finding) bool { return x.ID == aws.ToString(f.Id) })]
		wantFB := ""
		if slices.Contains(current[:2], orig.ID) {
			wantFB = "USEFUL"
		}
		if aws.ToString(f.Service.UserFeedback) != wantFB || aws.ToString(f.UpdatedAt) != orig.UpdatedAt.String() || int(aws.ToInt32(f.Service.Count)) != orig.Service.Count {
			t.Errorf("finding %s: feedback %q updatedAt %s count %d; want %q %s %d", orig.ID, aws.ToString(f.Service.UserFeedback),
				aws.ToString(f.UpdatedAt), aws.ToInt32(f.Service.Count), wantFB, orig.UpdatedAt, orig.Service.Count)
		}
	}
	fb.Feedback = types.FeedbackNotUseful
	if _, err := a.admin.UpdateFindingsFeedback(ctx, fb); err != nil {
		t.Fatal(err)
	}
	got := listAll(t, a.ro, crit(map[string]types.Condition{"service.userFeedback": {Eq: []string{"NOT_USEFUL"}}}), nil, 50)
	if slices.Sort(got); !slices.Equal(got, slices.Sorted(slices.Values(current[:2]))) {
		t.Errorf("findings with feedback NOT_USEFUL = %v, want %v", got, current[:2])
	}
}

// TestFindingGroupsConsistent: the store's group counts stay equal to the
// findings after inserts, recurrences (with a new severity), archiving and
// feedback.
func TestFindingGroupsConsistent(t *testing.T) {
	a := newTestAPI(t)
	fs := seedFindings(t, a, 150)
	ctx := context.Background()
	again := make([]finding.Finding, 0, 30)
	for i := 0; i < 30; i++ {
		f := fs[i*5]
		f.Severity = 1 + float64(i%9)
		f.UpdatedAt = finding.At(f.UpdatedAt.Add(time.Duration(i-15) * time.Hour))
		f.Service.EventLastSeen = finding.At(f.Service.EventLastSeen.Add(time.Hour))
		again = append(again, f)
	}
	for _, i := range []int{6, 7, 8, 9, 11} { // recurrences in the same group
		f := fs[i]
		f.UpdatedAt = finding.At(f.UpdatedAt.Add(time.Hour))
		f.Service.EventLastSeen = finding.At(f.Service.EventLastSeen.Add(time.Hour))
		again = append(again, f)
	}
	if _, err := a.store.UpsertFindings(ctx, again); err != nil {
		t.Fatal(err)
	}
	if err := a.store.SetArchived(ctx, []string{fs[1].ID, fs[2].ID, fs[5].ID}, true); err != nil {
		t.Fatal(err)
	}
	if err := a.store.SetArchived(ctx, []string{fs[2].ID}, false); err != nil {
		t.Fatal(err)
	}
	if err := a.store.SetFeedback(ctx, []string{fs[3].ID}, "USEFUL"); err != nil {
		t.Fatal(err)
	}
	var all []finding.Finding
	q := finding.Query{Limit: 1000}
	for {
		page, next, err := a.store.ListFindings(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if q.PageToken = next; next == "" {
			break
		}
	}
	want := map[string]int{}
	for i := range all {
		f := &all[i]
		k := fmt.Sprintf("%s|%v|%s|%s|%t", f.Type, f.Severity, f.AccountID, f.Region, f.Service.Archived)
		want[k]++
		if lk := k + "|last"; f.UpdatedAt.UnixMilli() > int64(want[lk]) {
			want[lk] = int(f.UpdatedAt.UnixMilli())
		}
	}
	got := map[string]int{}
	err := a.store.CountFindings(ctx, finding.Query{}, time.Time{}, time.Time{}, []string{"type", "severity", "accountId", "region", "service.archived"}, func(f *finding.Finding, n int) error {
		k := fmt.Sprintf("%s|%v|%s|%s|%t", f.Type, f.Severity, f.AccountID, f.Region, f.Service.Archived)
		got[k] += n
		got[k+"|last"] = int(f.UpdatedAt.UnixMilli())
		return nil
	})
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("CountFindings = %d groups, %v; want %d groups", len(got)/2, err, len(want)/2)
	}
}

// TestCreateSampleFindings stores samples of the given types, or of all.
func TestCreateSampleFindings(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	det := aws.String(testDetectorID)
	defs := detect.Definitions(detect.Registered())
	two := []string{defs[0].Type, defs[len(defs)-1].Type}
	if _, err := a.ro.CreateSampleFindings(ctx, &guardduty.CreateSampleFindingsInput{DetectorId: det, FindingTypes: two}); apiErrorCode(err) != TypeAccessDenied {
		t.Errorf("read-only CreateSampleFindings = %v, want AccessDeniedException", err)
	}
	if _, err := a.admin.CreateSampleFindings(ctx, &guardduty.CreateSampleFindingsInput{DetectorId: det, FindingTypes: two}); err != nil {
		t.Fatalf("CreateSampleFindings: %v", err)
	}
	got := listAll(t, a.ro, nil, &types.SortCriteria{AttributeName: aws.String("type")}, 50)
	out, err := a.ro.GetFindings(ctx, &guardduty.GetFindingsInput{DetectorId: det, FindingIds: got, SortCriteria: &types.SortCriteria{AttributeName: aws.String("type")}})
	if err != nil || len(out.Findings) != 2 {
		t.Fatalf("samples = %v, %v; want 2", out, err)
	}
	for i, f := range out.Findings {
		if aws.ToString(f.Type) != two[i] || !strings.HasPrefix(aws.ToString(f.Title), detect.SamplePrefix) || aws.ToString(f.AccountId) != "111122223333" {
			t.Errorf("sample %d = %s %q in %s", i, aws.ToString(f.Type), aws.ToString(f.Title), aws.ToString(f.AccountId))
		}
	}
	if _, err := a.admin.CreateSampleFindings(ctx, &guardduty.CreateSampleFindingsInput{DetectorId: det}); err != nil {
		t.Fatalf("CreateSampleFindings of all types: %v", err)
	}
	if got := listAll(t, a.ro, nil, nil, 50); len(got) != len(defs) {
		t.Errorf("samples of all types: %d findings, want %d", len(got), len(defs))
	}
}

// TestUpdatedWindow: the updatedAt range a findingCounter applies.
func TestUpdatedWindow(t *testing.T) {
	at := func(ms int64) time.Time { return time.UnixMilli(ms) }
	tests := []struct {
		crit     string
		from, to time.Time
		ok       bool
	}{
		{``, time.Time{}, time.Time{}, true},
		{`{"criterion":{"severity":{"gte":4}}}`, time.Time{}, time.Time{}, true},
		{`{"criterion":{"updatedAt":{"gt":1000,"lte":2000}}}`, at(1001), at(2001), true},
		{`{"criterion":{"updatedAt":{"greaterThanOrEqual":1000,"lessThan":2000,"gte":1500,"lt":null}}}`, at(1500), at(2000), true},
		{`{"criterion":{"updatedAt":{"eq":["1000"]}}}`, time.Time{}, time.Time{}, false},
		{`{"criterion":{"updatedAt":{"gte":1000,"notEquals":["1000"]}}}`, time.Time{}, time.Time{}, false},
	}
	for _, tt := range tests {
		from, to, ok := updatedWindow(json.RawMessage(tt.crit))
		if ok != tt.ok || (ok && (!from.Equal(tt.from) || !to.Equal(tt.to))) {
			t.Errorf("updatedWindow(%s) = %v, %v, %t; want %v, %v, %t", tt.crit, from, to, ok, tt.from, tt.to, tt.ok)
		}
	}
}

// FuzzFindingsInput: whatever the body, the finding operations answer or
// refuse with a 400, never a 500 or a panic.
func FuzzFindingsInput(f *testing.F) {
	a := newTestAPI(f)
	seedFindings(f, a, 30)
	ops := []handlerFunc{a.srv.listFindings, a.srv.getFindings, a.srv.findingsStatistics,
		a.srv.archiveFindings(true), a.srv.findingsFeedback, a.srv.createSampleFindings}
	for i, body := range []string{
		`{"findingCriteria":{"criterion":{"severity":{"gte":7}}},"sortCriteria":{"attributeName":"accountId","orderBy":"DESC"},"maxResults":3}`,
		`{"findingIds":["x"],"sortCriteria":{"attributeName":"severity"}}`,
		`{"groupBy":"DATE","findingCriteria":{"criterion":{"updatedAt":{"gte":1700000000000},"type":{"neq":["x"]}}}}`,
		`{"findingIds":["a","b"]}`,
		`{"findingIds":["a"],"feedback":"USEFUL","comments":"x"}`,
		`{"findingTypes":["Recon:EC2/Portscan"]}`,
		`{"nextToken":"eyJmIjoiIn0.AAAA","maxResults":1}`,
	} {
		f.Add(uint8(i), []byte(body))
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		r, _ := http.NewRequest(http.MethodPost, "/detector/"+testDetectorID+"/findings", bytes.NewReader(body))
		r.SetPathValue("detectorId", testDetectorID)
		resp, err := a.srv.call(route{op: "fuzz", h: ops[int(op)%len(ops)]}, r)
		if err != nil {
			if e := asError(err); e.Status != http.StatusBadRequest {
				t.Fatalf("body %q: %v (status %d)", body, err, e.Status)
			}
			return
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("body %q: response does not encode: %v", body, err)
		}
	})
}
