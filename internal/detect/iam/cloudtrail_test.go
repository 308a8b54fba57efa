package iam

import (
	"slices"
	"testing"
)

func TestCloudTrailLoggingDisabled(t *testing.T) {
	const trail = "arn:aws:cloudtrail:us-east-1:111122223333:trail/management-events"
	want := []string{TypeCloudTrailLoggingDisabled + " 2"}
	tests := []struct {
		name  string
		patch string
		want  []string
	}{
		{"StopLogging", `{"eventName": "StopLogging", "readOnly": false, "requestParameters": {"name": "` + trail + `"}}`, want},
		{"failed StopLogging", `{"eventName": "StopLogging", "readOnly": false, "requestParameters": {"name": "` + trail + `"},
		  "errorCode": "AccessDenied", "errorMessage": "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: cloudtrail:StopLogging"}`, nil},
		{"StopLogging on another service", `{"eventSource": "example.amazonaws.com", "eventName": "StopLogging"}`, nil},
		{"DeleteTrail", `{"eventName": "DeleteTrail", "readOnly": false, "requestParameters": {"name": "management-events"}}`, want},
		{"PutEventSelectors without management events", `{"eventName": "PutEventSelectors", "readOnly": false, "requestParameters": {"trailName": "management-events",
		  "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": false, "dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}], "excludeManagementEventSources": []}]}}`, want},
		{"PutEventSelectors read-write None", `{"eventName": "PutEventSelectors", "readOnly": false, "requestParameters": {"trailName": "management-events",
		  "eventSelectors": [{"readWriteType": "None", "includeManagementEvents": true}]}}`, want},
		{"PutEventSelectors keeping management events", `{"eventName": "PutEventSelectors", "readOnly": false, "requestParameters": {"trailName": "management-events",
		  "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": false}, {"readWriteType": "WriteOnly", "includeManagementEvents": true}]}}`, nil},
		{"PutEventSelectors default includeManagementEvents", `{"eventName": "PutEventSelectors", "readOnly": false, "requestParameters": {"trailName": "management-events",
		  "eventSelectors": [{"readWriteType": "All"}]}}`, nil},
		{"advanced selectors data only", `{"eventName": "PutEventSelectors", "readOnly": false, "requestParameters": {"trailName": "management-events",
		  "advancedEventSelectors": [{"name": "S3 data", "fieldSelectors": [{"field": "eventCategory", "equals": ["Data"]}, {"field": "resources.type", "equals": ["AWS::S3::Object"]}]}]}}`, want},
		{"advanced selectors with management", `{"eventName": "PutEventSelectors", "readOnly": false, "requestParameters": {"trailName": "management-events",
		  "advancedEventSelectors": [{"name": "Management", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}]}}`, nil},
		{"UpdateTrail single region", `{"eventName": "UpdateTrail", "readOnly": false, "requestParameters": {"name": "management-events", "isMultiRegionTrail": false}}`, want},
		{"UpdateTrail no global events", `{"eventName": "UpdateTrail", "readOnly": false, "requestParameters": {"name": "management-events", "includeGlobalServiceEvents": false}}`, want},
		{"UpdateTrail bucket change", `{"eventName": "UpdateTrail", "readOnly": false, "requestParameters": {"name": "management-events", "s3BucketName": "new-trail-bucket", "isMultiRegionTrail": true}}`, nil},
		{"GetEventSelectors", `{"eventName": "GetEventSelectors", "requestParameters": {"trailName": "management-events"}}`, nil},
		{"StartLogging", `{"eventName": "StartLogging", "readOnly": false, "requestParameters": {"name": "management-events"}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g := got(run(t, record(t, tt.patch))); !slices.Equal(g, tt.want) {
				t.Errorf("findings = %v, want %v", g, tt.want)
			}
		})
	}
}

func TestCloudTrailLoggingDisabledDetails(t *testing.T) {
	fs := run(t, record(t, roleIdentity, `{"eventName": "StopLogging", "readOnly": false, "sourceIPAddress": "cloudformation.amazonaws.com",
	  "requestParameters": {"name": "management-events"}}`))
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1", len(fs))
	}
	f := fs[0]
	if want := "AWS CloudTrail trail management-events was disabled."; f.Title != want {
		t.Errorf("title = %q, want %q", f.Title, want)
	}
	call := f.Service.Action.AwsAPICallAction
	if call.API != "StopLogging" || call.ServiceName != "cloudtrail.amazonaws.com" || call.CallerType != "Remote domain" ||
		call.DomainDetails == nil || call.DomainDetails.Domain != "cloudformation.amazonaws.com" || call.RemoteIPDetails != nil {
		t.Errorf("awsApiCallAction = %+v", call)
	}
	if call.AffectedResources["AWS::CloudTrail::Trail"] != "management-events" {
		t.Errorf("affectedResources = %v", call.AffectedResources)
	}
	if f.Resource.AccessKeyDetails.UserName != "deployer" || f.Resource.AccessKeyDetails.UserType != "AssumedRole" {
		t.Errorf("accessKeyDetails = %+v", f.Resource.AccessKeyDetails)
	}
	if want := "ASIA6ON6E4XEEXAMPLE1|StopLogging|AWS::CloudTrail::Trail=management-events"; f.AggregationKey != want {
		t.Errorf("key = %q, want %q", f.AggregationKey, want)
	}
}
