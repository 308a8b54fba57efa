package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/smithy-go"
)

// apiErrorCode returns the GuardDuty error type of an SDK error.
func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestDetectorLifecycle(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	list, err := a.admin.ListDetectors(ctx, &guardduty.ListDetectorsInput{})
	if err != nil || len(list.DetectorIds) != 1 || list.DetectorIds[0] != testDetectorID {
		t.Fatalf("ListDetectors = %+v, %v; want Vigil's detector", list, err)
	}
	if _, err := a.admin.CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: aws.Bool(true)}); err != nil {
		t.Fatalf("CreateDetector: %v", err)
	}
	if _, err := a.admin.CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: aws.Bool(true)}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("second CreateDetector = %v, want BadRequestException", err)
	}
	_, err = a.admin.UpdateDetector(ctx, &guardduty.UpdateDetectorInput{DetectorId: aws.String(testDetectorID),
		FindingPublishingFrequency: types.FindingPublishingFrequencyFifteenMinutes,
		Features:                   []types.DetectorFeatureConfiguration{{Name: types.DetectorFeature("DNS_LOGS"), Status: types.FeatureStatusDisabled}}})
	if err != nil {
		t.Fatalf("UpdateDetector: %v", err)
	}
	got, err := a.ro.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String(testDetectorID)})
	if err != nil {
		t.Fatalf("GetDetector: %v", err)
	}
	if got.FindingPublishingFrequency != types.FindingPublishingFrequencyFifteenMinutes || got.Status != types.DetectorStatusEnabled {
		t.Errorf("GetDetector = %s %s", got.FindingPublishingFrequency, got.Status)
	}
	for _, f := range got.Features {
		if string(f.Name) == "DNS_LOGS" && f.Status != types.FeatureStatusDisabled {
			t.Errorf("DNS_LOGS feature = %s, want DISABLED", f.Status)
		}
	}
	if _, err := a.ro.UpdateDetector(ctx, &guardduty.UpdateDetectorInput{DetectorId: aws.String(testDetectorID), Enable: aws.Bool(false)}); apiErrorCode(err) != TypeAccessDenied {
		t.Errorf("read-only UpdateDetector = %v, want AccessDeniedException", err)
	}
	if _, err := a.admin.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String("ffffffffffffffffffffffffffffffff")}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("GetDetector of another id = %v, want BadRequestException", err)
	}
	if _, err := a.admin.UpdateDetector(ctx, &guardduty.UpdateDetectorInput{DetectorId: aws.String(testDetectorID),
		FindingPublishingFrequency: "WEEKLY"}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("UpdateDetector with a bad frequency = %v, want BadRequestException", err)
	}
	if _, err := a.admin.DeleteDetector(ctx, &guardduty.DeleteDetectorInput{DetectorId: aws.String(testDetectorID)}); err != nil {
		t.Fatalf("DeleteDetector: %v", err)
	}
	if list, _ := a.admin.ListDetectors(ctx, &guardduty.ListDetectorsInput{}); len(list.DetectorIds) != 0 {
		t.Errorf("ListDetectors after delete = %v", list.DetectorIds)
	}
}

func TestTags(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	arn := a.srv.DetectorARN()
	if _, err := a.admin.TagResource(ctx, &guardduty.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"team": "sec", "env": "prod"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := a.admin.UntagResource(ctx, &guardduty.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"env"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	out, err := a.ro.ListTagsForResource(ctx, &guardduty.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(out.Tags) != 1 || out.Tags["team"] != "sec" {
		t.Errorf("ListTagsForResource = %v, %v", out, err)
	}
	if _, err := a.admin.TagResource(ctx, &guardduty.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"aws:x": "y"}}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("reserved tag key = %v, want BadRequestException", err)
	}
	if _, err := a.admin.ListTagsForResource(ctx, &guardduty.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:guardduty:us-east-1:111122223333:detector/other")}); apiErrorCode(err) != TypeNotFound {
		t.Errorf("unknown resource = %v, want ResourceNotFoundException", err)
	}
}

// TestAuthentication: unsigned, wrongly signed, unknown keys, expired and
// replayed requests are refused with 403 AccessDeniedException.
func TestAuthentication(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	wrong := sdkClient(a.http.URL, User{AccessKeyID: testAdmin.AccessKeyID, SecretAccessKey: "not-the-secret"})
	if _, err := wrong.ListDetectors(ctx, &guardduty.ListDetectorsInput{}); apiErrorCode(err) != TypeAccessDenied {
		t.Errorf("wrong secret = %v, want AccessDeniedException", err)
	}
	unknown := sdkClient(a.http.URL, User{AccessKeyID: "AKIAUNKNOWNKEY000001", SecretAccessKey: "x"})
	if _, err := unknown.ListDetectors(ctx, &guardduty.ListDetectorsInput{}); apiErrorCode(err) != TypeAccessDenied {
		t.Errorf("unknown key = %v, want AccessDeniedException", err)
	}
	resp, err := http.Get(a.http.URL + "/detector")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-ErrorType") != TypeAccessDenied {
		t.Errorf("unsigned request: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}

	// A signed request captured and sent again is refused; one signed ten
	// minutes ago too.
	var captured *http.Request
	var body []byte
	rec := guardduty.New(guardduty.Options{Region: "us-east-1", BaseEndpoint: aws.String(a.http.URL),
		Credentials: sdkClient(a.http.URL, testAdmin).Options().Credentials,
		HTTPClient:  recorder(func(r *http.Request, b []byte) { captured, body = r, b }), RetryMaxAttempts: 1})
	if _, err := rec.ListDetectors(ctx, &guardduty.ListDetectorsInput{}); err != nil {
		t.Fatalf("recorded call: %v", err)
	}
	replay := func() int {
		req, _ := http.NewRequest(captured.Method, captured.URL.String(), strings.NewReader(string(body)))
		req.Header = captured.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := replay(); code != http.StatusForbidden {
		t.Errorf("replayed request: status %d, want 403", code)
	}
	a.srv.opts.Now = func() time.Time { return time.Now().Add(10 * time.Minute) }
	old := sdkClient(a.http.URL, testAdmin)
	if _, err := old.ListDetectors(ctx, &guardduty.ListDetectorsInput{}); apiErrorCode(err) != TypeAccessDenied || !strings.Contains(err.Error(), "expired") {
		t.Errorf("request 10 minutes old = %v, want an expired signature", err)
	}
}

// recorder is an HTTP client that passes requests on and shows them to f.
type recorder func(r *http.Request, body []byte)

func (f recorder) Do(r *http.Request) (*http.Response, error) {
	var b []byte
	if r.Body != nil {
		b, _ = ioReadAll(r)
	}
	f(r, b)
	r.Body = ioNopCloser(b)
	return http.DefaultClient.Do(r)
}

// TestOversizedBody: a body over the limit is GuardDuty's 400, not a 500.
func TestOversizedBody(t *testing.T) {
	a := newTestAPI(t)
	_, err := a.admin.CreateFilter(context.Background(), &guardduty.CreateFilterInput{
		DetectorId: aws.String(testDetectorID), Name: aws.String("big"), Description: aws.String(strings.Repeat("x", 2<<20)),
		FindingCriteria: &types.FindingCriteria{Criterion: map[string]types.Condition{"severity": {GreaterThanOrEqual: aws.Int64(7)}}}})
	if apiErrorCode(err) != TypeBadRequest || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("2 MiB body = %v, want BadRequestException naming the limit", err)
	}
}

// TestPublishingFrequency: the notifier's batching interval follows
// UpdateDetector's findingPublishingFrequency (6 hours by default).
func TestPublishingFrequency(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	if got := a.srv.PublishingFrequency(ctx); got != 6*time.Hour {
		t.Errorf("default PublishingFrequency = %v, want 6h", got)
	}
	for freq, want := range map[types.FindingPublishingFrequency]time.Duration{
		types.FindingPublishingFrequencyFifteenMinutes: 15 * time.Minute, types.FindingPublishingFrequencyOneHour: time.Hour,
		types.FindingPublishingFrequencySixHours: 6 * time.Hour,
	} {
		if _, err := a.admin.UpdateDetector(ctx, &guardduty.UpdateDetectorInput{DetectorId: aws.String(testDetectorID),
			FindingPublishingFrequency: freq}); err != nil {
			t.Fatal(err)
		}
		if got := a.srv.PublishingFrequency(ctx); got != want {
			t.Errorf("after UpdateDetector(%s), PublishingFrequency = %v, want %v", freq, got, want)
		}
	}
}
