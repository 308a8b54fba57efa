package defense

import (
	"slices"
	"strings"
	"testing"
)

func TestOrganizationsModifyCloudResourceHierarchy(t *testing.T) {
	const leave = `{"eventSource": "organizations.amazonaws.com", "eventName": "LeaveOrganization", "readOnly": false, "requestParameters": null, "responseElements": null}`
	want := []string{TypeOrganizationsModifyCloudResourceHierarchy + " 8"}
	tests := []struct {
		name    string
		patches []string
		want    []string
	}{
		{"leave", []string{leave}, want},
		{"failed leave attempt", []string{leave, `{"errorCode": "ConstraintViolationException",
		  "errorMessage": "You cannot remove an account from your organization while the account is not configured for standalone use."}`}, want},
		{"describe organization", []string{`{"eventSource": "organizations.amazonaws.com", "eventName": "DescribeOrganization", "requestParameters": null}`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g := got(run(t, record(t, tt.patches...))); !slices.Equal(g, tt.want) {
				t.Errorf("findings = %v, want %v", g, tt.want)
			}
		})
	}
}

func TestOrganizationLeaveAttemptDetails(t *testing.T) {
	fs := run(t, record(t, roleIdentity, `{"eventSource": "organizations.amazonaws.com", "eventName": "LeaveOrganization", "readOnly": false,
	  "requestParameters": null, "errorCode": "AccessDeniedException"}`))
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1", len(fs))
	}
	f := fs[0]
	if f.Service.Action.AwsAPICallAction.ErrorCode != "AccessDeniedException" {
		t.Errorf("errorCode = %q", f.Service.Action.AwsAPICallAction.ErrorCode)
	}
	if !strings.Contains(f.Description, "assumed role deployer") || !strings.Contains(f.Description, "signal OrganizationLeaveAttempt") {
		t.Errorf("description = %q", f.Description)
	}
	if want := "ASIA6ON6E4XEEXAMPLE1|LeaveOrganization|AWS::::Account=111122223333"; f.AggregationKey != want {
		t.Errorf("key = %q, want %q", f.AggregationKey, want)
	}
}
