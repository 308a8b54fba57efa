package detect

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

func TestAPICallFinding(t *testing.T) {
	ev := SampleEvent("cloudtrail.amazonaws.com", "StopLogging", `{"name":"main"}`)
	ev.API.ErrorCode = "AccessDenied"
	f := APICallFinding("Stealth:IAMUser/CloudTrailLoggingDisabled", ev, map[string]string{"AWS::CloudTrail::Trail": "main", "AWS::S3::Bucket": "logs"})
	want := finding.Finding{
		Type:           "Stealth:IAMUser/CloudTrailLoggingDisabled",
		AggregationKey: SampleAccessKey + "|StopLogging|AWS::CloudTrail::Trail=main,AWS::S3::Bucket=logs",
		Resource: finding.Resource{ResourceType: "AccessKey", AccessKeyDetails: &finding.AccessKeyDetails{
			AccessKeyID: SampleAccessKey, PrincipalID: SamplePrincipal, UserName: SampleUserName, UserType: "IAMUser"}},
		Service: finding.Service{ResourceRole: "TARGET", Action: &finding.Action{ActionType: "AWS_API_CALL", AwsAPICallAction: &finding.AwsAPICallAction{
			API: "StopLogging", ServiceName: "cloudtrail.amazonaws.com", CallerType: "Remote IP", ErrorCode: "AccessDenied", UserAgent: SampleUserAgent,
			RemoteIPDetails:   &finding.RemoteIPDetails{IPAddressV4: "198.51.100.23"},
			AffectedResources: map[string]string{"AWS::CloudTrail::Trail": "main", "AWS::S3::Bucket": "logs"},
		}}},
	}
	if !reflect.DeepEqual(f, want) {
		got, _ := json.Marshal(f)
		exp, _ := json.Marshal(want)
		t.Errorf("APICallFinding =\n%s\nwant\n%s\nkeys %q, %q", got, exp, f.AggregationKey, want.AggregationKey)
	}
}

func TestCallerType(t *testing.T) {
	tests := []struct {
		name       string
		actor      string
		ip, host   string
		wantCaller string
		wantV4     string
		wantV6     string
		wantDomain string
	}{
		{"IPv4", "IAMUser", "203.0.113.10", "", CallerRemoteIP, "203.0.113.10", "", ""},
		{"IPv6", "IAMUser", "2001:db8::1", "", CallerRemoteIP, "", "2001:db8::1", ""},
		{"service host", "AssumedRole", "", "ec2.amazonaws.com", CallerRemoteDomain, "", "", "ec2.amazonaws.com"},
		{"AWS service", "AWSService", "", "ec2.amazonaws.com", CallerAWSService, "", "", "ec2.amazonaws.com"},
		{"nothing", "IAMUser", "", "", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := &event.Event{Actor: &event.Actor{Type: tt.actor, PrincipalID: "P"}, SourceHost: tt.host, API: &event.APICall{Name: "X"}}
			if tt.ip != "" {
				ev.SourceIP = netip.MustParseAddr(tt.ip)
			}
			call := APICallFinding("T:X/Y", ev, nil).Service.Action.AwsAPICallAction
			if call.CallerType != tt.wantCaller {
				t.Errorf("callerType = %q, want %q", call.CallerType, tt.wantCaller)
			}
			var v4, v6, domain string
			if call.RemoteIPDetails != nil {
				v4, v6 = call.RemoteIPDetails.IPAddressV4, call.RemoteIPDetails.IPAddressV6
			}
			if call.DomainDetails != nil {
				domain = call.DomainDetails.Domain
			}
			if v4 != tt.wantV4 || v6 != tt.wantV6 || domain != tt.wantDomain {
				t.Errorf("v4 %q v6 %q domain %q; want %q %q %q", v4, v6, domain, tt.wantV4, tt.wantV6, tt.wantDomain)
			}
		})
	}
}

func TestPrincipalAndCaller(t *testing.T) {
	tests := []struct {
		actor     event.Actor
		principal string
		caller    string
	}{
		{event.Actor{Type: "IAMUser", UserName: "alice", AccessKeyID: "AKIA1", PrincipalID: "AIDA1"}, "AKIA1", "IAM user alice"},
		{event.Actor{Type: "Root", PrincipalID: "111122223333"}, "111122223333", "root credentials"},
		{event.Actor{Type: "Root", PrincipalID: "111122223333", AssumedRoot: true, AccessKeyID: "ASIA1"}, "ASIA1", "short-term root credentials"},
		{event.Actor{Type: "AssumedRole", SessionIssuerUserName: "deployer", AccessKeyID: "ASIA2"}, "ASIA2", "assumed role deployer"},
		{event.Actor{Type: "AWSService", InvokedBy: "ec2.amazonaws.com"}, "", "AWS service ec2.amazonaws.com"},
		{event.Actor{Type: "Unknown"}, "", "an unknown principal"},
	}
	for _, tt := range tests {
		if got := Principal(&tt.actor); got != tt.principal {
			t.Errorf("Principal(%+v) = %q, want %q", tt.actor, got, tt.principal)
		}
		if got := Caller(&tt.actor); got != tt.caller {
			t.Errorf("Caller(%+v) = %q, want %q", tt.actor, got, tt.caller)
		}
	}
}

func TestParamTypes(t *testing.T) {
	var p struct {
		B1, B2, B3 Bool
		Missing    *Bool
		N1, N2     Int
		S1, S2, S3 Strings
		L1, L2, L3 List[struct{ ID string }]
	}
	ev := SampleEvent("s3.amazonaws.com", "X", `{"b1": true, "b2": "TRUE", "b3": "false", "n1": 14, "n2": "24",
	  "s1": "one", "s2": ["a", "b"], "s3": 7, "l1": {"id": "x"}, "l2": [{"id": "y"}, {"id": "z"}], "l3": "scalar"}`)
	if !Params(ev, &p) {
		t.Fatal("Params failed")
	}
	if !p.B1 || !p.B2 || p.B3 || p.Missing != nil || p.N1 != 14 || p.N2 != 24 {
		t.Errorf("bools/ints = %v %v %v %v %v %v", p.B1, p.B2, p.B3, p.Missing, p.N1, p.N2)
	}
	if !reflect.DeepEqual(p.S1, Strings{"one"}) || !reflect.DeepEqual(p.S2, Strings{"a", "b"}) || p.S3 != nil || !p.S2.Contains("B") {
		t.Errorf("strings = %q %q %q", p.S1, p.S2, p.S3)
	}
	if len(p.L1) != 1 || p.L1[0].ID != "x" || len(p.L2) != 2 || p.L2[1].ID != "z" || p.L3 != nil {
		t.Errorf("lists = %v %v %v", p.L1, p.L2, p.L3)
	}
	if Params(SampleEvent("s3.amazonaws.com", "X", ""), &p) {
		t.Error("Params without requestParameters reported true")
	}
}

func TestInfoAndPartition(t *testing.T) {
	if got := Info(map[string]string{"signal": "VPCFlowLogsDeleted"}); got.Value != `{"signal":"VPCFlowLogsDeleted"}` || got.Type != "default" {
		t.Errorf("Info = %+v", got)
	}
	for region, want := range map[string]string{"us-east-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov", "": "aws"} {
		if got := Partition(region); got != want {
			t.Errorf("Partition(%q) = %q, want %q", region, got, want)
		}
	}
}
