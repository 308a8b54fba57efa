package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
	"github.com/vigil-sec/vigil/internal/store/storetest"
)

// typeIs is a finding criteria selecting one finding type.
func typeIs(typ string) *types.FindingCriteria {
	return &types.FindingCriteria{Criterion: map[string]types.Condition{"type": {Equals: []string{typ}}}}
}

// filterNames lists the filter names in rank order.
func filterNames(t *testing.T, a *testAPI) []string {
	t.Helper()
	out, err := a.ro.ListFilters(context.Background(), &guardduty.ListFiltersInput{DetectorId: aws.String(testDetectorID)})
	if err != nil {
		t.Fatalf("ListFilters: %v", err)
	}
	return out.FilterNames
}

func TestFilterLifecycle(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	det := aws.String(testDetectorID)
	create := func(name string, action types.FilterAction, rank *int32, c *types.FindingCriteria) {
		t.Helper()
		out, err := a.admin.CreateFilter(ctx, &guardduty.CreateFilterInput{DetectorId: det, Name: aws.String(name), Action: action,
			Rank: rank, FindingCriteria: c, Description: aws.String("about " + name), Tags: map[string]string{"team": "sec"}})
		if err != nil || aws.ToString(out.Name) != name {
			t.Fatalf("CreateFilter(%s) = %v, %v", name, out, err)
		}
	}
	create("scanners", types.FilterActionArchive, nil, typeIs("Recon:EC2/Portscan"))
	create("high", "", nil, &types.FindingCriteria{Criterion: map[string]types.Condition{"severity": {GreaterThanOrEqual: aws.Int64(7)}}})
	create("first", types.FilterActionNoop, aws.Int32(1), typeIs("Recon:EC2/PortProbeUnprotectedPort"))
	if diff := cmp.Diff([]string{"first", "scanners", "high"}, filterNames(t, a)); diff != "" {
		t.Errorf("ListFilters after creating (-want +got):\n%s", diff)
	}

	got, err := a.ro.GetFilter(ctx, &guardduty.GetFilterInput{DetectorId: det, FilterName: aws.String("scanners")})
	if err != nil {
		t.Fatalf("GetFilter: %v", err)
	}
	if got.Action != types.FilterActionArchive || aws.ToInt32(got.Rank) != 2 || aws.ToString(got.Description) != "about scanners" ||
		got.Tags["team"] != "sec" || got.CreatedAt == nil {
		t.Errorf("GetFilter(scanners) = action %s rank %d description %q tags %v createdAt %v", got.Action, aws.ToInt32(got.Rank),
			aws.ToString(got.Description), got.Tags, got.CreatedAt)
	}
	if c := got.FindingCriteria.Criterion["type"]; len(c.Equals) != 1 || c.Equals[0] != "Recon:EC2/Portscan" {
		t.Errorf("GetFilter(scanners).FindingCriteria = %+v, want the criteria as created", got.FindingCriteria.Criterion)
	}
	if high, _ := a.ro.GetFilter(ctx, &guardduty.GetFilterInput{DetectorId: det, FilterName: aws.String("high")}); high.Action != types.FilterActionNoop {
		t.Errorf("GetFilter(high).Action = %s, want the default NOOP", high.Action)
	}

	// A partial update changes only what it names; a rank moves the filter.
	if _, err := a.admin.UpdateFilter(ctx, &guardduty.UpdateFilterInput{DetectorId: det, FilterName: aws.String("high"), Rank: aws.Int32(1)}); err != nil {
		t.Fatalf("UpdateFilter(rank): %v", err)
	}
	if diff := cmp.Diff([]string{"high", "first", "scanners"}, filterNames(t, a)); diff != "" {
		t.Errorf("ListFilters after moving high to rank 1 (-want +got):\n%s", diff)
	}
	if _, err := a.admin.UpdateFilter(ctx, &guardduty.UpdateFilterInput{DetectorId: det, FilterName: aws.String("scanners"),
		Description: aws.String("vulnerability scanners"), FindingCriteria: typeIs("Recon:EC2/PortProbeEMRUnprotectedPort")}); err != nil {
		t.Fatalf("UpdateFilter(description): %v", err)
	}
	got, _ = a.ro.GetFilter(ctx, &guardduty.GetFilterInput{DetectorId: det, FilterName: aws.String("scanners")})
	if aws.ToString(got.Description) != "vulnerability scanners" || got.Action != types.FilterActionArchive || aws.ToInt32(got.Rank) != 3 ||
		got.FindingCriteria.Criterion["type"].Equals[0] != "Recon:EC2/PortProbeEMRUnprotectedPort" {
		t.Errorf("GetFilter after a partial update = %q %s rank %d %v", aws.ToString(got.Description), got.Action, aws.ToInt32(got.Rank), got.FindingCriteria.Criterion)
	}

	page, err := a.ro.ListFilters(ctx, &guardduty.ListFiltersInput{DetectorId: det, MaxResults: aws.Int32(2)})
	if err != nil || len(page.FilterNames) != 2 || aws.ToString(page.NextToken) == "" {
		t.Fatalf("ListFilters(maxResults 2) = %v, %v", page, err)
	}
	rest, err := a.ro.ListFilters(ctx, &guardduty.ListFiltersInput{DetectorId: det, MaxResults: aws.Int32(2), NextToken: page.NextToken})
	if err != nil || len(rest.FilterNames) != 1 || rest.FilterNames[0] != "scanners" || rest.NextToken != nil {
		t.Errorf("ListFilters(second page) = %v, %v", rest, err)
	}

	tags, err := a.ro.ListTagsForResource(ctx, &guardduty.ListTagsForResourceInput{ResourceArn: aws.String(a.srv.filterARN("first"))})
	if err != nil || tags.Tags["team"] != "sec" {
		t.Errorf("ListTagsForResource(filter) = %v, %v", tags, err)
	}
	if _, err := a.admin.DeleteFilter(ctx, &guardduty.DeleteFilterInput{DetectorId: det, FilterName: aws.String("first")}); err != nil {
		t.Fatalf("DeleteFilter: %v", err)
	}
	if _, err := a.ro.GetFilter(ctx, &guardduty.GetFilterInput{DetectorId: det, FilterName: aws.String("first")}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("GetFilter of a deleted filter = %v, want BadRequestException", err)
	}
	if diff := cmp.Diff([]string{"high", "scanners"}, filterNames(t, a)); diff != "" {
		t.Errorf("ListFilters after delete (-want +got):\n%s", diff)
	}
}

func TestFilterErrors(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	det := aws.String(testDetectorID)
	if _, err := a.admin.CreateFilter(ctx, &guardduty.CreateFilterInput{DetectorId: det, Name: aws.String("taken"), FindingCriteria: typeIs("x")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   guardduty.CreateFilterInput
		want string
	}{
		{"unknown field", guardduty.CreateFilterInput{Name: aws.String("ok-name"),
			FindingCriteria: &types.FindingCriteria{Criterion: map[string]types.Condition{"no.such.field": {Equals: []string{"x"}}}}}, TypeBadRequest},
		{"range on a string", guardduty.CreateFilterInput{Name: aws.String("ok-name"),
			FindingCriteria: &types.FindingCriteria{Criterion: map[string]types.Condition{"type": {GreaterThan: aws.Int64(3)}}}}, TypeBadRequest},
		{"empty criterion", guardduty.CreateFilterInput{Name: aws.String("ok-name"), FindingCriteria: &types.FindingCriteria{}}, TypeBadRequest},
		{"short name", guardduty.CreateFilterInput{Name: aws.String("ab"), FindingCriteria: typeIs("x")}, TypeBadRequest},
		{"name with a space", guardduty.CreateFilterInput{Name: aws.String("my filter"), FindingCriteria: typeIs("x")}, TypeBadRequest},
		{"duplicate name", guardduty.CreateFilterInput{Name: aws.String("taken"), FindingCriteria: typeIs("x")}, TypeBadRequest},
		{"unknown action", guardduty.CreateFilterInput{Name: aws.String("ok-name"), Action: "DELETE", FindingCriteria: typeIs("x")}, TypeBadRequest},
		{"rank 0", guardduty.CreateFilterInput{Name: aws.String("ok-name"), Rank: aws.Int32(0), FindingCriteria: typeIs("x")}, TypeBadRequest},
		{"rank 101", guardduty.CreateFilterInput{Name: aws.String("ok-name"), Rank: aws.Int32(101), FindingCriteria: typeIs("x")}, TypeBadRequest},
		{"reserved tag", guardduty.CreateFilterInput{Name: aws.String("ok-name"), FindingCriteria: typeIs("x"), Tags: map[string]string{"aws:x": "y"}}, TypeBadRequest},
		{"other detector", guardduty.CreateFilterInput{DetectorId: aws.String("ffffffffffffffffffffffffffffffff"), Name: aws.String("ok-name"), FindingCriteria: typeIs("x")}, TypeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if in.DetectorId == nil {
				in.DetectorId = det
			}
			_, err := a.admin.CreateFilter(ctx, &in)
			if apiErrorCode(err) != tt.want {
				t.Errorf("CreateFilter = %v, want %s", err, tt.want)
			}
		})
	}
	if diff := cmp.Diff([]string{"taken"}, filterNames(t, a)); diff != "" {
		t.Errorf("failed creates left filters behind (-want +got):\n%s", diff)
	}

	// A retry with the same client token is not a duplicate.
	for range 2 {
		if _, err := a.admin.CreateFilter(ctx, &guardduty.CreateFilterInput{DetectorId: det, Name: aws.String("retried"),
			FindingCriteria: typeIs("x"), ClientToken: aws.String("token-1")}); err != nil {
			t.Errorf("CreateFilter with a repeated client token = %v", err)
		}
	}

	if _, err := a.ro.CreateFilter(ctx, &guardduty.CreateFilterInput{DetectorId: det, Name: aws.String("mine"), FindingCriteria: typeIs("x")}); apiErrorCode(err) != TypeAccessDenied {
		t.Errorf("read-only CreateFilter = %v, want AccessDeniedException", err)
	}
	if _, err := a.ro.DeleteFilter(ctx, &guardduty.DeleteFilterInput{DetectorId: det, FilterName: aws.String("taken")}); apiErrorCode(err) != TypeAccessDenied {
		t.Errorf("read-only DeleteFilter = %v, want AccessDeniedException", err)
	}
	if _, err := a.admin.UpdateFilter(ctx, &guardduty.UpdateFilterInput{DetectorId: det, FilterName: aws.String("missing"), Rank: aws.Int32(1)}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("UpdateFilter of an unknown filter = %v, want BadRequestException", err)
	}
	if _, err := a.admin.UpdateFilter(ctx, &guardduty.UpdateFilterInput{DetectorId: det, FilterName: aws.String("taken"),
		FindingCriteria: &types.FindingCriteria{Criterion: map[string]types.Condition{"severity": {Equals: []string{"high"}}}}}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("UpdateFilter with bad criteria = %v, want BadRequestException", err)
	}
	if _, err := a.ro.ListFilters(ctx, &guardduty.ListFiltersInput{DetectorId: det, NextToken: aws.String("garbage")}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("ListFilters with a bad token = %v, want BadRequestException", err)
	}
}

func TestFilterLimit(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	for i := range maxFilters + 1 {
		_, err := a.admin.CreateFilter(ctx, &guardduty.CreateFilterInput{DetectorId: aws.String(testDetectorID),
			Name: aws.String(fmt.Sprintf("filter-%03d", i)), FindingCriteria: typeIs("x")})
		if i < maxFilters && err != nil {
			t.Fatalf("CreateFilter #%d: %v", i+1, err)
		}
		if i == maxFilters && apiErrorCode(err) != TypeBadRequest {
			t.Errorf("CreateFilter #%d = %v, want BadRequestException", i+1, err)
		}
	}
}

// TestMalformedBodies: bodies that are not JSON or have the wrong types
// are BadRequestException, never a 500.
func TestMalformedBodies(t *testing.T) {
	a := newTestAPI(t)
	det := "/detector/" + testDetectorID
	tests := []struct{ method, path, body string }{
		{"POST", det + "/filter", `{"name":`},
		{"POST", det + "/filter", `{"name":"abc","rank":"one","findingCriteria":{"criterion":{}}}`},
		{"POST", det + "/filter", `{"name":"abc","findingCriteria":"type=x"}`},
		{"POST", det + "/filter", `[]`},
		{"POST", det + "/filter/abc", `{"findingCriteria":{"criterion":{"type":{"eq":"x"}}}}`},
		{"POST", det + "/ipset", `{"name":"l","format":"TXT","location":"/x","activate":"yes"}`},
		{"POST", det + "/threatintelset", `{"name":7}`},
		{"POST", "/malware-protection-plan", `{"role":"arn:x","protectedResource":{"s3Bucket":"b"}}`},
		{"PATCH", "/malware-protection-plan/abc", `{"actions":{"tagging":true}}`},
	}
	for _, tt := range tests {
		resp := signedCall(t, a, tt.method, tt.path, tt.body)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-ErrorType") != TypeBadRequest {
			t.Errorf("%s %s %s: %d %s, want 400 BadRequestException", tt.method, tt.path, tt.body, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	}
}

// signedCall sends body to the test API signed as the administrator.
func signedCall(t *testing.T, a *testAPI, method, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, a.http.URL+path, bytes.NewReader([]byte(body)))
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
	resp.Body.Close()
	return resp
}

// suppressFinding is a finding of typ on an instance, seen at at.
func suppressFinding(typ, instance string, at time.Time) finding.Finding {
	id := finding.ID("111122223333", "us-east-1", typ, instance)
	return finding.Finding{
		AccountID: "111122223333", Arn: finding.ARN("aws", "us-east-1", "111122223333", testDetectorID, id), ID: id,
		CreatedAt: finding.At(at), UpdatedAt: finding.At(at), Partition: "aws", Region: "us-east-1",
		SchemaVersion: finding.SchemaVersion, Severity: 5, Title: typ, Type: typ,
		Resource: finding.Resource{ResourceType: finding.ResourceInstance, InstanceDetails: &finding.InstanceDetails{InstanceID: instance}},
		Service: finding.Service{Count: 1, DetectorID: testDetectorID, EventFirstSeen: finding.At(at), EventLastSeen: finding.At(at),
			ResourceRole: finding.RoleTarget, ServiceName: "guardduty"},
	}
}

// TestSuppression: findings stored through WrapStore are archived when an
// ARCHIVE filter matches them, on arrival and when they recur; NOOP filters
// and non-matching findings leave them current; filter changes apply at
// once, and a new server loads the rules from the settings.
func TestSuppression(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	det := aws.String(testDetectorID)
	st := a.srv.WrapStore(a.store)
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	archived := func(f finding.Finding) bool {
		t.Helper()
		got, err := a.store.GetFinding(ctx, f.ID)
		if err != nil {
			t.Fatalf("GetFinding(%s): %v", f.Type, err)
		}
		return got.Service.Archived
	}

	// Rules are loaded (none yet) before the filters are created, so the
	// in-memory copy must follow the changes.
	early := suppressFinding("Recon:EC2/Portscan", "i-early", t0)
	if _, err := st.UpsertFindings(ctx, []finding.Finding{early}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name   string
		action types.FilterAction
		c      *types.FindingCriteria
	}{
		{"scanners", types.FilterActionArchive, &types.FindingCriteria{Criterion: map[string]types.Condition{
			"type": {Equals: []string{"Recon:EC2/Portscan"}}, "resource.instanceDetails.instanceId": {Equals: []string{"i-scanner"}}}}},
		{"bastion", types.FilterActionNoop, typeIs("UnauthorizedAccess:EC2/SSHBruteForce")},
	} {
		if _, err := a.admin.CreateFilter(ctx, &guardduty.CreateFilterInput{DetectorId: det, Name: aws.String(f.name), Action: f.action, FindingCriteria: f.c}); err != nil {
			t.Fatalf("CreateFilter(%s): %v", f.name, err)
		}
	}

	scan := suppressFinding("Recon:EC2/Portscan", "i-scanner", t0)
	other := suppressFinding("Recon:EC2/Portscan", "i-web", t0)
	brute := suppressFinding("UnauthorizedAccess:EC2/SSHBruteForce", "i-scanner", t0)
	if _, err := st.UpsertFindings(ctx, []finding.Finding{scan, other, brute}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		f    finding.Finding
		want bool
	}{{"ARCHIVE match", scan, true}, {"other instance", other, false}, {"NOOP match", brute, false}, {"before the filter", early, false}} {
		if got := archived(tt.f); got != tt.want {
			t.Errorf("%s: archived = %v, want %v", tt.name, got, tt.want)
		}
	}

	// It recurs, through CommitFile: still archived, counted.
	again := suppressFinding("Recon:EC2/Portscan", "i-scanner", t0.Add(time.Hour))
	if _, err := st.CommitFile(ctx, store.FileMark{Source: "test", Key: "k1", Version: "1"}, []finding.Finding{again}); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.store.GetFinding(ctx, scan.ID); !got.Service.Archived || got.Service.Count != 2 {
		t.Errorf("recurring suppressed finding: archived %v count %d, want archived with count 2", got.Service.Archived, got.Service.Count)
	}

	// A server started later reads the rules from the settings.
	later := New(Options{DetectorID: testDetectorID, Store: a.store, Users: NewUsers(nil)})
	fs := []finding.Finding{suppressFinding("Recon:EC2/Portscan", "i-scanner", t0.Add(2*time.Hour))}
	later.Suppress(ctx, fs)
	if !fs[0].Service.Archived {
		t.Errorf("a new server did not apply the stored suppression rule")
	}

	// Making the rule a NOOP filter stops the suppression: the next
	// occurrence is current again.
	if _, err := a.admin.UpdateFilter(ctx, &guardduty.UpdateFilterInput{DetectorId: det, FilterName: aws.String("scanners"), Action: types.FilterActionNoop}); err != nil {
		t.Fatal(err)
	}
	next := suppressFinding("Recon:EC2/Portscan", "i-scanner", t0.Add(3*time.Hour))
	if _, err := st.UpsertFindings(ctx, []finding.Finding{next}); err != nil {
		t.Fatal(err)
	}
	if archived(next) {
		t.Errorf("finding archived after its rule became NOOP")
	}
}

// TestWrapStoreConformance runs the store conformance suite on a wrapped
// store (without filters it must behave exactly as the store), which also
// checks that its ScanStore and PendingStore stay reachable.
func TestWrapStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return New(Options{DetectorID: testDetectorID, Store: db, Users: NewUsers(nil)}).WrapStore(db)
	})
}

func TestWrapStoreOptionalInterfaces(t *testing.T) {
	a := newTestAPI(t)
	plain := a.srv.WrapStore(struct{ store.Store }{a.store})
	if _, ok := plain.(store.ScanStore); ok {
		t.Errorf("a wrapped plain store claims to be a ScanStore")
	}
	if _, ok := plain.(store.PendingStore); ok {
		t.Errorf("a wrapped plain store claims to be a PendingStore")
	}
	full := a.srv.WrapStore(a.store)
	if _, ok := full.(store.ScanStore); !ok {
		t.Errorf("a wrapped SQLite store is not a ScanStore")
	}
	if _, ok := full.(store.PendingStore); !ok {
		t.Errorf("a wrapped SQLite store is not a PendingStore")
	}
	if u, ok := full.(interface{ Unwrap() store.Store }); !ok || u.Unwrap() != store.Store(a.store) {
		t.Errorf("Unwrap does not return the wrapped store")
	}
}

// Filters round-trip their criteria as given, in the stored document too.
func TestFilterDocument(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	if _, err := a.admin.CreateFilter(ctx, &guardduty.CreateFilterInput{DetectorId: aws.String(testDetectorID), Name: aws.String("doc"),
		FindingCriteria: typeIs("Recon:EC2/Portscan")}); err != nil {
		t.Fatal(err)
	}
	var fs []filterDoc
	if err := a.srv.opts.Settings.Load(ctx, "filters", &fs); err != nil || len(fs) != 1 {
		t.Fatalf("filters document = %v, %v", fs, err)
	}
	var c map[string]any
	if err := json.Unmarshal(fs[0].Criteria, &c); err != nil || c["criterion"] == nil {
		t.Errorf("stored criteria %s, %v", fs[0].Criteria, err)
	}
}

// TestSuppressionWildcards: a filter's matches/notMatches (which
// ListFindings refuses) select what the rule archives.
func TestSuppressionWildcards(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	det := aws.String(testDetectorID)
	_, err := a.admin.CreateFilter(ctx, &guardduty.CreateFilterInput{DetectorId: det, Name: aws.String("scanners"),
		Action: types.FilterActionArchive, FindingCriteria: &types.FindingCriteria{Criterion: map[string]types.Condition{
			"type":                                {Matches: []string{"Recon:EC2/*"}},
			"resource.instanceDetails.instanceId": {NotMatches: []string{"i-prod-*"}}}}})
	if err != nil {
		t.Fatalf("CreateFilter with matches: %v", err)
	}
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	fs := []finding.Finding{
		suppressFinding("Recon:EC2/Portscan", "i-test-1", t0),
		suppressFinding("Recon:EC2/Portscan", "i-prod-1", t0),
		suppressFinding("UnauthorizedAccess:EC2/SSHBruteForce", "i-test-1", t0),
	}
	a.srv.Suppress(ctx, fs)
	if got := []bool{fs[0].Service.Archived, fs[1].Service.Archived, fs[2].Service.Archived}; !cmp.Equal(got, []bool{true, false, false}) {
		t.Errorf("archived = %v, want [true false false]", got)
	}
	_, err = a.admin.ListFindings(ctx, &guardduty.ListFindingsInput{DetectorId: det,
		FindingCriteria: &types.FindingCriteria{Criterion: map[string]types.Condition{"type": {Matches: []string{"Recon:*"}}}}})
	var bad *types.BadRequestException
	if !errors.As(err, &bad) {
		t.Errorf("ListFindings with matches: %v, want BadRequestException", err)
	}
}
