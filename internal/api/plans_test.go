package api

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/google/go-cmp/cmp"
)

const testRole = "arn:aws:iam::111122223333:role/vigil-malware"

func planInputFor(bucket string, prefixes ...string) *guardduty.CreateMalwareProtectionPlanInput {
	return &guardduty.CreateMalwareProtectionPlanInput{Role: aws.String(testRole),
		ProtectedResource: &types.CreateProtectedResource{S3Bucket: &types.CreateS3BucketResource{BucketName: aws.String(bucket), ObjectPrefixes: prefixes}}}
}

func planIDs(t *testing.T, a *testAPI) []string {
	t.Helper()
	out, err := a.ro.ListMalwareProtectionPlans(context.Background(), &guardduty.ListMalwareProtectionPlansInput{})
	if err != nil {
		t.Fatalf("ListMalwareProtectionPlans: %v", err)
	}
	var ids []string
	for _, p := range out.MalwareProtectionPlans {
		ids = append(ids, aws.ToString(p.MalwareProtectionPlanId))
	}
	return ids
}

func TestPlanLifecycle(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	a.srv.SetConfigPlans([]PlanSpec{{ID: "uploads", Bucket: "uploads-bucket", Prefixes: []string{"in/"}, Tagging: true}})

	in := planInputFor("reports", "daily/", "weekly/")
	in.Actions = &types.MalwareProtectionPlanActions{Tagging: &types.MalwareProtectionPlanTaggingAction{Status: types.MalwareProtectionPlanTaggingActionStatusEnabled}}
	in.Tags = map[string]string{"team": "sec"}
	out, err := a.admin.CreateMalwareProtectionPlan(ctx, in)
	if err != nil {
		t.Fatalf("CreateMalwareProtectionPlan: %v", err)
	}
	id := aws.ToString(out.MalwareProtectionPlanId)
	get := func() *guardduty.GetMalwareProtectionPlanOutput {
		t.Helper()
		got, err := a.ro.GetMalwareProtectionPlan(ctx, &guardduty.GetMalwareProtectionPlanInput{MalwareProtectionPlanId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetMalwareProtectionPlan: %v", err)
		}
		return got
	}
	got := get()
	if aws.ToString(got.Arn) != a.srv.PlanARN(id) || aws.ToString(got.Role) != testRole || got.CreatedAt == nil || got.Tags["team"] != "sec" ||
		aws.ToString(got.ProtectedResource.S3Bucket.BucketName) != "reports" || got.Actions.Tagging.Status != types.MalwareProtectionPlanTaggingActionStatusEnabled {
		t.Errorf("GetMalwareProtectionPlan = %+v", got)
	}
	if diff := cmp.Diff([]string{"daily/", "weekly/"}, got.ProtectedResource.S3Bucket.ObjectPrefixes); diff != "" {
		t.Errorf("objectPrefixes (-want +got):\n%s", diff)
	}
	// Not running yet: cmd/vigil reads the plans at start.
	if got.Status != types.MalwareProtectionPlanStatusWarning || len(got.StatusReasons) != 1 {
		t.Errorf("status before Plans = %s %v, want WARNING with a reason", got.Status, got.StatusReasons)
	}
	specs, err := a.srv.Plans(ctx)
	if err != nil {
		t.Fatalf("Plans: %v", err)
	}
	if diff := cmp.Diff([]PlanSpec{{ID: id, Bucket: "reports", Prefixes: []string{"daily/", "weekly/"}, Tagging: true}}, specs); diff != "" {
		t.Errorf("Plans (-want +got):\n%s", diff)
	}
	if got := get(); got.Status != types.MalwareProtectionPlanStatusActive || len(got.StatusReasons) != 0 {
		t.Errorf("status after Plans = %s %v, want ACTIVE", got.Status, got.StatusReasons)
	}

	_, err = a.admin.UpdateMalwareProtectionPlan(ctx, &guardduty.UpdateMalwareProtectionPlanInput{MalwareProtectionPlanId: aws.String(id),
		ProtectedResource: &types.UpdateProtectedResource{S3Bucket: &types.UpdateS3BucketResource{ObjectPrefixes: []string{"monthly/"}}},
		Actions:           &types.MalwareProtectionPlanActions{Tagging: &types.MalwareProtectionPlanTaggingAction{Status: types.MalwareProtectionPlanTaggingActionStatusDisabled}}})
	if err != nil {
		t.Fatalf("UpdateMalwareProtectionPlan: %v", err)
	}
	got = get()
	if diff := cmp.Diff([]string{"monthly/"}, got.ProtectedResource.S3Bucket.ObjectPrefixes); diff != "" || aws.ToString(got.Role) != testRole ||
		got.Actions.Tagging.Status != types.MalwareProtectionPlanTaggingActionStatusDisabled || got.Status != types.MalwareProtectionPlanStatusWarning {
		t.Errorf("after update: prefixes %v role %q tagging %s status %s", got.ProtectedResource.S3Bucket.ObjectPrefixes, aws.ToString(got.Role),
			got.Actions.Tagging.Status, got.Status)
	}

	if diff := cmp.Diff([]string{"uploads", id}, planIDs(t, a)); diff != "" {
		t.Errorf("ListMalwareProtectionPlans (-want +got):\n%s", diff)
	}
	if _, err := a.admin.DeleteMalwareProtectionPlan(ctx, &guardduty.DeleteMalwareProtectionPlanInput{MalwareProtectionPlanId: aws.String(id)}); err != nil {
		t.Fatalf("DeleteMalwareProtectionPlan: %v", err)
	}
	if _, err := a.ro.GetMalwareProtectionPlan(ctx, &guardduty.GetMalwareProtectionPlanInput{MalwareProtectionPlanId: aws.String(id)}); apiErrorCode(err) != TypeNotFound {
		t.Errorf("GetMalwareProtectionPlan after delete = %v, want ResourceNotFoundException", err)
	}
	if specs, _ := a.srv.Plans(ctx); len(specs) != 0 {
		t.Errorf("Plans after delete = %v", specs)
	}
}

// TestConfigPlans: the plans of vigil.yaml are listed and shown, never
// changed, and their buckets cannot get a second plan.
func TestConfigPlans(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	a.srv.SetConfigPlans([]PlanSpec{{ID: "uploads", Bucket: "uploads-bucket", Prefixes: []string{"in/"}, Tagging: true}})
	got, err := a.ro.GetMalwareProtectionPlan(ctx, &guardduty.GetMalwareProtectionPlanInput{MalwareProtectionPlanId: aws.String("uploads")})
	if err != nil {
		t.Fatalf("GetMalwareProtectionPlan(config plan): %v", err)
	}
	if got.Status != types.MalwareProtectionPlanStatusActive || aws.ToString(got.ProtectedResource.S3Bucket.BucketName) != "uploads-bucket" ||
		got.Actions.Tagging.Status != types.MalwareProtectionPlanTaggingActionStatusEnabled || aws.ToString(got.Arn) != a.srv.PlanARN("uploads") {
		t.Errorf("config plan = %+v", got)
	}
	_, err = a.admin.UpdateMalwareProtectionPlan(ctx, &guardduty.UpdateMalwareProtectionPlanInput{MalwareProtectionPlanId: aws.String("uploads"), Role: aws.String(testRole)})
	if apiErrorCode(err) != TypeBadRequest || !strings.Contains(err.Error(), "vigil.yaml") {
		t.Errorf("UpdateMalwareProtectionPlan(config plan) = %v, want BadRequestException naming vigil.yaml", err)
	}
	_, err = a.admin.DeleteMalwareProtectionPlan(ctx, &guardduty.DeleteMalwareProtectionPlanInput{MalwareProtectionPlanId: aws.String("uploads")})
	if apiErrorCode(err) != TypeBadRequest || !strings.Contains(err.Error(), "vigil.yaml") {
		t.Errorf("DeleteMalwareProtectionPlan(config plan) = %v, want BadRequestException naming vigil.yaml", err)
	}
	if _, err := a.admin.CreateMalwareProtectionPlan(ctx, planInputFor("uploads-bucket")); apiErrorCode(err) != TypeConflict {
		t.Errorf("a plan for a bucket of vigil.yaml = %v, want ConflictException", err)
	}

	// A bucket protected through the API, then in vigil.yaml too (edited
	// and restarted): vigil.yaml wins and the API plan shows the error.
	out, err := a.admin.CreateMalwareProtectionPlan(ctx, planInputFor("later-bucket"))
	if err != nil {
		t.Fatal(err)
	}
	a.srv.SetConfigPlans([]PlanSpec{{ID: "uploads", Bucket: "uploads-bucket"}, {ID: "later", Bucket: "later-bucket"}})
	if specs, err := a.srv.Plans(ctx); err != nil || len(specs) != 0 {
		t.Errorf("Plans with the bucket in vigil.yaml = %v, %v; want none", specs, err)
	}
	got, err = a.ro.GetMalwareProtectionPlan(ctx, &guardduty.GetMalwareProtectionPlanInput{MalwareProtectionPlanId: out.MalwareProtectionPlanId})
	if err != nil || got.Status != types.MalwareProtectionPlanStatusError {
		t.Errorf("shadowed API plan = %+v, %v; want status ERROR", got, err)
	}
	if diff := cmp.Diff([]string{"uploads", "later", aws.ToString(out.MalwareProtectionPlanId)}, planIDs(t, a)); diff != "" {
		t.Errorf("ListMalwareProtectionPlans (-want +got):\n%s", diff)
	}
}

func TestPlanErrors(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	taken, err := a.admin.CreateMalwareProtectionPlan(ctx, planInputFor("taken"))
	if err != nil {
		t.Fatal(err)
	}
	withTagging := func(status string) *guardduty.CreateMalwareProtectionPlanInput {
		in := planInputFor("fresh")
		in.Actions = &types.MalwareProtectionPlanActions{Tagging: &types.MalwareProtectionPlanTaggingAction{Status: types.MalwareProtectionPlanTaggingActionStatus(status)}}
		return in
	}
	withRole := func(role string) *guardduty.CreateMalwareProtectionPlanInput {
		in := planInputFor("fresh")
		in.Role = aws.String(role)
		return in
	}
	tests := []struct {
		name string
		in   *guardduty.CreateMalwareProtectionPlanInput
		want string
	}{
		{"second plan for a bucket", planInputFor("taken"), TypeConflict},
		{"six prefixes", planInputFor("fresh", "a", "b", "c", "d", "e", "f"), TypeBadRequest},
		{"empty prefix", planInputFor("fresh", ""), TypeBadRequest},
		{"bad bucket name", planInputFor("Bad_Bucket"), TypeBadRequest},
		{"no bucket", &guardduty.CreateMalwareProtectionPlanInput{Role: aws.String(testRole), ProtectedResource: &types.CreateProtectedResource{}}, TypeBadRequest},
		{"bad tagging status", withTagging("MAYBE"), TypeBadRequest},
		{"role not an ARN", withRole("vigil"), TypeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := a.admin.CreateMalwareProtectionPlan(ctx, tt.in); apiErrorCode(err) != tt.want {
				t.Errorf("CreateMalwareProtectionPlan = %v, want %s", err, tt.want)
			}
		})
	}
	if n := len(planIDs(t, a)); n != 1 {
		t.Errorf("%d plans after failed creates, want 1", n)
	}
	if _, err := a.ro.CreateMalwareProtectionPlan(ctx, planInputFor("mine")); apiErrorCode(err) != TypeAccessDenied {
		t.Errorf("read-only CreateMalwareProtectionPlan = %v, want AccessDeniedException", err)
	}
	if _, err := a.admin.UpdateMalwareProtectionPlan(ctx, &guardduty.UpdateMalwareProtectionPlanInput{MalwareProtectionPlanId: aws.String("nope"),
		Role: aws.String(testRole)}); apiErrorCode(err) != TypeNotFound {
		t.Errorf("UpdateMalwareProtectionPlan of an unknown id = %v, want ResourceNotFoundException", err)
	}
	if _, err := a.admin.DeleteMalwareProtectionPlan(ctx, &guardduty.DeleteMalwareProtectionPlanInput{MalwareProtectionPlanId: aws.String("nope")}); apiErrorCode(err) != TypeNotFound {
		t.Errorf("DeleteMalwareProtectionPlan of an unknown id = %v, want ResourceNotFoundException", err)
	}
	// The SDK cannot send a bucket name in an update; other clients can.
	resp := signedCall(t, a, "PATCH", "/malware-protection-plan/"+aws.ToString(taken.MalwareProtectionPlanId),
		`{"protectedResource":{"s3Bucket":{"bucketName":"elsewhere"}}}`)
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != TypeBadRequest {
		t.Errorf("moving a plan to another bucket: %d %s, want 400 BadRequestException", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
	if _, err := a.ro.ListMalwareProtectionPlans(ctx, &guardduty.ListMalwareProtectionPlansInput{NextToken: aws.String("x")}); apiErrorCode(err) != TypeBadRequest {
		t.Errorf("ListMalwareProtectionPlans with a bad token = %v, want BadRequestException", err)
	}
}
