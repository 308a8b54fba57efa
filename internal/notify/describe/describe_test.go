package describe_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify/describe"
)

func TestResource(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    finding.Resource
		want string
	}{
		{"instance", finding.Resource{ResourceType: "Instance", InstanceDetails: &finding.InstanceDetails{InstanceID: "i-1"}}, "i-1"},
		{"instance with a name", finding.Resource{InstanceDetails: &finding.InstanceDetails{InstanceID: "i-1", Tags: []finding.Tag{{Key: "Name", Value: "db"}}}}, "i-1 (db)"},
		{"access key", finding.Resource{AccessKeyDetails: &finding.AccessKeyDetails{AccessKeyID: "AKIA1", UserName: "bob"}}, "bob (AKIA1)"},
		{"principal only", finding.Resource{AccessKeyDetails: &finding.AccessKeyDetails{PrincipalID: "AIDA1"}}, "AIDA1"},
		{"key only", finding.Resource{AccessKeyDetails: &finding.AccessKeyDetails{AccessKeyID: "ASIA1"}}, "ASIA1"},
		{"bucket", finding.Resource{S3BucketDetails: []finding.S3BucketDetail{{Name: "logs"}}}, "logs"},
		{"object", finding.Resource{S3BucketDetails: []finding.S3BucketDetail{{Name: "up", S3ObjectDetails: []finding.S3ObjectDetail{{Key: "a/eicar.com"}}}}}, "up/a/eicar.com"},
		{"buckets", finding.Resource{S3BucketDetails: []finding.S3BucketDetail{{Arn: "arn:aws:s3:::a"}, {Name: "b"}, {Name: "c"}}}, "arn:aws:s3:::a +2 more"},
		{"function", finding.Resource{LambdaDetails: &finding.LambdaDetails{FunctionName: "fn", FunctionArn: "arn:fn"}}, "fn"},
		{"function arn", finding.Resource{LambdaDetails: &finding.LambdaDetails{FunctionArn: "arn:fn"}}, "arn:fn"},
		{"type only", finding.Resource{ResourceType: "EKSCluster"}, "EKSCluster"},
		{"nothing", finding.Resource{}, "unknown resource"},
		{"control characters", finding.Resource{AccessKeyDetails: &finding.AccessKeyDetails{UserName: "a\nb\x00c"}}, "a b c"},
	} {
		if got := describe.Resource(finding.Finding{Resource: tc.r}); got != tc.want {
			t.Errorf("%s: Resource = %q, want %q", tc.name, got, tc.want)
		}
	}
	long := describe.Resource(finding.Finding{Resource: finding.Resource{S3BucketDetails: []finding.S3BucketDetail{{Name: strings.Repeat("é", 1000)}}}})
	if n := utf8.RuneCountInString(long); n != describe.MaxResource || !strings.HasSuffix(long, "…") {
		t.Errorf("Resource of a 1000-character name: %d characters, ends %q", n, long[len(long)-6:])
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"ééé", 3, "ééé"},
		{"éééé", 3, "éé…"},
		{"a\r\nb", 10, "a  b"},
		{"\xff\xfe", 10, ""},
		{"x", 0, ""},
	} {
		if got := describe.Clean(tc.in, tc.n); got != tc.want {
			t.Errorf("Clean(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestFindingURL(t *testing.T) {
	for _, tc := range []struct{ console, id, want string }{
		{"https://vigil.example/console/", "abc", "https://vigil.example/console/findings/abc"},
		{"https://vigil.example/console", "abc", "https://vigil.example/console/findings/abc"},
		{"https://vigil.example/", "a/b c", "https://vigil.example/findings/a%2Fb%20c"},
		{"", "abc", ""},
		{"javascript:alert(1)//", "abc", ""},
		{"!channel/", "abc", ""},
	} {
		if got := describe.FindingURL(tc.console, tc.id); got != tc.want {
			t.Errorf("FindingURL(%q, %q) = %q, want %q", tc.console, tc.id, got, tc.want)
		}
	}
}

func TestTop(t *testing.T) {
	f := func(id, typ string, sev float64) finding.Finding {
		return finding.Finding{ID: id, Type: typ, Severity: sev}
	}
	in := []finding.Finding{f("1", "A", 2), f("2", "B", 8), f("3", "A", 9), f("4", "C", 5), f("5", "B", 3)}
	groups, omitted := describe.Top(in, 4)
	var got []string
	for _, g := range groups {
		s := g.Type + ":"
		for _, x := range g.Findings {
			s += x.ID
		}
		got = append(got, s)
	}
	if strings.Join(got, " ") != "A:3 B:25 C:4" || omitted != 1 {
		t.Errorf("Top = %v, %d omitted; want [A:3 B:25 C:4], 1 omitted", got, omitted)
	}
	if in[0].ID != "1" {
		t.Error("Top reordered its input")
	}
	if l := describe.Highest(in); l != finding.Critical {
		t.Errorf("Highest = %s, want Critical", l)
	}
}
