package export

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/testutil/sdkhttp"
)

// The AWS SDK's types carry no JSON tags: their REST-JSON deserializers
// are generated code. These helpers serve rendered findings from a
// loopback server as the answer to GetFindings, so the SDK's own
// deserializer parses them into its types, as it would Security Hub's or
// GuardDuty's answer.

var testCreds = credentials.NewStaticCredentialsProvider("AKIAVIGILEXPORTTEST1", "export-test-secret", "")

// serveFindings starts a loopback server answering a POST to path with
// {"<member>":[items...]}.
func serveFindings(t *testing.T, path, member string, items [][]byte) string {
	t.Helper()
	body := append([]byte(`{"`+member+`":[`), bytes.Join(items, []byte(","))...)
	body = append(body, "]}"...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != path {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// parseASFF parses ASFF objects with the Security Hub SDK's deserializer.
func parseASFF(t *testing.T, items [][]byte) []shtypes.AwsSecurityFinding {
	t.Helper()
	url := serveFindings(t, "/findings", "Findings", items)
	c := securityhub.New(securityhub.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: testCreds, RetryMaxAttempts: 1, HTTPClient: sdkhttp.Buffered{}})
	out, err := c.GetFindings(context.Background(), &securityhub.GetFindingsInput{})
	if err != nil {
		t.Fatalf("securityhub GetFindings of our ASFF: %v", err)
	}
	if len(out.Findings) != len(items) {
		t.Fatalf("the SDK decoded %d findings of %d", len(out.Findings), len(items))
	}
	return out.Findings
}

// parseGuardDuty parses GuardDuty finding JSON with the GuardDuty SDK's
// deserializer.
func parseGuardDuty(t *testing.T, items [][]byte) []gdtypes.Finding {
	t.Helper()
	url := serveFindings(t, "/detector/d/findings/get", "findings", items)
	c := guardduty.New(guardduty.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: testCreds, RetryMaxAttempts: 1, HTTPClient: sdkhttp.Buffered{}})
	out, err := c.GetFindings(context.Background(), &guardduty.GetFindingsInput{DetectorId: aws.String("d"), FindingIds: []string{"x"}})
	if err != nil {
		t.Fatalf("guardduty GetFindings of our findings: %v", err)
	}
	if len(out.Findings) != len(items) {
		t.Fatalf("the SDK decoded %d findings of %d", len(out.Findings), len(items))
	}
	return out.Findings
}

// unknownKeys lists the JSON object keys of doc that name no field of the
// SDK type t (the SDK's deserializers skip unknown keys silently, so a
// misspelt key would otherwise go unnoticed). Keys are compared with
// fold when fold is set (GuardDuty's wire names are camelCase, its Go
// fields PascalCase). Maps (ProductFields, Tags) are not entered.
func unknownKeys(doc any, t reflect.Type, path string, fold bool) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	var bad []string
	switch d := doc.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return nil // a map[string]string of the SDK
		}
		for k, v := range d {
			f, ok := t.FieldByNameFunc(func(n string) bool {
				return n == k || (fold && strings.EqualFold(n, k))
			})
			if !ok {
				bad = append(bad, path+"."+k)
				continue
			}
			bad = append(bad, unknownKeys(v, f.Type, path+"."+k, fold)...)
		}
	case []any:
		for _, v := range d {
			bad = append(bad, unknownKeys(v, t, path+"[]", fold)...)
		}
	}
	return bad
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return v
}

func TestASFFParsesWithSecurityHubSDK(t *testing.T) {
	cs := corpus(t)
	items := make([][]byte, len(cs))
	for i, n := range cs {
		b, err := ASFF(n.f)
		if err != nil {
			t.Fatalf("%s: %v", n.name, err)
		}
		items[i] = b
		if bad := unknownKeys(decodeAny(t, b), reflect.TypeOf(shtypes.AwsSecurityFinding{}), "", false); len(bad) > 0 {
			t.Errorf("%s: keys unknown to securityhub/types.AwsSecurityFinding: %v", n.name, bad)
		}
	}
	got := parseASFF(t, items)
	for i, n := range cs {
		checkASFF(t, n.name, n.f, got[i])
	}
}

// checkASFF compares what the SDK decoded with the finding.
func checkASFF(t *testing.T, name string, f finding.Finding, a shtypes.AwsSecurityFinding) {
	t.Helper()
	want := map[string]string{
		"SchemaVersion": "2018-10-08",
		"Id":            f.Arn,
		"ProductArn":    "arn:aws:securityhub:" + f.Region + "::product/aws/guardduty",
		"GeneratorId":   "arn:aws:guardduty:" + f.Region + ":" + f.AccountID + ":detector/" + f.Service.DetectorID,
		"AwsAccountId":  f.AccountID,
		"Region":        f.Region,
		"CreatedAt":     f.CreatedAt.String(),
		"UpdatedAt":     f.UpdatedAt.String(),
		"Title":         f.Title,
		"Description":   f.Description,
		"RecordState":   map[bool]string{false: "ACTIVE", true: "ARCHIVED"}[f.Service.Archived],
		"Workflow":      "NEW",
		"Types[0]":      asffTypes(f.Type)[0],
		"Label":         strings.ToUpper(finding.LevelOf(f.Severity).String()),
	}
	got := map[string]string{
		"SchemaVersion": aws.ToString(a.SchemaVersion),
		"Id":            aws.ToString(a.Id),
		"ProductArn":    aws.ToString(a.ProductArn),
		"GeneratorId":   aws.ToString(a.GeneratorId),
		"AwsAccountId":  aws.ToString(a.AwsAccountId),
		"Region":        aws.ToString(a.Region),
		"CreatedAt":     aws.ToString(a.CreatedAt),
		"UpdatedAt":     aws.ToString(a.UpdatedAt),
		"Title":         aws.ToString(a.Title),
		"Description":   aws.ToString(a.Description),
		"RecordState":   string(a.RecordState),
		"Label":         string(a.Severity.Label),
	}
	if a.Workflow != nil {
		got["Workflow"] = string(a.Workflow.Status)
	}
	if len(a.Types) > 0 {
		got["Types[0]"] = a.Types[0]
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: ASFF %s = %q, want %q", name, k, got[k], w)
		}
	}
	if a.Severity.Product == nil || *a.Severity.Product != f.Severity {
		t.Errorf("%s: Severity.Product = %v, want %v", name, a.Severity.Product, f.Severity)
	}
	if n := aws.ToInt32(a.Severity.Normalized); n < 1 || n > 100 {
		t.Errorf("%s: Severity.Normalized = %d", name, n)
	}
	if len(a.Resources) == 0 || aws.ToString(a.Resources[0].Id) == "" || aws.ToString(a.Resources[0].Type) == "" {
		t.Errorf("%s: resources %+v, want at least one with Type and Id", name, a.Resources)
	}
	if len(a.ProductFields) == 0 || len(a.ProductFields) > 50 ||
		a.ProductFields["aws/guardduty/service/detectorId"] != f.Service.DetectorID {
		t.Errorf("%s: %d ProductFields, detectorId %q", name, len(a.ProductFields), a.ProductFields["aws/guardduty/service/detectorId"])
	}
	if f.Service.EventFirstSeen.String() != aws.ToString(a.FirstObservedAt) || f.Service.EventLastSeen.String() != aws.ToString(a.LastObservedAt) {
		t.Errorf("%s: observed %s..%s, want %s..%s", name, aws.ToString(a.FirstObservedAt), aws.ToString(a.LastObservedAt),
			f.Service.EventFirstSeen, f.Service.EventLastSeen)
	}
}

// TestGuardDutyNestedTimestamps parses a finding with s3BucketDetails
// createdAt with the SDK: GuardDuty's model has epoch seconds there
// (1513612691.551), and so must Vigil's JSON.
func TestGuardDutyNestedTimestamps(t *testing.T) {
	f := fixture(t, "../finding/testdata/finding.json")
	if len(f.Resource.S3BucketDetails) == 0 || f.Resource.S3BucketDetails[0].CreatedAt == nil {
		t.Fatal("the fixture has no s3BucketDetails[0].createdAt any more")
	}
	b, err := GuardDuty(f)
	if err != nil {
		t.Fatal(err)
	}
	url := serveFindings(t, "/detector/d/findings/get", "findings", [][]byte{b})
	c := guardduty.New(guardduty.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: testCreds, RetryMaxAttempts: 1, HTTPClient: sdkhttp.Buffered{}})
	out, err := c.GetFindings(context.Background(), &guardduty.GetFindingsInput{DetectorId: aws.String("d"), FindingIds: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	got := out.Findings[0].Resource.S3BucketDetails[0].CreatedAt
	if want := f.Resource.S3BucketDetails[0].CreatedAt.Time; got == nil || !got.Equal(want) {
		t.Errorf("the SDK read s3BucketDetails[0].createdAt %v, want %v", got, want)
	}
}

func TestGuardDutyParsesWithGuardDutySDK(t *testing.T) {
	cs := corpus(t)
	items := make([][]byte, len(cs))
	for i, n := range cs {
		b, err := GuardDuty(n.f)
		if err != nil {
			t.Fatalf("%s: %v", n.name, err)
		}
		items[i] = b
		if bad := unknownKeys(decodeAny(t, b), reflect.TypeOf(gdtypes.Finding{}), "", true); len(bad) > 0 {
			t.Errorf("%s: keys unknown to guardduty/types.Finding: %v", n.name, bad)
		}
	}
	got := parseGuardDuty(t, items)
	for i, n := range cs {
		g, f := got[i], n.f
		if aws.ToString(g.Id) != f.ID || aws.ToString(g.Arn) != f.Arn || aws.ToString(g.Type) != f.Type ||
			aws.ToString(g.AccountId) != f.AccountID || aws.ToFloat64(g.Severity) != f.Severity ||
			g.Service == nil || aws.ToInt32(g.Service.Count) != int32(f.Service.Count) ||
			g.Resource == nil || aws.ToString(g.Resource.ResourceType) != f.Resource.ResourceType {
			t.Errorf("%s: the SDK read id %q arn %q type %q account %q severity %v resource %+v",
				n.name, aws.ToString(g.Id), aws.ToString(g.Arn), aws.ToString(g.Type), aws.ToString(g.AccountId),
				aws.ToFloat64(g.Severity), g.Resource)
		}
	}
}
