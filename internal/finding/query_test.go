package finding_test

import (
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
)

func TestQueryMatch(t *testing.T) {
	yes, no := true, false
	f := finding.Finding{
		AccountID: "111122223333",
		Region:    "us-east-1",
		Type:      "Stealth:IAMUser/CloudTrailLoggingDisabled",
		Severity:  5,
	}
	archived := f
	archived.Service.Archived = true
	tests := []struct {
		name string
		q    finding.Query
		f    finding.Finding
		want bool
	}{
		{"zero query matches", finding.Query{}, f, true},
		{"zero query matches archived", finding.Query{}, archived, true},
		{"paging and sort do not filter", finding.Query{SortBy: finding.SortSeverity, Desc: true, Limit: 1, PageToken: "x"}, f, true},

		{"min severity equal", finding.Query{MinSeverity: 5}, f, true},
		{"min severity below", finding.Query{MinSeverity: 4.9}, f, true},
		{"min severity above", finding.Query{MinSeverity: 5.1}, f, false},

		{"max severity above", finding.Query{MaxSeverity: 5.1}, f, true},
		{"max severity equal is exclusive", finding.Query{MaxSeverity: 5}, f, false},
		{"max severity below", finding.Query{MaxSeverity: 4}, f, false},
		{"severity band", finding.Query{MinSeverity: finding.Medium.Min(), MaxSeverity: finding.High.Min()}, f, true},
		{"severity band above", finding.Query{MinSeverity: finding.High.Min(), MaxSeverity: finding.Critical.Min()}, f, false},

		{"type prefix", finding.Query{TypePrefix: "Stealth:"}, f, true},
		{"type exact", finding.Query{TypePrefix: f.Type}, f, true},
		{"type other prefix", finding.Query{TypePrefix: "Policy:"}, f, false},
		{"type prefix is case sensitive", finding.Query{TypePrefix: "stealth:"}, f, false},
		{"type prefix is a prefix, not a substring", finding.Query{TypePrefix: "IAMUser"}, f, false},

		{"account", finding.Query{AccountID: "111122223333"}, f, true},
		{"other account", finding.Query{AccountID: "444455556666"}, f, false},
		{"account is not a prefix", finding.Query{AccountID: "1111"}, f, false},

		{"region", finding.Query{Region: "us-east-1"}, f, true},
		{"other region", finding.Query{Region: "eu-west-1"}, f, false},

		{"archived only, current finding", finding.Query{Archived: &yes}, f, false},
		{"archived only, archived finding", finding.Query{Archived: &yes}, archived, true},
		{"current only, current finding", finding.Query{Archived: &no}, f, true},
		{"current only, archived finding", finding.Query{Archived: &no}, archived, false},

		{"all filters", finding.Query{MinSeverity: 4, MaxSeverity: 7, TypePrefix: "Stealth:", AccountID: "111122223333", Region: "us-east-1", Archived: &no}, f, true},
		{"all filters but one region", finding.Query{MinSeverity: 4, MaxSeverity: 7, TypePrefix: "Stealth:", AccountID: "111122223333", Region: "us-west-2", Archived: &no}, f, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.q.Match(&tt.f); got != tt.want {
				t.Errorf("%+v.Match(%s sev %v in %s/%s archived %t) = %t, want %t",
					tt.q, tt.f.Type, tt.f.Severity, tt.f.AccountID, tt.f.Region, tt.f.Service.Archived, got, tt.want)
			}
		})
	}
}

// TestQueryMatchResourceAndTime: the resource filter matches the id
// ResourceID gives and the access key's id or user name, exactly; the
// updatedAt range is [from, to) in milliseconds.
func TestQueryMatchResourceAndTime(t *testing.T) {
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	base := finding.Finding{Type: "Recon:IAMUser/MaliciousIPCaller", Severity: 5, UpdatedAt: finding.At(at)}
	key, inst, bucket, fn, other := base, base, base, base, base
	key.Resource = finding.Resource{ResourceType: finding.ResourceAccessKey,
		AccessKeyDetails: &finding.AccessKeyDetails{AccessKeyID: "AKIAEXAMPLE", UserName: "alice"}}
	inst.Resource = finding.Resource{ResourceType: finding.ResourceInstance, InstanceDetails: &finding.InstanceDetails{InstanceID: "i-0abc"},
		AccessKeyDetails: &finding.AccessKeyDetails{AccessKeyID: "ASIAROLE", UserName: "role-session"}}
	bucket.Resource = finding.Resource{ResourceType: finding.ResourceS3Bucket,
		S3BucketDetails: []finding.S3BucketDetail{{Name: "logs"}, {Name: "second"}}}
	fn.Resource = finding.Resource{ResourceType: finding.ResourceLambda, LambdaDetails: &finding.LambdaDetails{FunctionName: "resize"}}
	other.Resource = finding.Resource{ResourceType: "EKSCluster"}
	tests := []struct {
		name string
		q    finding.Query
		f    finding.Finding
		want bool
	}{
		{"access key id", finding.Query{Resource: "AKIAEXAMPLE"}, key, true},
		{"user name", finding.Query{Resource: "alice"}, key, true},
		{"user name is exact", finding.Query{Resource: "Alice"}, key, false},
		{"not a prefix", finding.Query{Resource: "AKIA"}, key, false},
		{"instance id", finding.Query{Resource: "i-0abc"}, inst, true},
		{"an instance's access key", finding.Query{Resource: "ASIAROLE"}, inst, true},
		{"an instance's session user name", finding.Query{Resource: "role-session"}, inst, true},
		{"first bucket", finding.Query{Resource: "logs"}, bucket, true},
		{"second bucket is not the resource id", finding.Query{Resource: "second"}, bucket, false},
		{"function name", finding.Query{Resource: "resize"}, fn, true},
		{"function name is not an instance's", finding.Query{Resource: "resize"}, inst, false},
		{"other resource type", finding.Query{Resource: "resize"}, other, false},
		{"empty resource type never matches a name", finding.Query{Resource: "x"}, base, false},

		{"from, equal", finding.Query{UpdatedFrom: at}, base, true},
		{"from, later", finding.Query{UpdatedFrom: at.Add(time.Millisecond)}, base, false},
		{"from, sub-millisecond later is the same millisecond", finding.Query{UpdatedFrom: at.Add(time.Microsecond)}, base, true},
		{"to, equal is exclusive", finding.Query{UpdatedTo: at}, base, false},
		{"to, later", finding.Query{UpdatedTo: at.Add(time.Millisecond)}, base, true},
		{"window", finding.Query{UpdatedFrom: at.Add(-time.Hour), UpdatedTo: at.Add(time.Hour)}, base, true},
		{"window before", finding.Query{UpdatedFrom: at.Add(-2 * time.Hour), UpdatedTo: at.Add(-time.Hour)}, base, false},
		{"resource and window", finding.Query{Resource: "alice", UpdatedFrom: at.Add(-time.Hour)}, key, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.q.Match(&tt.f); got != tt.want {
				t.Errorf("%+v.Match(%s resource %+v) = %t, want %t", tt.q, tt.f.Type, tt.f.Resource, got, tt.want)
			}
		})
	}
}

func TestResourceID(t *testing.T) {
	tests := []struct {
		r    finding.Resource
		want string
	}{
		{finding.Resource{ResourceType: finding.ResourceAccessKey, AccessKeyDetails: &finding.AccessKeyDetails{AccessKeyID: "AKIA1"}}, "AKIA1"},
		{finding.Resource{ResourceType: finding.ResourceAccessKey}, ""},
		{finding.Resource{ResourceType: finding.ResourceInstance, InstanceDetails: &finding.InstanceDetails{InstanceID: "i-1"}}, "i-1"},
		{finding.Resource{ResourceType: finding.ResourceLambda, LambdaDetails: &finding.LambdaDetails{FunctionName: "f"}}, "f"},
		{finding.Resource{ResourceType: finding.ResourceS3Object, S3BucketDetails: []finding.S3BucketDetail{{Name: "b1"}, {Name: "b2"}}}, "b1"},
		{finding.Resource{ResourceType: finding.ResourceS3Bucket}, ""},
		{finding.Resource{ResourceType: "EKSCluster", InstanceDetails: &finding.InstanceDetails{InstanceID: "i-1"}}, ""},
	}
	for _, tt := range tests {
		f := finding.Finding{Resource: tt.r}
		if got := finding.ResourceID(&f); got != tt.want {
			t.Errorf("ResourceID(%+v) = %q, want %q", tt.r, got, tt.want)
		}
	}
}
