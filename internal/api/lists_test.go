package api

import (
	"context"
	"regexp"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/google/go-cmp/cmp"
)

// fakeLists records what the API hands to the threat-intelligence loader
// and reports the load states a test sets.
type fakeLists struct {
	mu     sync.Mutex
	calls  [][]APIList
	status map[string]fakeListStatus
}

type fakeListStatus struct {
	entries int
	lastErr string
	ok      bool
}

func (f *fakeLists) SetAPILists(_ context.Context, lists []APIList) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, lists)
}

func (f *fakeLists) APIListStatus(id string) (int, string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.status[id]
	return st.entries, st.lastErr, st.ok
}

func (f *fakeLists) set(id string, st fakeListStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.status == nil {
		f.status = map[string]fakeListStatus{}
	}
	f.status[id] = st
}

// active returns the ids (and whether trusted) of the last SetAPILists call.
func (f *fakeLists) active() map[string]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return nil
	}
	out := map[string]bool{}
	for _, l := range f.calls[len(f.calls)-1] {
		out[l.ID] = l.Trusted
	}
	return out
}

var listIDRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestIPSetLifecycle(t *testing.T) {
	a := newTestAPI(t)
	fake := &fakeLists{}
	a.srv.opts.Lists = fake
	ctx := context.Background()
	det := aws.String(testDetectorID)

	out, err := a.admin.CreateIPSet(ctx, &guardduty.CreateIPSetInput{DetectorId: det, Name: aws.String("office"), Format: types.IpSetFormatTxt,
		Location: aws.String("s3://lists/trusted.txt"), Activate: aws.Bool(true), ExpectedBucketOwner: aws.String("111122223333"),
		Tags: map[string]string{"owner": "netops"}})
	if err != nil {
		t.Fatalf("CreateIPSet: %v", err)
	}
	id := aws.ToString(out.IpSetId)
	if !listIDRe.MatchString(id) {
		t.Errorf("ipSetId %q is not 32 hex digits", id)
	}
	if diff := cmp.Diff(map[string]bool{id: true}, fake.active()); diff != "" {
		t.Errorf("SetAPILists after CreateIPSet (-want +got):\n%s", diff)
	}
	if got := fake.calls[0][0]; got.Name != "office" || got.Format != "TXT" || got.Location != "s3://lists/trusted.txt" {
		t.Errorf("SetAPILists got %+v", got)
	}

	status := func() types.IpSetStatus {
		t.Helper()
		got, err := a.ro.GetIPSet(ctx, &guardduty.GetIPSetInput{DetectorId: det, IpSetId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetIPSet: %v", err)
		}
		return got.Status
	}
	for _, tt := range []struct {
		name string
		st   fakeListStatus
		want types.IpSetStatus
	}{
		{"not loaded yet", fakeListStatus{}, types.IpSetStatusActivating},
		{"loaded", fakeListStatus{entries: 12, ok: true}, types.IpSetStatusActive},
		{"load failed", fakeListStatus{lastErr: "access denied", ok: true}, types.IpSetStatusError},
		{"first load failed", fakeListStatus{lastErr: "no such key"}, types.IpSetStatusError},
	} {
		fake.set(id, tt.st)
		if got := status(); got != tt.want {
			t.Errorf("%s: status %s, want %s", tt.name, got, tt.want)
		}
	}

	got, _ := a.ro.GetIPSet(ctx, &guardduty.GetIPSetInput{DetectorId: det, IpSetId: aws.String(id)})
	if aws.ToString(got.Name) != "office" || got.Format != types.IpSetFormatTxt || aws.ToString(got.Location) != "s3://lists/trusted.txt" ||
		aws.ToString(got.ExpectedBucketOwner) != "111122223333" || got.Tags["owner"] != "netops" {
		t.Errorf("GetIPSet = %+v", got)
	}

	if _, err := a.admin.CreateIPSet(ctx, &guardduty.CreateIPSetInput{DetectorId: det, Name: aws.String("second"), Format: types.IpSetFormatTxt,
		Location: aws.String("/etc/vigil/trusted.txt"), Activate: aws.Bool(false)}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("a second IPSet = %v, want BadRequestException (GuardDuty allows one)", err)
	}

	// Deactivating takes it away from the loader.
	if _, err := a.admin.UpdateIPSet(ctx, &guardduty.UpdateIPSetInput{DetectorId: det, IpSetId: aws.String(id), Activate: aws.Bool(false),
		Name: aws.String("office v2"), Location: aws.String("https://lists.example.com/trusted.txt")}); err != nil {
		t.Fatalf("UpdateIPSet: %v", err)
	}
	if len(fake.active()) != 0 {
		t.Errorf("SetAPILists after deactivating = %v, want none", fake.active())
	}
	got, _ = a.ro.GetIPSet(ctx, &guardduty.GetIPSetInput{DetectorId: det, IpSetId: aws.String(id)})
	if got.Status != types.IpSetStatusInactive || aws.ToString(got.Name) != "office v2" || aws.ToString(got.Location) != "https://lists.example.com/trusted.txt" {
		t.Errorf("GetIPSet after update = %s %q %q", got.Status, aws.ToString(got.Name), aws.ToString(got.Location))
	}

	list, err := a.ro.ListIPSets(ctx, &guardduty.ListIPSetsInput{DetectorId: det})
	if err != nil || len(list.IpSetIds) != 1 || list.IpSetIds[0] != id {
		t.Errorf("ListIPSets = %v, %v", list, err)
	}
	if _, err := a.ro.GetThreatIntelSet(ctx, &guardduty.GetThreatIntelSetInput{DetectorId: det, ThreatIntelSetId: aws.String(id)}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("GetThreatIntelSet of an IPSet id = %v, want BadRequestException", err)
	}
	if _, err := a.ro.DeleteIPSet(ctx, &guardduty.DeleteIPSetInput{DetectorId: det, IpSetId: aws.String(id)}); apiErrorCode(err) != TypeAccessDenied {
		t.Errorf("read-only DeleteIPSet = %v, want AccessDeniedException", err)
	}
	if _, err := a.admin.DeleteIPSet(ctx, &guardduty.DeleteIPSetInput{DetectorId: det, IpSetId: aws.String(id)}); err != nil {
		t.Fatalf("DeleteIPSet: %v", err)
	}
	if _, err := a.ro.GetIPSet(ctx, &guardduty.GetIPSetInput{DetectorId: det, IpSetId: aws.String(id)}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("GetIPSet after delete = %v, want BadRequestException", err)
	}
	tags, err := a.ro.ListTagsForResource(ctx, &guardduty.ListTagsForResourceInput{ResourceArn: aws.String(a.srv.listARN(ipSetKind, id))})
	if err != nil || len(tags.Tags) != 0 {
		t.Errorf("tags of a deleted IPSet = %v, %v; want none", tags, err)
	}
}

func TestThreatIntelSets(t *testing.T) {
	a := newTestAPI(t)
	fake := &fakeLists{}
	a.srv.opts.Lists = fake
	ctx := context.Background()
	det := aws.String(testDetectorID)
	formats := []types.ThreatIntelSetFormat{"TXT", "STIX", "OTX_CSV", "ALIEN_VAULT", "PROOF_POINT", "FIRE_EYE"}
	var ids []string
	for i, f := range formats {
		out, err := a.admin.CreateThreatIntelSet(ctx, &guardduty.CreateThreatIntelSetInput{DetectorId: det, Name: aws.String("feed " + string(f)),
			Format: f, Location: aws.String("s3://intel/" + string(f)), Activate: aws.Bool(i%2 == 0)})
		if err != nil {
			t.Fatalf("CreateThreatIntelSet(%s): %v", f, err)
		}
		ids = append(ids, aws.ToString(out.ThreatIntelSetId))
	}
	if _, err := a.admin.CreateThreatIntelSet(ctx, &guardduty.CreateThreatIntelSetInput{DetectorId: det, Name: aws.String("seventh"),
		Format: "TXT", Location: aws.String("s3://intel/7"), Activate: aws.Bool(true)}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("a seventh ThreatIntelSet = %v, want BadRequestException", err)
	}
	if diff := cmp.Diff(map[string]bool{ids[0]: false, ids[2]: false, ids[4]: false}, fake.active()); diff != "" {
		t.Errorf("SetAPILists (-want +got):\n%s", diff)
	}
	got, err := a.ro.GetThreatIntelSet(ctx, &guardduty.GetThreatIntelSetInput{DetectorId: det, ThreatIntelSetId: aws.String(ids[1])})
	if err != nil || got.Status != types.ThreatIntelSetStatusInactive || got.Format != "STIX" {
		t.Errorf("GetThreatIntelSet(inactive) = %+v, %v", got, err)
	}

	page, err := a.ro.ListThreatIntelSets(ctx, &guardduty.ListThreatIntelSetsInput{DetectorId: det, MaxResults: aws.Int32(4)})
	if err != nil || len(page.ThreatIntelSetIds) != 4 || page.NextToken == nil {
		t.Fatalf("ListThreatIntelSets(4) = %v, %v", page, err)
	}
	rest, err := a.ro.ListThreatIntelSets(ctx, &guardduty.ListThreatIntelSetsInput{DetectorId: det, MaxResults: aws.Int32(4), NextToken: page.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids, append(page.ThreatIntelSetIds, rest.ThreatIntelSetIds...)); diff != "" || rest.NextToken != nil {
		t.Errorf("ListThreatIntelSets pages (-want +got):\n%s", diff)
	}

	if _, err := a.admin.UpdateThreatIntelSet(ctx, &guardduty.UpdateThreatIntelSetInput{DetectorId: det, ThreatIntelSetId: aws.String(ids[1]), Activate: aws.Bool(true)}); err != nil {
		t.Fatalf("UpdateThreatIntelSet: %v", err)
	}
	if _, ok := fake.active()[ids[1]]; !ok {
		t.Errorf("activated set missing from SetAPILists: %v", fake.active())
	}
	if _, err := a.admin.UpdateThreatIntelSet(ctx, &guardduty.UpdateThreatIntelSetInput{DetectorId: det, ThreatIntelSetId: aws.String("0123456789abcdef0123456789abcdef"),
		Activate: aws.Bool(true)}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("UpdateThreatIntelSet of an unknown id = %v, want BadRequestException", err)
	}

	// A server started later hands the stored active lists to its loader.
	later := New(Options{DetectorID: testDetectorID, Store: a.store, Users: NewUsers(nil), Lists: &fakeLists{}})
	if err := later.ActivateLists(ctx); err != nil {
		t.Fatalf("ActivateLists: %v", err)
	}
	if diff := cmp.Diff(map[string]bool{ids[0]: false, ids[1]: false, ids[2]: false, ids[4]: false}, later.opts.Lists.(*fakeLists).active()); diff != "" {
		t.Errorf("ActivateLists (-want +got):\n%s", diff)
	}
}

func TestListErrors(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	det := aws.String(testDetectorID)
	long := string(make([]byte, 301))
	tests := []struct {
		name string
		in   guardduty.CreateThreatIntelSetInput
	}{
		{"bad format", guardduty.CreateThreatIntelSetInput{Name: aws.String("x"), Format: "CSV", Location: aws.String("s3://b/k"), Activate: aws.Bool(true)}},
		{"lower-case format", guardduty.CreateThreatIntelSetInput{Name: aws.String("x"), Format: "txt", Location: aws.String("s3://b/k"), Activate: aws.Bool(true)}},
		{"ftp location", guardduty.CreateThreatIntelSetInput{Name: aws.String("x"), Format: "TXT", Location: aws.String("ftp://h/f"), Activate: aws.Bool(true)}},
		{"plain http", guardduty.CreateThreatIntelSetInput{Name: aws.String("x"), Format: "TXT", Location: aws.String("http://h/f"), Activate: aws.Bool(true)}},
		{"bucket without key", guardduty.CreateThreatIntelSetInput{Name: aws.String("x"), Format: "TXT", Location: aws.String("s3://bucket"), Activate: aws.Bool(true)}},
		{"relative path", guardduty.CreateThreatIntelSetInput{Name: aws.String("x"), Format: "TXT", Location: aws.String("lists/bad.txt"), Activate: aws.Bool(true)}},
		{"long location", guardduty.CreateThreatIntelSetInput{Name: aws.String("x"), Format: "TXT", Location: aws.String("/" + long), Activate: aws.Bool(true)}},
		{"long name", guardduty.CreateThreatIntelSetInput{Name: aws.String(long), Format: "TXT", Location: aws.String("/x"), Activate: aws.Bool(true)}},
		{"empty name", guardduty.CreateThreatIntelSetInput{Name: aws.String(""), Format: "TXT", Location: aws.String("/x"), Activate: aws.Bool(true)}},
		{"bad bucket owner", guardduty.CreateThreatIntelSetInput{Name: aws.String("x"), Format: "TXT", Location: aws.String("/x"), Activate: aws.Bool(true),
			ExpectedBucketOwner: aws.String("me")}},
		{"other detector", guardduty.CreateThreatIntelSetInput{DetectorId: aws.String("ffffffffffffffffffffffffffffffff"), Name: aws.String("x"), Format: "TXT",
			Location: aws.String("/x"), Activate: aws.Bool(true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if in.DetectorId == nil {
				in.DetectorId = det
			}
			if _, err := a.admin.CreateThreatIntelSet(ctx, &in); apiErrorCode(err) != TypeBadRequest {
				t.Errorf("CreateThreatIntelSet = %v, want BadRequestException", err)
			}
		})
	}
	if _, err := a.ro.CreateIPSet(ctx, &guardduty.CreateIPSetInput{DetectorId: det, Name: aws.String("x"), Format: "TXT",
		Location: aws.String("/x"), Activate: aws.Bool(true)}); apiErrorCode(err) != TypeAccessDenied {
		t.Errorf("read-only CreateIPSet = %v, want AccessDeniedException", err)
	}

	// Without a loader lists are kept but never take effect.
	out, err := a.admin.CreateIPSet(ctx, &guardduty.CreateIPSetInput{DetectorId: det, Name: aws.String("x"), Format: "TXT",
		Location: aws.String("/x"), Activate: aws.Bool(true), ClientToken: aws.String("once")})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := a.ro.GetIPSet(ctx, &guardduty.GetIPSetInput{DetectorId: det, IpSetId: out.IpSetId}); got.Status != types.IpSetStatusInactive {
		t.Errorf("status without a loader = %s, want INACTIVE", got.Status)
	}
	// A retry with the same client token returns the same set, not the
	// limit's error.
	again, err := a.admin.CreateIPSet(ctx, &guardduty.CreateIPSetInput{DetectorId: det, Name: aws.String("x"), Format: "TXT",
		Location: aws.String("/x"), Activate: aws.Bool(true), ClientToken: aws.String("once")})
	if err != nil || aws.ToString(again.IpSetId) != aws.ToString(out.IpSetId) {
		t.Errorf("CreateIPSet retried = %v, %v; want %s", again, err, aws.ToString(out.IpSetId))
	}
	if err := a.srv.ActivateLists(ctx); err != nil {
		t.Errorf("ActivateLists without a loader = %v", err)
	}
}
