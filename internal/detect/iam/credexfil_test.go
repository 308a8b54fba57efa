package iam

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/detect/detecttest"
	"github.com/vigil-sec/vigil/internal/intel"
)

const testRanges = `{"syncToken": "1714560000", "createDate": "2024-05-01-12-00-00", "prefixes": [
  {"ip_prefix": "3.80.0.0/12", "region": "us-east-1", "service": "AMAZON", "network_border_group": "us-east-1"},
  {"ip_prefix": "3.80.0.0/12", "region": "us-east-1", "service": "EC2", "network_border_group": "us-east-1"},
  {"ip_prefix": "52.94.0.0/22", "region": "us-east-1", "service": "AMAZON", "network_border_group": "us-east-1"}],
 "ipv6_prefixes": [{"ipv6_prefix": "2600:1f18::/33", "region": "us-east-1", "service": "EC2", "network_border_group": "us-east-1"}]}`

// instanceIdentity is a role session of instance credentials.
const instanceIdentity = `{"userIdentity": {"type": "AssumedRole", "principalId": "AROA6ON6E4XEAPPROLE01:i-0a1b2c3d4e5f60718",
  "arn": "arn:aws:sts::111122223333:assumed-role/app-role/i-0a1b2c3d4e5f60718", "accountId": "111122223333",
  "accessKeyId": "ASIA6ON6E4XEINSTANCE", "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROA6ON6E4XEAPPROLE01",
  "arn": "arn:aws:iam::111122223333:role/app-role", "accountId": "111122223333", "userName": "app-role"},
  "attributes": {"creationDate": "2024-05-01T09:00:00Z", "mfaAuthenticated": "false"}, "ec2RoleDelivery": "2.0"}}}`

func TestInstanceCredentialExfiltration(t *testing.T) {
	from := func(ip string) string { return `{"sourceIPAddress": "` + ip + `"}` }
	call := func(patches ...string) string { return record(t, append([]string{instanceIdentity}, patches...)...) }
	eip := record(t, `{"eventSource": "ec2.amazonaws.com", "eventName": "AllocateAddress", "readOnly": false, "sourceIPAddress": "3.80.0.10",
	  "requestParameters": {"domain": "vpc"}, "responseElements": {"publicIp": "3.90.1.2", "domain": "vpc", "allocationId": "eipalloc-0123"}}`)
	tests := []struct {
		name    string
		ranges  string
		records []string
		want    []string
	}{
		{"from the instance's own address, then outside AWS", testRanges,
			[]string{call(from("3.80.0.10")), call(from("203.0.113.50"))}, []string{TypeCredExfilOutside + " 8"}},
		{"outside AWS over IPv6", testRanges, []string{call(from("2001:db8::5"))}, []string{TypeCredExfilOutside + " 8"}},
		{"another AWS address after the instance's own", testRanges,
			[]string{call(from("3.80.0.10")), call(from("3.81.7.7"))}, []string{TypeCredExfilInside + " 8"}},
		{"an Elastic IP of the account", testRanges,
			[]string{call(from("3.80.0.10")), eip, call(from("3.90.1.2"))}, nil},
		{"the first AWS address is the instance's", testRanges, []string{call(from("3.81.7.7")), call(from("3.81.7.7"))}, nil},
		{"private address (VPC endpoint)", testRanges, []string{call(from("10.0.3.4"))}, nil},
		{"called by an AWS service", testRanges, []string{call(from("203.0.113.50"), `{"userIdentity": {"type": "AssumedRole",
		  "principalId": "AROA6ON6E4XEAPPROLE01:i-0a1b2c3d4e5f60718", "accountId": "111122223333", "invokedBy": "ec2.amazonaws.com"}}`)}, nil},
		{"a role session that is not an instance's", testRanges, []string{record(t, roleIdentity, from("203.0.113.50"))}, nil},
		{"an IAM user", testRanges, []string{record(t, from("203.0.113.50"))}, nil},
		{"no AWS ranges: silent", "", []string{call(from("203.0.113.50"))}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := detecttest.Intel(t, nil, tt.ranges)
			fs := detecttest.Process(t, detecttest.EngineWith(in), tt.records...)
			if g := got(fs); !slices.Equal(g, tt.want) {
				t.Errorf("findings = %v, want %v", g, tt.want)
			}
		})
	}
}

func TestInstanceCredentialExfiltrationAccountIPs(t *testing.T) {
	in := detecttest.Intel(t, nil, testRanges)
	in.AccountIPs = map[string]*intel.Set{"111122223333": detecttest.Intel(t, map[string]string{"custom:acct": "3.88.0.0/16\n"}, "").Threats}
	e := detecttest.EngineWith(in)
	call := func(ip string) string { return record(t, instanceIdentity, `{"sourceIPAddress": "`+ip+`"}`) }
	fs := detecttest.Process(t, e, call("3.80.0.10"), call("3.88.4.4"), call("3.89.4.4"))
	if g, want := got(fs), []string{TypeCredExfilInside + " 8"}; !slices.Equal(g, want) {
		t.Fatalf("findings = %v, want %v", g, want)
	}
	f := fs[0]
	if want := "Credentials for instance i-0a1b2c3d4e5f60718 were used from IP address 3.89.4.4 in another AWS account."; f.Title != want {
		t.Errorf("title = %q, want %q", f.Title, want)
	}
	if f.Service.AdditionalInfo == nil || !strings.Contains(f.Service.AdditionalInfo.Value, `"awsServices":["AMAZON","EC2"]`) {
		t.Errorf("additionalInfo = %+v, want the AWS services of the address", f.Service.AdditionalInfo)
	}
}
