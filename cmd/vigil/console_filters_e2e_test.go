package main

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/chromedp/chromedp"
)

// stepFunc runs named chromedp steps, failing the test on error; shotFunc
// saves a screenshot (TestConsoleInChromium's helpers).
type (
	stepFunc func(step string, steps ...chromedp.Action[chromedp.Void])
	shotFunc func(name string) chromedp.Action[chromedp.Void]
)

// rowsJS reads the listed findings' ids and resource ids.
const rowsJS = `[...document.querySelectorAll("#findings tbody tr[data-severity]")].map(r =>
	r.querySelector("a.finding-link").getAttribute("href").split("/").pop() + " " +
	((r.querySelector("a.resource-link") || {dataset: {}}).dataset.resource || ""))`

// consoleResourceAndTime filters the findings page by an access key's id
// and by updatedAt, and compares each listing with the API's answer to
// the same criteria.
func consoleResourceAndTime(ctx context.Context, t *testing.T, bctx context.Context, run stepFunc, shot shotFunc,
	gd *guardduty.Client, det, base string) {
	t.Helper()
	current := gdtypes.Condition{Eq: []string{"false"}}
	kali := listIDs(ctx, t, gd, det, kaliCriteria)
	if len(kali) == 0 {
		t.Fatal("the examples have no Kali Linux finding")
	}
	f := getFinding(ctx, t, gd, det, kali[0])
	if f.Resource == nil || f.Resource.AccessKeyDetails == nil || aws.ToString(f.Resource.AccessKeyDetails.AccessKeyId) == "" {
		t.Fatalf("the Kali Linux finding has no access key: %+v", f.Resource)
	}
	key := aws.ToString(f.Resource.AccessKeyDetails.AccessKeyId)
	want := listIDs(ctx, t, gd, det, &gdtypes.FindingCriteria{Criterion: map[string]gdtypes.Condition{
		"resource.accessKeyDetails.accessKeyId": {Eq: []string{key}}, "service.archived": current}})
	rows := func(step string) (ids []string, resources []string) {
		t.Helper()
		got, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](rowsJS))
		if err != nil {
			t.Fatalf("%s: reading the findings table: %v", step, err)
		}
		for _, r := range got {
			id, res, _ := strings.Cut(r, " ")
			ids, resources = append(ids, id), append(resources, res)
		}
		return ids, resources
	}
	sameSet := func(step string, want, got []string) {
		t.Helper()
		w, g := slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got))
		if !slices.Equal(w, g) {
			t.Errorf("%s: the console lists %v, the API %v", step, g, w)
		}
	}

	run("filter by resource", chromedp.Navigate(base+"/console/findings"), chromedp.WaitVisible(chromedp.ID("filterbar")),
		chromedp.SendKeys(chromedp.ID("f-resource"), key), chromedp.Click(chromedp.ID("apply")),
		chromedp.WaitVisible(chromedp.CSS(`table[data-resource="`+key+`"]`)), shot("findings-resource"))
	ids, resources := rows("filter by resource")
	sameSet("resource "+key, want, ids)
	// The key's own findings show it as their resource; the others (S3
	// findings about a bucket, say) name the key in their details.
	if !slices.Contains(resources, key) {
		t.Errorf("no finding listed for the resource filter %s shows it as its resource: %v", key, resources)
	}

	// A quick pick keeps the resource: these findings were all made now.
	run("last 24 hours", chromedp.Click(chromedp.ID("q-24h")), chromedp.WaitVisible(chromedp.CSS(`table[data-since="24h"][data-resource="`+key+`"]`)))
	ids, _ = rows("last 24 hours")
	sameSet("resource "+key+", last 24 hours", want, ids)

	// From and To: an hour around now lists every current finding, a
	// range in 2020 none.
	now := time.Now().UTC()
	all := listIDs(ctx, t, gd, det, &gdtypes.FindingCriteria{Criterion: map[string]gdtypes.Condition{"service.archived": current}})
	for _, tt := range []struct {
		name, from, to string
		want           []string
	}{
		{"around now", now.Add(-time.Hour).Format("2006-01-02T15:04"), now.Add(time.Hour).Format("2006-01-02T15:04"), all},
		{"in 2020", "2020-01-01T00:00", "2021-01-01T00:00", nil},
	} {
		run("updated "+tt.name, chromedp.Navigate(base+"/console/findings"), chromedp.WaitVisible(chromedp.ID("filterbar")),
			chromedp.SetValue(chromedp.ID("f-from"), tt.from), chromedp.SetValue(chromedp.ID("f-to"), tt.to),
			chromedp.Click(chromedp.ID("apply")), chromedp.WaitVisible(chromedp.ID("window")))
		ids, _ := rows("updated " + tt.name)
		sameSet("updated "+tt.name, tt.want, ids)
	}
	run("range shot", shot("findings-range"))
}

var consoleTimeRe = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d UTC$`)

// checkConsoleSources checks the sources table: every watched folder is
// healthy and has a last event time, the Kali file's for extra.
func checkConsoleSources(t *testing.T, bctx context.Context, run stepFunc, shot shotFunc, base, extra string) {
	t.Helper()
	run("sources", chromedp.Navigate(base+"/console/plans"), chromedp.WaitVisible(chromedp.ID("sources")), shot("sources"))
	got, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#sources tr.source")].map(r =>
		r.dataset.name + "|" + r.dataset.health + "|" + r.querySelector(".last-event").textContent)`))
	if err != nil {
		t.Fatalf("reading the sources table: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("the sources table lists %v, want the examples and the extra folder", got)
	}
	for _, row := range got {
		parts := strings.SplitN(row, "|", 3)
		name, status, last := parts[0], parts[1], parts[2]
		if status != "ok" || !consoleTimeRe.MatchString(last) {
			t.Errorf("source %s: health %q, last event %q; want ok and a time", name, status, last)
		}
		if filepath.Base(name) == filepath.Base(extra) && last != "2025-06-02 03:00 UTC" {
			t.Errorf("source %s: last event %q, want the Kali file's 2025-06-02 03:00 UTC", name, last)
		}
	}
}
