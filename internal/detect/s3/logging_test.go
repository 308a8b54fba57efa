package s3

import (
	"slices"
	"testing"
)

func TestServerAccessLoggingDisabled(t *testing.T) {
	putLogging := func(status string) string {
		return `{"eventName": "PutBucketLogging", "readOnly": false, "requestParameters": {"bucketName": "finance-reports", "logging": "",
		  "Host": "finance-reports.s3.us-east-1.amazonaws.com", "BucketLoggingStatus": ` + status + `}}`
	}
	want := []string{TypeServerAccessLoggingDisabled + " 2"}
	tests := []struct {
		name    string
		patches []string
		want    []string
	}{
		{"logging removed", []string{putLogging(`{"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}`)}, want},
		{"logging null", []string{putLogging(`{"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/", "LoggingEnabled": null}`)}, want},
		{"logging enabled", []string{putLogging(`{"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/",
		  "LoggingEnabled": {"TargetBucket": "access-logs-111122223333", "TargetPrefix": "finance-reports/"}}`)}, nil},
		{"failed", []string{putLogging(`{"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}`), `{"errorCode": "AccessDenied"}`}, nil},
		{"read logging", []string{`{"eventName": "GetBucketLogging", "requestParameters": {"bucketName": "finance-reports", "logging": ""}}`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g := got(run(t, record(t, tt.patches...))); !slices.Equal(g, tt.want) {
				t.Errorf("findings = %v, want %v", g, tt.want)
			}
		})
	}
}
