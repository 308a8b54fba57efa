package web

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
)

// seedResources stores findings about an instance, an access key of
// alice, a bucket and a function, updated 1 hour, 2 days, 10 days and 40
// days ago, and returns their ids by name.
func (tc *testConsole) seedResources(t *testing.T) map[string]string {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	mk := func(i int, age time.Duration, r finding.Resource) finding.Finding {
		at := finding.At(now.Add(-age))
		return finding.Finding{ID: fmt.Sprintf("%032x", 0x100+i), AccountID: "111122223333", Region: "us-east-1",
			Type: "Recon:EC2/PortProbeUnprotectedPort", Severity: 5, Title: "resource test", SchemaVersion: finding.SchemaVersion,
			CreatedAt: at, UpdatedAt: at, Resource: r, Service: finding.Service{Count: 1, DetectorID: testDetectorID}}
	}
	fs := []finding.Finding{
		mk(1, time.Hour, finding.Resource{ResourceType: finding.ResourceInstance, InstanceDetails: &finding.InstanceDetails{InstanceID: "i-0aaaa1111bbbb2222"}}),
		mk(2, 48*time.Hour, finding.Resource{ResourceType: finding.ResourceAccessKey, AccessKeyDetails: &finding.AccessKeyDetails{AccessKeyID: "AKIAALICE00000000001", UserName: "alice"}}),
		mk(3, 10*24*time.Hour, finding.Resource{ResourceType: finding.ResourceS3Bucket, S3BucketDetails: []finding.S3BucketDetail{{Name: "logs-bucket"}}}),
		mk(4, 40*24*time.Hour, finding.Resource{ResourceType: finding.ResourceLambda, LambdaDetails: &finding.LambdaDetails{FunctionName: "resize"}}),
	}
	if _, err := tc.db.UpsertFindings(context.Background(), fs); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"instance": fs[0].ID, "key": fs[1].ID, "bucket": fs[2].ID, "function": fs[3].ID}
}

var findingLinkRe = regexp.MustCompile(`href="/console/findings/([0-9a-f]{32})"`)

// listed returns the ids a findings page lists, in order.
func listed(body string) []string {
	var ids []string
	for _, m := range findingLinkRe.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestWebFindingsResourceAndTimeFilters(t *testing.T) {
	tc := newTestConsole(t)
	id := tc.seedResources(t)
	b := signIn(t, tc, testAdmin)
	now := time.Now().UTC()
	tests := []struct {
		name  string
		query url.Values
		want  []string // newest first
	}{
		{"all", nil, []string{id["instance"], id["key"], id["bucket"], id["function"]}},
		{"instance id", url.Values{"resource": {"i-0aaaa1111bbbb2222"}}, []string{id["instance"]}},
		{"access key id", url.Values{"resource": {"AKIAALICE00000000001"}}, []string{id["key"]}},
		{"user name, spaces trimmed", url.Values{"resource": {" alice "}}, []string{id["key"]}},
		{"bucket", url.Values{"resource": {"logs-bucket"}}, []string{id["bucket"]}},
		{"function", url.Values{"resource": {"resize"}}, []string{id["function"]}},
		{"no such resource", url.Values{"resource": {"i-0"}}, nil},
		{"last 24 hours", url.Values{"since": {"24h"}}, []string{id["instance"]}},
		{"last 7 days", url.Values{"since": {"7d"}}, []string{id["instance"], id["key"]}},
		{"last 30 days", url.Values{"since": {"30d"}}, []string{id["instance"], id["key"], id["bucket"]}},
		{"unknown quick pick is any time", url.Values{"since": {"1y"}}, []string{id["instance"], id["key"], id["bucket"], id["function"]}},
		{"from", url.Values{"from": {now.Add(-5 * 24 * time.Hour).Format("2006-01-02T15:04")}}, []string{id["instance"], id["key"]}},
		{"to", url.Values{"to": {now.Add(-5 * 24 * time.Hour).Format("2006-01-02T15:04")}}, []string{id["bucket"], id["function"]}},
		{"from and to", url.Values{"from": {now.Add(-20 * 24 * time.Hour).Format("2006-01-02")}, "to": {now.Add(-24 * time.Hour).Format(time.RFC3339)}},
			[]string{id["key"], id["bucket"]}},
		{"from and to replace a quick pick", url.Values{"since": {"24h"}, "to": {now.Add(-24 * time.Hour).Format("2006-01-02T15:04")}},
			[]string{id["key"], id["bucket"], id["function"]}},
		{"resource and time", url.Values{"resource": {"alice"}, "since": {"24h"}}, nil},
	}
	for _, tt := range tests {
		rec := b.get("/console/findings?" + tt.query.Encode())
		if rec.Code != 200 {
			t.Fatalf("%s: GET = %d", tt.name, rec.Code)
		}
		if d := cmp.Diff(tt.want, listed(rec.Body.String())); d != "" {
			t.Errorf("%s (%s): listed ids (-want +got):\n%s", tt.name, tt.query.Encode(), d)
		}
	}
}

func TestWebFindingsBadTime(t *testing.T) {
	tc := newTestConsole(t)
	tc.seedResources(t)
	b := signIn(t, tc, testAdmin)
	body := b.get("/console/findings?from=yesterday&resource=resize").Body.String()
	if !strings.Contains(body, `id="error"`) || !strings.Contains(body, "From &#34;yesterday&#34; is not a time") {
		t.Errorf("a From that is not a time is not reported:\n%s", body)
	}
	if got := listed(body); len(got) != 1 {
		t.Errorf("with a bad From the other filters still apply: listed %v, want the one function finding", got)
	}
}

// TestWebFindingsFilterLinks: the filter bar keeps the resource and time
// in sort, paging and quick-pick links, and each row links to its
// resource.
func TestWebFindingsFilterLinks(t *testing.T) {
	tc := newTestConsole(t)
	tc.seed(t, 60)
	b := signIn(t, tc, testAdmin)
	body := b.get("/console/findings?resource=alice&since=7d").Body.String()
	for _, want := range []string{
		`id="f-resource" value="alice"`,
		`<input type="hidden" name="since" value="7d">`,
		`href="/console/findings?dir=desc&amp;resource=alice&amp;since=24h&amp;sort=updatedAt&amp;state=current" id="q-24h"`,
		`id="q-7d" class="on"`,
		`data-resource="AKIAEXAMPLE"`, // each row's resource id links to its findings
		`href="/console/findings?dir=desc&amp;resource=AKIAEXAMPLE&amp;since=7d&amp;sort=updatedAt&amp;state=current"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the findings page lacks %s", want)
		}
	}
	next := regexp.MustCompile(`href="([^"]+)" id="next"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no next link for 60 findings of alice")
	}
	u, _ := url.Parse(strings.ReplaceAll(next[1], "&amp;", "&"))
	if q := u.Query(); q.Get("resource") != "alice" || q.Get("since") != "7d" || q.Get("page") == "" {
		t.Errorf("next link %s loses the filters", next[1])
	}
	page2 := listed(b.get(u.String()).Body.String())
	if len(page2) != 10 || slices.ContainsFunc(page2, func(id string) bool { return slices.Contains(listed(body), id) }) {
		t.Errorf("second page lists %d findings (%v), want the 10 not on the first", len(page2), page2)
	}
}
