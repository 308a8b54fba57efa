package iam

import (
	"slices"
	"testing"

	"github.com/vigil-sec/vigil/internal/detect/detecttest"
)

func TestThreatIntelCaller(t *testing.T) {
	in := detecttest.Intel(t, map[string]string{
		"custom:corp-blocklist": "198.51.100.0/24\n",
		"malicious:spamhaus":    "192.0.2.0/26\n",
		"tor:tor-exits":         "192.0.2.77\n2001:db8::77\n",
		"trusted:office":        "198.51.100.200\n",
	}, "")
	from := func(ip string) string { return `{"sourceIPAddress": "` + ip + `"}` }
	write := `{"eventSource": "ec2.amazonaws.com", "eventName": "RunInstances", "readOnly": false, "requestParameters": {"instanceType": "p4d.24xlarge"}}`
	tests := []struct {
		name    string
		patches []string
		want    []string
	}{
		{"unlisted caller", nil, nil},
		{"custom list, read", []string{from("198.51.100.7")}, []string{TypeReconMaliciousCustom + " 5"}},
		{"custom list, write", []string{from("198.51.100.7"), write}, []string{TypeAccessMaliciousCustom + " 5"}},
		{"malicious feed, read", []string{from("192.0.2.5")}, []string{TypeReconMalicious + " 5"}},
		{"malicious feed, failed write", []string{from("192.0.2.5"), write, `{"errorCode": "UnauthorizedOperation"}`},
			[]string{TypeAccessMalicious + " 5"}},
		{"tor exit, read", []string{from("192.0.2.77")}, []string{TypeReconTor + " 5"}},
		{"tor exit v6, write", []string{from("2001:db8::77"), write}, []string{TypeAccessTor + " 5"}},
		{"trusted wins over a threat list", []string{from("198.51.100.200")}, nil},
		{"S3 data events are left to the S3 detector", []string{from("198.51.100.7"),
			`{"eventSource": "s3.amazonaws.com", "eventName": "GetObject", "managementEvent": false, "eventCategory": "Data"}`}, nil},
		{"service host, no IP", []string{`{"sourceIPAddress": "ec2.amazonaws.com"}`}, nil},
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

func TestThreatIntelEvidence(t *testing.T) {
	in := detecttest.Intel(t, map[string]string{"malicious:ProofPoint": "192.0.2.0/24\n", "tor:tor-exits": "192.0.2.9\n"}, "")
	fs := detecttest.Process(t, detecttest.EngineWith(in), record(t, `{"sourceIPAddress": "192.0.2.9"}`))
	if g, want := got(fs), []string{TypeReconMalicious + " 5", TypeReconTor + " 5"}; !slices.Equal(g, want) {
		t.Fatalf("findings = %v, want %v", g, want)
	}
	f := fs[0]
	if ev := f.Service.Evidence; ev == nil || len(ev.ThreatIntelligenceDetails) != 1 || ev.ThreatIntelligenceDetails[0].ThreatListName != "ProofPoint" {
		t.Errorf("evidence = %+v, want ProofPoint only", f.Service.Evidence)
	}
	if f.Service.AdditionalInfo == nil || f.Service.AdditionalInfo.Value != `{"threatListName":"ProofPoint"}` {
		t.Errorf("additionalInfo = %+v", f.Service.AdditionalInfo)
	}
	if d := f.Service.Action.AwsAPICallAction.RemoteIPDetails; d == nil || d.IPAddressV4 != "192.0.2.9" {
		t.Errorf("remoteIpDetails = %+v", d)
	}
	// Two calls from the same principal and address are one finding.
	fs2 := detecttest.Process(t, detecttest.EngineWith(in), record(t, `{"sourceIPAddress": "192.0.2.9", "eventName": "ListTrails"}`))
	if fs2[0].ID != f.ID {
		t.Errorf("same principal and address gave ids %s and %s", f.ID, fs2[0].ID)
	}
}
