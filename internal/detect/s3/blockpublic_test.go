package s3

import (
	"slices"
	"testing"
)

func bpaConfig(acls, ignore, policy, restrict string) string {
	return `{"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/", "BlockPublicAcls": ` + acls + `, "IgnorePublicAcls": ` + ignore +
		`, "BlockPublicPolicy": ` + policy + `, "RestrictPublicBuckets": ` + restrict + `}`
}

func TestBlockPublicAccessDisabled(t *testing.T) {
	putBucket := func(cfg string) string {
		return `{"eventName": "PutBucketPublicAccessBlock", "readOnly": false, "requestParameters": {"publicAccessBlock": "", "bucketName": "finance-reports",
		  "Host": "finance-reports.s3.us-east-1.amazonaws.com", "PublicAccessBlockConfiguration": ` + cfg + `}}`
	}
	putAccount := func(source, cfg string) string {
		return `{"eventSource": "` + source + `", "eventName": "PutAccountPublicAccessBlock", "readOnly": false, "resources": null,
		  "requestParameters": {"Host": "111122223333.s3-control.us-east-1.amazonaws.com", "PublicAccessBlockConfiguration": ` + cfg + `}}`
	}
	allOn := bpaConfig("true", "true", "true", "true")
	bucket, account := []string{TypeBucketBlockPublicAccessDisabled + " 2"}, []string{TypeAccountBlockPublicAccessDisabled + " 2"}
	tests := []struct {
		name    string
		patches []string
		want    []string
	}{
		{"delete bucket BPA", []string{`{"eventName": "DeleteBucketPublicAccessBlock", "readOnly": false,
		  "requestParameters": {"publicAccessBlock": "", "bucketName": "finance-reports", "Host": "finance-reports.s3.us-east-1.amazonaws.com"}}`}, bucket},
		{"failed delete bucket BPA", []string{`{"eventName": "DeleteBucketPublicAccessBlock", "readOnly": false, "errorCode": "AccessDenied",
		  "requestParameters": {"publicAccessBlock": "", "bucketName": "finance-reports"}}`}, nil},
		{"put bucket BPA all off", []string{putBucket(bpaConfig("false", "false", "false", "false"))}, bucket},
		{"put bucket BPA one off", []string{putBucket(bpaConfig("true", "true", "false", "true"))}, bucket},
		{"put bucket BPA string values", []string{putBucket(bpaConfig(`"true"`, `"true"`, `"true"`, `"false"`))}, bucket},
		{"put bucket BPA omitted setting", []string{putBucket(`{"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true}`)}, bucket},
		{"put bucket BPA all on", []string{putBucket(allOn)}, nil},
		{"delete account BPA", []string{`{"eventName": "DeleteAccountPublicAccessBlock", "readOnly": false, "resources": null,
		  "requestParameters": {"Host": "111122223333.s3-control.us-east-1.amazonaws.com"}}`}, account},
		{"put account BPA off via s3control", []string{putAccount("s3control.amazonaws.com", bpaConfig("false", "true", "true", "true"))}, account},
		{"put account BPA off via s3", []string{putAccount("s3.amazonaws.com", bpaConfig("true", "true", "true", "false"))}, account},
		{"put account BPA all on", []string{putAccount("s3control.amazonaws.com", allOn)}, nil},
		{"get account BPA", []string{`{"eventSource": "s3control.amazonaws.com", "eventName": "GetAccountPublicAccessBlock", "requestParameters": {"Host": "111122223333.s3-control.us-east-1.amazonaws.com"}}`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g := got(run(t, record(t, tt.patches...))); !slices.Equal(g, tt.want) {
				t.Errorf("findings = %v, want %v", g, tt.want)
			}
		})
	}
}

func TestBucketBlockPublicAccessDisabledDetails(t *testing.T) {
	fs := run(t, record(t, roleIdentity, `{"eventName": "PutBucketPublicAccessBlock", "readOnly": false, "requestParameters": {"bucketName": "finance-reports",
	  "PublicAccessBlockConfiguration": `+bpaConfig("true", "true", "false", "false")+`}}`))
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1", len(fs))
	}
	f := fs[0]
	if f.Resource.ResourceType != "S3Bucket" || f.Resource.AccessKeyDetails == nil || len(f.Resource.S3BucketDetails) != 1 {
		t.Fatalf("resource = %+v", f.Resource)
	}
	b := f.Resource.S3BucketDetails[0]
	if b.Arn != "arn:aws:s3:::finance-reports" || b.Name != "finance-reports" || b.Type != "Destination" {
		t.Errorf("s3BucketDetails = %+v", b)
	}
	bpa := b.PublicAccess.PermissionConfiguration.BucketLevelPermissions.BlockPublicAccess
	if !bpa.BlockPublicAcls || !bpa.IgnorePublicAcls || bpa.BlockPublicPolicy || bpa.RestrictPublicBuckets {
		t.Errorf("blockPublicAccess = %+v", bpa)
	}
	if want := "Amazon S3 Block Public Access was disabled for S3 bucket finance-reports."; f.Title != want {
		t.Errorf("title = %q, want %q", f.Title, want)
	}
	if want := "ASIA6ON6E4XEEXAMPLE1|PutBucketPublicAccessBlock|AWS::S3::Bucket=finance-reports"; f.AggregationKey != want {
		t.Errorf("key = %q, want %q", f.AggregationKey, want)
	}
}
