package iam

import (
	"slices"
	"testing"
)

func TestRootCredentialUsage(t *testing.T) {
	consoleLogin := `{"eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "eventType": "AwsConsoleSignIn",
	  "userIdentity": {"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"},
	  "userAgent": "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "requestParameters": null,
	  "responseElements": {"ConsoleLogin": "Success"}, "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "Yes"}}`
	tests := []struct {
		name    string
		patches []string
		want    []string
	}{
		{"root API call", []string{rootIdentity}, []string{TypeRootCredentialUsage + " 2"}},
		{"root failed call", []string{rootIdentity, `{"errorCode": "AccessDenied", "errorMessage": "denied"}`}, []string{TypeRootCredentialUsage + " 2"}},
		{"root console login", []string{consoleLogin}, []string{TypeRootCredentialUsage + " 2"}},
		{"root failed console login", []string{consoleLogin, `{"errorMessage": "Failed authentication", "responseElements": {"ConsoleLogin": "Failure"}}`},
			[]string{TypeRootCredentialUsage + " 2"}},
		{"root invoked by a service", []string{`{"userIdentity": {"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root",
		  "accountId": "111122223333", "invokedBy": "support.amazonaws.com"}, "sourceIPAddress": "support.amazonaws.com", "userAgent": "support.amazonaws.com"}`}, nil},
		{"root service event", []string{rootIdentity, `{"eventType": "AwsServiceEvent"}`}, nil},
		{"AssumeRoot session", []string{`{"userIdentity": {"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root",
		  "accountId": "111122223333", "accessKeyId": "ASIA6ON6E4XEROOTSESS", "assumedRoot": "true",
		  "sessionContext": {"attributes": {"creationDate": "2024-05-01T09:58:00Z", "mfaAuthenticated": "false"}}}}`},
			[]string{TypeShortTermRootCredentialUsage + " 2"}},
		{"failed AssumeRoot session call", []string{`{"userIdentity": {"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root",
		  "accountId": "111122223333", "accessKeyId": "ASIA6ON6E4XEROOTSESS", "assumedRoot": "true"}, "errorCode": "AccessDenied"}`}, nil},
		{"IAM user", nil, nil},
		{"assumed role", []string{roleIdentity}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g := got(run(t, record(t, tt.patches...))); !slices.Equal(g, tt.want) {
				t.Errorf("findings = %v, want %v", g, tt.want)
			}
		})
	}
}

func TestRootCredentialUsageDetails(t *testing.T) {
	fs := run(t, record(t, rootIdentity, `{"eventSource": "s3.amazonaws.com", "eventName": "ListBuckets", "requestParameters": {"Host": "s3.amazonaws.com"}}`))
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1", len(fs))
	}
	f := fs[0]
	if want := "API ListBuckets was invoked using root credentials."; f.Title != want {
		t.Errorf("title = %q, want %q", f.Title, want)
	}
	if want := "API ListBuckets was invoked using root credentials from IP address 203.0.113.10."; f.Description != want {
		t.Errorf("description = %q, want %q", f.Description, want)
	}
	ak := f.Resource.AccessKeyDetails
	if f.Resource.ResourceType != "AccessKey" || ak == nil || ak.AccessKeyID != "AKIA6ON6E4XEROOTKEY1" || ak.UserName != "Root" || ak.UserType != "Root" {
		t.Errorf("resource = %+v", f.Resource)
	}
	if f.AggregationKey != "AKIA6ON6E4XEROOTKEY1|ListBuckets" {
		t.Errorf("key = %q", f.AggregationKey)
	}
}
