package s3

import (
	"slices"
	"testing"
)

func TestPublicAccessGranted(t *testing.T) {
	putPolicy := func(statements string) string {
		return `{"eventName": "PutBucketPolicy", "readOnly": false, "requestParameters": {"bucketName": "finance-reports", "policy": "",
		  "Host": "finance-reports.s3.us-east-1.amazonaws.com", "bucketPolicy": {"Version": "2012-10-17", "Statement": ` + statements + `}}}`
	}
	putACL := func(grants string) string {
		return `{"eventName": "PutBucketAcl", "readOnly": false, "requestParameters": {"bucketName": "finance-reports", "acl": "",
		  "Host": "finance-reports.s3.us-east-1.amazonaws.com", "AccessControlPolicy": {"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/",
		  "Owner": {"ID": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
		  "AccessControlList": {"Grant": ` + grants + `}}}}`
	}
	grant := func(uri, permission string) string {
		return `{"Grantee": {"xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance", "xsi:type": "Group", "URI": "` + uri + `"}, "Permission": "` + permission + `"}`
	}
	const (
		all   = "http://acs.amazonaws.com/groups/global/AllUsers"
		auth  = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
		owner = `{"Grantee": {"xsi:type": "CanonicalUser", "ID": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}, "Permission": "FULL_CONTROL"}`
	)
	anon, public := TypeBucketAnonymousAccessGranted+" 8", TypeBucketPublicAccessGranted+" 8"
	tests := []struct {
		name    string
		patches []string
		want    []string
	}{
		{"policy Principal *", []string{putPolicy(`[{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::finance-reports/*"}]`)}, []string{anon}},
		{"policy single statement object", []string{putPolicy(`{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::finance-reports/*"}`)}, []string{anon}},
		{"policy AWS list with *", []string{putPolicy(`[{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::444455556666:root", "*"]}, "Action": "s3:*", "Resource": "*"}]`)}, []string{anon}},
		{"policy non-restricting condition", []string{putPolicy(`[{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::finance-reports/*",
		  "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]`)}, []string{anon}},
		{"policy as a JSON string", []string{`{"eventName": "PutBucketPolicy", "readOnly": false, "requestParameters": {"bucketName": "finance-reports",
		  "bucketPolicy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::finance-reports/*\"}]}"}}`}, []string{anon}},
		{"policy SourceIp condition", []string{putPolicy(`[{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::finance-reports/*",
		  "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}}]`)}, nil},
		{"policy org condition, odd case", []string{putPolicy(`[{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::finance-reports/*",
		  "Condition": {"StringEquals": {"AWS:PrincipalOrgID": "o-a1b2c3d4e5"}}}]`)}, nil},
		{"policy VPC endpoint condition", []string{putPolicy(`[{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
		  "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]`)}, nil},
		{"policy Deny *", []string{putPolicy(`[{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]`)}, nil},
		{"policy named account", []string{putPolicy(`[{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:GetObject", "Resource": "*"}]`)}, nil},
		{"policy service principal", []string{putPolicy(`[{"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "*"}]`)}, nil},
		{"failed policy", []string{putPolicy(`[{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]`), `{"errorCode": "AccessDenied"}`}, nil},
		{"ACL AllUsers READ", []string{putACL(`[` + owner + `, ` + grant(all, "READ") + `]`)}, []string{anon}},
		{"ACL single AllUsers grant object", []string{putACL(grant(all, "WRITE"))}, []string{anon}},
		{"ACL AuthenticatedUsers", []string{putACL(`[` + owner + `, ` + grant(auth, "READ") + `]`)}, []string{public}},
		{"ACL both groups", []string{putACL(`[` + grant(all, "READ") + `, ` + grant(auth, "FULL_CONTROL") + `]`)}, []string{anon, public}},
		{"ACL owner only", []string{putACL(`[` + owner + `]`)}, nil},
		{"canned public-read", []string{`{"eventName": "PutBucketAcl", "readOnly": false, "requestParameters": {"bucketName": "finance-reports", "acl": "", "x-amz-acl": ["public-read"]}}`}, []string{anon}},
		{"canned public-read-write as string", []string{`{"eventName": "PutBucketAcl", "readOnly": false, "requestParameters": {"bucketName": "finance-reports", "acl": "", "x-amz-acl": "public-read-write"}}`}, []string{anon}},
		{"canned authenticated-read", []string{`{"eventName": "PutBucketAcl", "readOnly": false, "requestParameters": {"bucketName": "finance-reports", "acl": "", "x-amz-acl": ["authenticated-read"]}}`}, []string{public}},
		{"canned private", []string{`{"eventName": "PutBucketAcl", "readOnly": false, "requestParameters": {"bucketName": "finance-reports", "acl": "", "x-amz-acl": ["private"]}}`}, nil},
		{"CreateBucket public-read", []string{`{"eventName": "CreateBucket", "readOnly": false, "requestParameters": {"bucketName": "finance-reports",
		  "Host": "s3.us-east-1.amazonaws.com", "x-amz-acl": ["public-read"]}}`}, []string{anon}},
		{"CreateBucket grant header", []string{`{"eventName": "CreateBucket", "readOnly": false, "requestParameters": {"bucketName": "finance-reports",
		  "x-amz-grant-read": ["uri=\"http://acs.amazonaws.com/groups/global/AuthenticatedUsers\""]}}`}, []string{public}},
		{"CreateBucket private", []string{`{"eventName": "CreateBucket", "readOnly": false, "requestParameters": {"bucketName": "finance-reports",
		  "Host": "s3.us-east-1.amazonaws.com", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}}`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g := got(run(t, record(t, tt.patches...))); !slices.Equal(g, tt.want) {
				t.Errorf("findings = %v, want %v", g, tt.want)
			}
		})
	}
}

func TestAnonymousAccessGrantedDetails(t *testing.T) {
	fs := run(t, record(t, `{"eventName": "PutBucketPolicy", "readOnly": false, "requestParameters": {"bucketName": "finance-reports",
	  "bucketPolicy": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]}}}`))
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1", len(fs))
	}
	f := fs[0]
	pa := f.Resource.S3BucketDetails[0].PublicAccess
	rw := pa.PermissionConfiguration.BucketLevelPermissions.BucketPolicy
	if pa.EffectivePermission != "PUBLIC" || rw == nil || !rw.AllowsPublicReadAccess || rw.AllowsPublicWriteAccess {
		t.Errorf("publicAccess = %+v, bucketPolicy %+v", pa, rw)
	}
	if want := "S3 bucket finance-reports was made accessible to anyone on the internet."; f.Title != want {
		t.Errorf("title = %q, want %q", f.Title, want)
	}
	if want := "AKIA6ON6E4XEHEXAMPLE|PutBucketPolicy|AWS::S3::Bucket=finance-reports"; f.AggregationKey != want {
		t.Errorf("key = %q, want %q", f.AggregationKey, want)
	}
}
