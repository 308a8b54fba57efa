package iam

import (
	"encoding/json"
	"net/netip"
	"strings"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// Finding types of instance credentials used elsewhere.
const (
	TypeCredExfilOutside = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"
	TypeCredExfilInside  = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS"
)

const credExfilKey = "role session (principalId, which ends in the instance id) + caller IP address"

func init() {
	const needs = " Needs intel.aws_ip_ranges (without AWS's ranges inside and outside cannot be told apart and the detector stays silent)."
	const creds = "A call (management or S3 data event) made with temporary credentials delivered to an EC2 instance " +
		"(userIdentity AssumedRole with ec2RoleDelivery, or a role session named after an instance id i-...) "
	detect.Register(&detect.Detector{
		Name:  "iam.instance_credential_exfiltration",
		Kinds: apiCalls,
		Types: []detect.Definition{{
			Type: TypeCredExfilOutside, Severity: finding.SeverityHigh, Tactic: "Credential Access", DataSource: "CloudTrail management events or S3 data events",
			Logic: creds + "from a public IP address outside AWS's published ranges. Calls from private addresses (VPC endpoints) and by AWS services are ignored." + needs,
			Key:   credExfilKey, Title: "Credentials of an EC2 instance role are used from an IP address outside AWS.",
			Description: "Credentials created exclusively for an EC2 instance through its instance role are being used from an external IP address.",
			Thresholds:  map[string]string{"expected sources": "none outside AWS"},
		}, {
			Type: TypeCredExfilInside, Severity: finding.SeverityHigh, Tactic: "Credential Access", DataSource: "CloudTrail management events or S3 data events",
			Logic: creds + "from an AWS address that is not known to belong to the instance's account. Known addresses: intel.account_ips, " +
				"Elastic IPs seen in AllocateAddress/AssociateAddress calls of the account, and the first AWS address each instance's " +
				"credentials were used from (the instance's own)." + needs,
			Key: credExfilKey, Title: "Credentials of an EC2 instance role are used from another AWS account.",
			Description: "Credentials created exclusively for an EC2 instance through its instance role are being used from an AWS address that does not belong to the instance's account.",
			Thresholds:  map[string]string{"learned addresses": "the first AWS address per instance, every Elastic IP allocated; bounded by detection.state_limit"},
		}},
		Sample:      sampleCredExfil,
		Detect:      detectCredExfil,
		DecodeState: func(raw json.RawMessage) (any, error) { var s string; return s, json.Unmarshal(raw, &s) },
	})
}

func detectCredExfil(ctx *detect.Context, ev *event.Event) []finding.Finding {
	c := ev.API
	if c == nil {
		return nil
	}
	learnAccountIPs(ctx, ev)
	instance, ok := instanceOf(ev.Actor)
	if !ok || !ev.SourceIP.IsValid() || ev.Actor.InvokedBy != "" || !ctx.Intel.HasAWSRanges() || !intel.IsPublic(ev.SourceIP) {
		return nil
	}
	account := ev.Actor.AccountID
	if account == "" {
		account = ev.Account
	}
	ip := ev.SourceIP.Unmap()
	r, inAWS := ctx.Intel.InAWS(ip)
	if !inAWS {
		return []finding.Finding{credExfilFinding(TypeCredExfilOutside, ev, instance, nil)}
	}
	if ctx.Intel.AccountOwns(account, ip) {
		return nil
	}
	if _, ok := ctx.State.Get(ipKey(account, ip)); ok {
		return nil
	}
	home := "home|" + account + "|" + instance
	if _, ok := ctx.State.Get(home); !ok {
		ctx.State.Put(home, ip.String())
		ctx.State.Put(ipKey(account, ip), "instance "+instance)
		return nil
	}
	return []finding.Finding{credExfilFinding(TypeCredExfilInside, ev, instance, map[string]any{
		"awsRegion": r.Region, "awsServices": r.Services})}
}

func ipKey(account string, ip netip.Addr) string { return "ip|" + account + "|" + ip.String() }

// learnAccountIPs remembers the Elastic IPs an account allocates or
// associates, so that its own credentials used from them are not flagged.
func learnAccountIPs(ctx *detect.Context, ev *event.Event) {
	c := ev.API
	if c.EventSource != "ec2.amazonaws.com" || c.Failed() || (c.Name != "AllocateAddress" && c.Name != "AssociateAddress") {
		return
	}
	var p struct {
		PublicIP string `json:"publicIp"`
	}
	if !detect.Response(ev, &p) || p.PublicIP == "" {
		detect.Params(ev, &p)
	}
	if a, err := netip.ParseAddr(p.PublicIP); err == nil {
		ctx.State.Put(ipKey(ev.Account, a.Unmap()), c.Name)
	}
}

// instanceOf returns the instance id behind EC2 instance-role credentials.
func instanceOf(a *event.Actor) (string, bool) {
	if a.Type != "AssumedRole" {
		return "", false
	}
	_, session, _ := strings.Cut(a.PrincipalID, ":")
	if isInstanceID(session) {
		return session, true
	}
	if a.EC2RoleDelivery != "" {
		if i := strings.LastIndexByte(a.ARN, '/'); i >= 0 {
			return a.ARN[i+1:], true
		}
		return session, true
	}
	return "", false
}

// isInstanceID reports whether s looks like i- and 8 or 17 hex digits.
func isInstanceID(s string) bool {
	h, ok := strings.CutPrefix(s, "i-")
	if !ok || (len(h) != 8 && len(h) != 17) {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func credExfilFinding(typ string, ev *event.Event, instance string, extra map[string]any) finding.Finding {
	f := detect.APICallFinding(typ, ev, nil)
	f.AggregationKey = ev.Actor.PrincipalID + "|" + ev.SourceIP.String()
	short, where := "outside AWS", "outside AWS"
	if typ == TypeCredExfilInside {
		short, where = "in another AWS account", "inside AWS that does not belong to account "+ev.Account
	}
	f.Title = "Credentials for instance " + instance + " were used from IP address " + ev.SourceIP.String() + " " + short + "."
	f.Description = "Credentials created exclusively for EC2 instance " + instance + " through its instance role (" + ev.Actor.Name() +
		") were used to call " + ev.API.Name + " from " + ev.SourceIP.String() + ", an address " + where + "."
	info := map[string]any{"instanceId": instance}
	for k, v := range extra {
		info[k] = v
	}
	f.Service.AdditionalInfo = detect.Info(info)
	return f
}

func sampleCredExfil(typ string) finding.Finding {
	ev := detect.SampleEvent("s3.amazonaws.com", "ListBuckets", "")
	ev.Actor = &event.Actor{Type: "AssumedRole", PrincipalID: "AROAJQABLZS4A3QDU576Q:i-0123456789abcdef0",
		ARN: "arn:aws:sts::" + detect.SampleAccount + ":assumed-role/app-role/i-0123456789abcdef0", AccountID: detect.SampleAccount,
		AccessKeyID: "ASIAIOSFODNN7EXAMPLE", SessionIssuerType: "Role", SessionIssuerUserName: "app-role", EC2RoleDelivery: "2.0"}
	return credExfilFinding(typ, ev, "i-0123456789abcdef0", nil)
}
