package s3

import (
	"slices"
	"testing"

	"github.com/vigil-sec/vigil/internal/detect/detecttest"
)

func TestS3ThreatIntelCaller(t *testing.T) {
	in := detecttest.Intel(t, map[string]string{
		"custom:corp-blocklist": "198.51.100.0/24\n",
		"malicious:feodo":       "192.0.2.0/26\n",
		"tor:tor-exits":         "192.0.2.77\n",
		"trusted:office":        "198.51.100.200\n",
	}, "")
	data := func(api string, readOnly bool, ip string) []string {
		ro := "false"
		if readOnly {
			ro = "true"
		}
		return []string{`{"eventName": "` + api + `", "readOnly": ` + ro + `, "managementEvent": false, "eventCategory": "Data",
		  "sourceIPAddress": "` + ip + `", "requestParameters": {"bucketName": "finance-reports", "key": "2024/q1.csv"}}`}
	}
	tests := []struct {
		name    string
		patches []string
		want    []string
	}{
		{"unlisted", data("GetObject", true, "203.0.113.10"), nil},
		{"malicious list, discovery", data("ListObjectsV2", true, "192.0.2.5"), []string{TypeDiscoveryMalicious + " 8"}},
		{"malicious list, exfiltration", data("GetObject", true, "192.0.2.5"), []string{TypeExfiltrationMalicious + " 8"}},
		{"malicious list, impact", data("DeleteObject", false, "192.0.2.5"), []string{TypeImpactMalicious + " 8"}},
		{"custom list, discovery", data("HeadObject", true, "198.51.100.9"), []string{TypeDiscoveryMaliciousCustom + " 8"}},
		{"custom list, write", data("PutObject", false, "198.51.100.9"), []string{TypeAccessMaliciousCustom + " 8"}},
		{"tor, discovery", data("ListObjects", true, "192.0.2.77"), []string{TypeDiscoveryTor + " 5"}},
		{"tor, read", data("GetObject", true, "192.0.2.77"), []string{TypeAccessTor + " 8"}},
		{"trusted", data("GetObject", true, "198.51.100.200"), nil},
		{"management event is the IAM detector's", []string{`{"sourceIPAddress": "192.0.2.5"}`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := detecttest.Process(t, detecttest.EngineWith(in), record(t, tt.patches...))
			if g := got(fs); !slices.Equal(g, tt.want) {
				t.Errorf("findings = %v, want %v", g, tt.want)
			}
		})
	}
}

func TestS3ThreatIntelDetails(t *testing.T) {
	in := detecttest.Intel(t, map[string]string{"malicious:feodo": "192.0.2.0/26\n"}, "")
	fs := detecttest.Process(t, detecttest.EngineWith(in), record(t, `{"eventName": "GetObject", "managementEvent": false,
	  "eventCategory": "Data", "sourceIPAddress": "192.0.2.5", "requestParameters": {"bucketName": "finance-reports", "key": "a.csv"}}`))
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1", len(fs))
	}
	f := fs[0]
	if f.Resource.ResourceType != "S3Bucket" || len(f.Resource.S3BucketDetails) != 1 || f.Resource.S3BucketDetails[0].Name != "finance-reports" {
		t.Errorf("resource = %+v, want bucket finance-reports", f.Resource)
	}
	if f.Resource.AccessKeyDetails == nil || f.Resource.AccessKeyDetails.UserName != "alice" {
		t.Errorf("accessKeyDetails = %+v, want alice", f.Resource.AccessKeyDetails)
	}
	if e := f.Service.Evidence; e == nil || e.ThreatIntelligenceDetails[0].ThreatListName != "feodo" {
		t.Errorf("evidence = %+v", f.Service.Evidence)
	}
	if want := "S3 API GetObject was invoked from a known malicious IP address 192.0.2.5."; f.Title != want {
		t.Errorf("title = %q, want %q", f.Title, want)
	}
}
