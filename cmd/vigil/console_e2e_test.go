package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/chromedp/chromedp"

	"github.com/vigil-sec/vigil/internal/finding"
)

const chromiumPath = "/usr/bin/chromium"

// screenshotDir is where the console test saves its screenshots:
// $VIGIL_SCREENSHOTS, else a temporary folder.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("VIGIL_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// consoleAPI is the AWS SDK's GuardDuty client of the e2e administrator.
func consoleAPI(addr string) *guardduty.Client {
	return guardduty.New(guardduty.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIAVIGILE2EADMIN001", "e2e-admin-secret-0123456789", "")})
}

// TestConsoleInChromium drives the web console in headless Chromium the
// way an analyst would: sign in, check the summary against the API, filter
// to High, open a finding, archive it, suppress findings like another one
// and see a new matching finding arrive archived. It saves a screenshot of
// every page.
func TestConsoleInChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("Debian's Chromium (%s) is not installed: apt-get install chromium", chromiumPath)
	}
	shots := screenshotDir(t)
	t.Logf("console screenshots in %s", shots)
	extra := t.TempDir()
	s := startServeAPI(t, adminEnv, "--watch", extra)
	base := "http://" + s.addr
	gd := consoleAPI(s.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	det := waitFindings(ctx, t, gd, 24)

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 1000))...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg) // quality 100: PNG
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		})
	}
	if err := chromedp.Do(bctx); err != nil { // starts the browser, on a context without a step timeout
		t.Fatalf("starting Chromium: %v", err)
	}
	run := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}

	// Sign in: "/" leads to the console, which asks for a key.
	run("sign in", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("access_key_id")), shot("signin"),
		chromedp.SendKeys(chromedp.ID("access_key_id"), "AKIAVIGILE2EADMIN001"),
		chromedp.SendKeys(chromedp.ID("secret_access_key"), "e2e-admin-secret-0123456789"),
		chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("total")))

	// The summary's counts are the API's.
	want := apiBands(ctx, t, gd, det)
	got := map[string]string{}
	for _, band := range []string{"Critical", "High", "Medium", "Low"} {
		n, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.ID("count-"+band), "data-n"))
		if err != nil {
			t.Fatalf("summary count of %s: %v", band, err)
		}
		got[band] = n.Value
	}
	run("summary shot", shot("summary"))
	for band, n := range want {
		if got[band] != n {
			t.Errorf("summary shows %s %s findings, the API counts %s", got[band], band, n)
		}
	}

	// Filter to High and above, open the first finding, archive it.
	run("filter to High", chromedp.Navigate(base+"/console/findings"), chromedp.WaitVisible(chromedp.ID("filterbar")),
		chromedp.SetValue(chromedp.ID("f-severity"), "high"), chromedp.Click(chromedp.ID("apply")),
		chromedp.WaitVisible(chromedp.CSS(`table[data-filter="high"]`)), shot("findings"))
	sevs, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#findings tbody tr[data-severity]")].map(r => r.dataset.severity)`))
	if err != nil {
		t.Fatalf("reading the findings table: %v", err)
	}
	if len(sevs) == 0 {
		t.Fatal("no High findings listed")
	}
	for _, v := range sevs {
		if sev, err := strconv.ParseFloat(v, 64); err != nil || sev < 7 {
			t.Errorf("the High filter lists a finding of severity %s", v)
		}
	}
	run("open a finding", chromedp.Click(chromedp.CSS("a.finding-link")), chromedp.WaitVisible(chromedp.ID("finding-type")), shot("detail"))
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	run("archive", chromedp.Click(chromedp.ID("archive")), chromedp.WaitVisible(chromedp.ID("archived")))
	id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], base+"/console/findings/")
	if f := getFinding(ctx, t, gd, det, id); f.Service == nil || !aws.ToBool(f.Service.Archived) {
		t.Errorf("finding %s is not archived after the console archived it", id)
	}

	// Filter by a resource, then by time: the console lists what the API
	// selects with the matching criteria.
	consoleResourceAndTime(ctx, t, bctx, run, shot, gd, det, base) // console_filters_e2e_test.go

	// Suppress findings like the existing Kali Linux one; a new one arrives archived.
	kali := listIDs(ctx, t, gd, det, kaliCriteria)
	if len(kali) == 0 {
		t.Fatal("the examples have no Kali Linux finding")
	}
	account := aws.ToString(getFinding(ctx, t, gd, det, kali[0]).AccountId)
	run("suppress", chromedp.Navigate(base+"/console/findings/"+kali[0]), chromedp.WaitVisible(chromedp.ID("suppress")),
		chromedp.Click(chromedp.ID("suppress")), chromedp.WaitVisible(chromedp.ID("filters")), shot("suppression-rules"))
	filters, err := gd.ListFilters(ctx, &guardduty.ListFiltersInput{DetectorId: &det})
	if err != nil || len(filters.FilterNames) != 1 || !strings.HasPrefix(filters.FilterNames[0], "suppress-") {
		t.Fatalf("ListFilters after suppressing = %v, %v", filters, err)
	}
	if f, err := gd.GetFilter(ctx, &guardduty.GetFilterInput{DetectorId: &det, FilterName: &filters.FilterNames[0]}); err != nil ||
		f.Action != gdtypes.FilterActionArchive {
		t.Fatalf("GetFilter = %+v, %v; want action ARCHIVE", f, err)
	}
	writeKali(t, extra, account)
	var newID string
	for deadline := time.Now().Add(100 * time.Second); newID == "" && time.Now().Before(deadline); time.Sleep(time.Second) {
		for _, k := range listIDs(ctx, t, gd, det, kaliCriteria) {
			if !slices.Contains(kali, k) {
				newID = k
			}
		}
	}
	if newID == "" {
		t.Fatal("the new Kali Linux finding did not arrive")
	}
	if f := getFinding(ctx, t, gd, det, newID); !aws.ToBool(f.Service.Archived) {
		t.Error("the new finding matching the suppression rule was not archived on arrival")
	}
	run("new finding in the console", chromedp.Navigate(base+"/console/findings/"+newID), chromedp.WaitVisible(chromedp.ID("archived")),
		shot("suppressed-finding"))

	// The sources page shows each watched folder with the newest event
	// time read from it: the Kali file's for the folder it was written to.
	checkConsoleSources(t, bctx, run, shot, base, extra)

	for _, p := range []string{"lists", "scans", "plans", "usage"} {
		run(p, chromedp.Navigate(base+"/console/"+p), chromedp.WaitVisible(chromedp.CSS("main h1")), shot(p))
	}
	// The CloudTrail read today is today's usage, priced.
	run("usage page", chromedp.Navigate(base+"/console/usage"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	usage, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(usage, "CloudTrail") || strings.Contains(usage, "No usage recorded") {
		t.Errorf("the usage page shows no CloudTrail usage:\n%s", usage)
	}
	run("phone width", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/console/findings"),
		chromedp.WaitVisible(chromedp.ID("findings")), shot("findings-phone"))
	run("sign out", chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("access_key_id")))
}

// waitFindings waits until the API lists n findings and returns the detector id.
func waitFindings(ctx context.Context, t *testing.T, gd *guardduty.Client, n int) string {
	t.Helper()
	dets, err := gd.ListDetectors(ctx, &guardduty.ListDetectorsInput{})
	if err != nil || len(dets.DetectorIds) != 1 {
		t.Fatalf("ListDetectors = %v, %v", dets, err)
	}
	det := dets.DetectorIds[0]
	var ids []string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if ids = listIDs(ctx, t, gd, det, nil); len(ids) == n {
			return det
		}
	}
	t.Fatalf("the API lists %d findings, want the %d of the examples", len(ids), n)
	return ""
}

var kaliCriteria = &gdtypes.FindingCriteria{Criterion: map[string]gdtypes.Condition{"type": {Eq: []string{"PenTest:IAMUser/KaliLinux"}}}}

// listIDs lists up to 50 finding ids matching the criteria (nil for all).
func listIDs(ctx context.Context, t *testing.T, gd *guardduty.Client, det string, crit *gdtypes.FindingCriteria) []string {
	t.Helper()
	in := &guardduty.ListFindingsInput{DetectorId: &det, MaxResults: aws.Int32(50), FindingCriteria: crit}
	out, err := gd.ListFindings(ctx, in)
	if err != nil {
		t.Fatalf("ListFindings: %v", err)
	}
	return out.FindingIds
}

func getFinding(ctx context.Context, t *testing.T, gd *guardduty.Client, det, id string) gdtypes.Finding {
	t.Helper()
	out, err := gd.GetFindings(ctx, &guardduty.GetFindingsInput{DetectorId: &det, FindingIds: []string{id}})
	if err != nil || len(out.Findings) != 1 {
		t.Fatalf("GetFindings(%s) = %v, %v", id, out, err)
	}
	return out.Findings[0]
}

// apiBands counts current findings per severity band with the API.
func apiBands(ctx context.Context, t *testing.T, gd *guardduty.Client, det string) map[string]string {
	t.Helper()
	out, err := gd.GetFindingsStatistics(ctx, &guardduty.GetFindingsStatisticsInput{DetectorId: &det,
		FindingStatisticTypes: []gdtypes.FindingStatisticType{gdtypes.FindingStatisticTypeCountBySeverity},
		FindingCriteria:       &gdtypes.FindingCriteria{Criterion: map[string]gdtypes.Condition{"service.archived": {Eq: []string{"false"}}}}})
	if err != nil {
		t.Fatalf("GetFindingsStatistics: %v", err)
	}
	n := map[string]int{"Critical": 0, "High": 0, "Medium": 0, "Low": 0}
	for k, c := range out.FindingStatistics.CountBySeverity {
		v, err := strconv.ParseFloat(k, 64)
		if err != nil {
			t.Fatalf("countBySeverity key %q: %v", k, err)
		}
		n[finding.LevelOf(v).String()] += int(c)
	}
	s := map[string]string{}
	for k, v := range n {
		s[k] = strconv.Itoa(v)
	}
	return s
}

// writeKali drops a CloudTrail file with a Kali Linux API call by a new
// user of the account into dir.
func writeKali(t *testing.T, dir, account string) {
	t.Helper()
	log := `{"Records":[{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAE2ECONSOLE000001",` +
		`"arn":"arn:aws:iam::ACCOUNT:user/console-mallory","accountId":"ACCOUNT","accessKeyId":"AKIAE2ECONSOLE000001","userName":"console-mallory"},` +
		`"eventTime":"2025-06-02T03:00:00Z","eventSource":"iam.amazonaws.com","eventName":"ListUsers","awsRegion":"us-east-1",` +
		`"sourceIPAddress":"198.51.100.78","userAgent":"aws-cli/2.15.30 md/distrib#kali.2024","requestParameters":null,` +
		`"responseElements":null,"eventID":"5b1c2d3e-0000-4000-8000-00000000c0de","readOnly":true,"eventType":"AwsApiCall",` +
		`"managementEvent":true,"recipientAccountId":"ACCOUNT","eventCategory":"Management"}]}`
	if err := os.WriteFile(filepath.Join(dir, "kali-console.json"), []byte(strings.ReplaceAll(log, "ACCOUNT", account)), 0o644); err != nil {
		t.Fatal(err)
	}
}
