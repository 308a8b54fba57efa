package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

// TestAPIPlanAppliesWithoutRestart: a malware protection plan created
// with the AWS SDK against the running service protects its bucket within
// seconds (its status turns ACTIVE), beside the plan of vigil.yaml, and a
// deleted plan stops protecting.
func TestAPIPlanAppliesWithoutRestart(t *testing.T) {
	for _, kv := range adminEnv[:2] {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	ps := startProtected(t, "uploads", versitygw.Options{}, func(s *versitygw.Server) { s.CreateBucket(t, "incoming") })
	// The Debian AWS CLI predates the malware protection plan commands;
	// the AWS SDK for Go has them.
	gd := consoleAPI(ps.addr)
	ctx := context.Background()
	created, err := gd.CreateMalwareProtectionPlan(ctx, &guardduty.CreateMalwareProtectionPlanInput{
		Role:              aws.String("arn:aws:iam::123456789012:role/vigil-scan"),
		Actions:           &types.MalwareProtectionPlanActions{Tagging: &types.MalwareProtectionPlanTaggingAction{Status: types.MalwareProtectionPlanTaggingActionStatusEnabled}},
		ProtectedResource: &types.CreateProtectedResource{S3Bucket: &types.CreateS3BucketResource{BucketName: aws.String("incoming")}}})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		plan, err := gd.GetMalwareProtectionPlan(ctx, &guardduty.GetMalwareProtectionPlanInput{MalwareProtectionPlanId: created.MalwareProtectionPlanId})
		if err != nil {
			t.Fatal(err)
		}
		if plan.Status == types.MalwareProtectionPlanStatusActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("plan status %s %+v after 15 s, want ACTIVE", plan.Status, plan.StatusReasons)
		}
	}

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "eicar.com"), eicar(), 0o644)
	awsCLI(t, ps.s3, "s3", "cp", filepath.Join(dir, "eicar.com"), "s3://incoming/eicar.com")
	if got := waitTag(t, ps.s3, "incoming", "eicar.com"); got != "THREATS_FOUND" {
		t.Errorf("s3://incoming/eicar.com: tag %q, want THREATS_FOUND", got)
	}
	// The plan of vigil.yaml runs on after the restart of protection.
	awsCLI(t, ps.s3, "s3", "cp", filepath.Join(dir, "eicar.com"), "s3://uploads/eicar.com")
	if got := waitTag(t, ps.s3, "uploads", "eicar.com"); got != "THREATS_FOUND" {
		t.Errorf("s3://uploads/eicar.com: tag %q, want THREATS_FOUND", got)
	}

	if _, err := gd.DeleteMalwareProtectionPlan(ctx, &guardduty.DeleteMalwareProtectionPlanInput{MalwareProtectionPlanId: created.MalwareProtectionPlanId}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // applied within 200 ms; a scan would tag within a second or two
	awsCLI(t, ps.s3, "s3", "cp", filepath.Join(dir, "eicar.com"), "s3://incoming/after-delete.com")
	time.Sleep(3 * time.Second)
	if out := awsCLI(t, ps.s3, "s3api", "get-object-tagging", "--bucket", "incoming", "--key", "after-delete.com"); strings.Contains(out, "GuardDutyMalwareScanStatus") {
		t.Errorf("an object uploaded after the plan was deleted was scanned: %s", out)
	}
}
