package simulate

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// specTypes is the table of /tmp/vigil/detector-spec.md: every finding type
// the CloudTrail detectors produce.
var specTypes = []string{
	"DefenseImpairment:EC2/DisableOrModifyTools",
	"DefenseImpairment:GuardDuty/DisableOrModifyTools",
	"DefenseImpairment:Organizations/ModifyCloudResourceHierarchy",
	"DefenseImpairment:Route53Resolver/DisableOrModifyTools",
	"PenTest:IAMUser/KaliLinux", "PenTest:IAMUser/ParrotLinux", "PenTest:IAMUser/PentooLinux",
	"PenTest:S3/KaliLinux", "PenTest:S3/ParrotLinux", "PenTest:S3/PentooLinux",
	"Policy:IAMUser/RootCredentialUsage", "Policy:IAMUser/ShortTermRootCredentialUsage",
	"Policy:S3/AccountBlockPublicAccessDisabled", "Policy:S3/BucketAnonymousAccessGranted",
	"Policy:S3/BucketBlockPublicAccessDisabled", "Policy:S3/BucketPublicAccessGranted",
	"Stealth:IAMUser/CloudTrailLoggingDisabled", "Stealth:IAMUser/PasswordPolicyChange",
	"Stealth:S3/ServerAccessLoggingDisabled",
	// Threat intelligence (the lists WriteIntel writes).
	"Recon:IAMUser/MaliciousIPCaller", "Recon:IAMUser/MaliciousIPCaller.Custom", "Recon:IAMUser/TorIPCaller",
	"UnauthorizedAccess:IAMUser/MaliciousIPCaller", "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom",
	"UnauthorizedAccess:IAMUser/TorIPCaller", "Discovery:S3/MaliciousIPCaller", "Discovery:S3/TorIPCaller",
	"Exfiltration:S3/MaliciousIPCaller", "Impact:S3/MaliciousIPCaller",
	"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
	"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
	// Flow logs and DNS logs.
	"Recon:EC2/PortProbeUnprotectedPort", "Recon:EC2/Portscan", "UnauthorizedAccess:EC2/SSHBruteForce",
	"UnauthorizedAccess:EC2/RDPBruteForce", "Backdoor:EC2/DenialOfService.Udp", "Backdoor:EC2/Spambot",
	"Backdoor:EC2/C&CActivity.B", "CryptoCurrency:EC2/BitcoinTool.B", "UnauthorizedAccess:EC2/TorClient",
	"Backdoor:Lambda/C&CActivity.B", "Backdoor:EC2/C&CActivity.B!DNS", "CryptoCurrency:EC2/BitcoinTool.B!DNS",
	"UnauthorizedAccess:EC2/MetadataDNSRebind", "Trojan:EC2/DNSDataExfiltration", "Trojan:EC2/DGADomainRequest.B",
}

// watchedAPIs are the write APIs the detector rules fire on.
var watchedAPIs = strings.Fields(`StopLogging DeleteTrail PutEventSelectors UpdateTrail DeleteAccountPasswordPolicy
	UpdateAccountPasswordPolicy DeleteBucketPublicAccessBlock PutBucketPublicAccessBlock DeleteAccountPublicAccessBlock
	PutAccountPublicAccessBlock PutBucketPolicy PutBucketAcl CreateBucket PutBucketLogging DeleteFlowLogs
	DeleteResolverQueryLogConfig DisassociateResolverQueryLogConfig DeleteDetector UpdateDetector CreateIPSet UpdateIPSet
	DeleteIPSet CreateThreatIntelSet UpdateThreatIntelSet DeleteThreatIntelSet LeaveOrganization`)

// suspicious reports whether a record could fire any detector rule.
func suspicious(r ctRecord) bool {
	ua := strings.ToLower(r.UserAgent)
	return r.UserIdentity.Type == "Root" || strings.Contains(ua, "kali") || strings.Contains(ua, "parrot") ||
		strings.Contains(ua, "pentoo") || slices.Contains(watchedAPIs, r.EventName) ||
		strings.HasPrefix(r.SourceIPAddress, "192.0.2.") || instanceCredsElsewhere(r)
}

// instanceCredsElsewhere: instance-role credentials used from an address
// that is not one of the estate's instance addresses.
func instanceCredsElsewhere(r ctRecord) bool {
	sc := r.UserIdentity.SessionContext
	return sc != nil && sc.EC2RoleDelivery != "" &&
		!slices.ContainsFunc(ec2Prefixes, func(p string) bool { return strings.HasPrefix(r.SourceIPAddress, p) })
}

// listedIP: the caller's address is in 192.0.2.lo..hi (a list of WriteIntel).
func listedIP(lo, hi int, management, read bool) func(ctRecord) bool {
	return func(r ctRecord) bool {
		last, ok := strings.CutPrefix(r.SourceIPAddress, "192.0.2.")
		n, err := strconv.Atoi(last)
		return ok && err == nil && n >= lo && n <= hi && r.ManagementEvent == management && r.ReadOnly == read &&
			(management || r.EventSource == "s3.amazonaws.com")
	}
}

func TestSupportedAttacksCoverSpec(t *testing.T) {
	if diff := cmp.Diff(slices.Sorted(slices.Values(specTypes)), SupportedAttacks()); diff != "" {
		t.Errorf("SupportedAttacks() differs from the detector spec (-spec +supported):\n%s", diff)
	}
}

func TestBenignTrafficNeverMatchesARule(t *testing.T) {
	o := small
	o.Events, o.UsersPerAccount = 8000, 8
	_, dir := run(t, o)
	recs := allRecords(readLogs(t, dir))
	for _, r := range recs {
		if suspicious(r) {
			t.Errorf("benign record %s %s by %s (%s) matches a detector rule", r.EventID, r.EventName, r.UserIdentity.Type, r.UserAgent)
		}
	}
	// The oddities parsers must cope with are all there.
	has := map[string]func(ctRecord) bool{
		"AWSService with invokedBy": func(r ctRecord) bool { return r.UserIdentity.Type == "AWSService" && r.UserIdentity.InvokedBy != "" },
		"AWSAccount":                func(r ctRecord) bool { return r.UserIdentity.Type == "AWSAccount" },
		"FederatedUser":             func(r ctRecord) bool { return r.UserIdentity.Type == "FederatedUser" },
		"IdentityCenterUser":        func(r ctRecord) bool { return r.UserIdentity.Type == "IdentityCenterUser" },
		"AwsServiceEvent":           func(r ctRecord) bool { return r.EventType == "AwsServiceEvent" },
		"AwsConsoleSignIn":          func(r ctRecord) bool { return r.EventType == "AwsConsoleSignIn" },
		"AWS Internal address":      func(r ctRecord) bool { return r.SourceIPAddress == "AWS Internal" },
		"hostname address":          func(r ctRecord) bool { return r.SourceIPAddress == "ec2.amazonaws.com" },
		"denied read": func(r ctRecord) bool {
			return strings.Contains(r.ErrorCode, "AccessDenied") || r.ErrorCode == "Client.UnauthorizedOperation"
		},
		"requestParameters > 64 KB": func(r ctRecord) bool { return len(r.RequestParameters) > 64<<10 },
		"S3 data event":             func(r ctRecord) bool { return r.EventCategory == "Data" },
		"instance profile session": func(r ctRecord) bool {
			sc := r.UserIdentity.SessionContext
			return sc != nil && sc.EC2RoleDelivery == "2.0" && sc.SessionIssuer["type"] == "Role" && strings.HasPrefix(r.UserIdentity.AccessKeyID, "ASIA")
		},
		"IAM user key": func(r ctRecord) bool { return strings.HasPrefix(r.UserIdentity.AccessKeyID, "AKIA") },
	}
	for name, f := range has {
		if !slices.ContainsFunc(recs, f) {
			t.Errorf("no %s record among %d benign records", name, len(recs))
		}
	}
}

// firesOn checks the record of each attack against the "fires on" column.
var firesOn = map[string]func(r ctRecord) bool{
	"Recon:IAMUser/MaliciousIPCaller.Custom":              listedIP(10, 49, true, true),
	"UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom": listedIP(10, 49, true, false),
	"Recon:IAMUser/MaliciousIPCaller":                     listedIP(64, 127, true, true),
	"UnauthorizedAccess:IAMUser/MaliciousIPCaller":        listedIP(64, 127, true, false),
	"Recon:IAMUser/TorIPCaller":                           listedIP(140, 179, true, true),
	"UnauthorizedAccess:IAMUser/TorIPCaller":              listedIP(140, 179, true, false),
	"Discovery:S3/MaliciousIPCaller": func(r ctRecord) bool {
		return listedIP(64, 127, false, true)(r) && strings.HasPrefix(r.EventName, "List")
	},
	"Exfiltration:S3/MaliciousIPCaller": func(r ctRecord) bool { return listedIP(64, 127, false, true)(r) && r.EventName == "GetObject" },
	"Impact:S3/MaliciousIPCaller":       listedIP(64, 127, false, false),
	"Discovery:S3/TorIPCaller": func(r ctRecord) bool {
		return listedIP(140, 179, false, true)(r) && strings.HasPrefix(r.EventName, "List")
	},
	"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS": func(r ctRecord) bool {
		return instanceCredsElsewhere(r) && !strings.HasPrefix(r.SourceIPAddress, "3.")
	},
	"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS": func(r ctRecord) bool {
		return instanceCredsElsewhere(r) && strings.HasPrefix(r.SourceIPAddress, "3.91.")
	},
	"Policy:IAMUser/RootCredentialUsage": func(r ctRecord) bool {
		return r.UserIdentity.Type == "Root" && r.UserIdentity.AssumedRoot == "" && r.UserIdentity.InvokedBy == "" &&
			(r.EventName == "ConsoleLogin" || strings.HasPrefix(r.UserIdentity.AccessKeyID, "AKIA"))
	},
	"Policy:IAMUser/ShortTermRootCredentialUsage": func(r ctRecord) bool {
		return r.UserIdentity.Type == "Root" && r.UserIdentity.AssumedRoot == "true" && strings.HasPrefix(r.UserIdentity.AccessKeyID, "ASIA")
	},
	"Stealth:IAMUser/CloudTrailLoggingDisabled":              api("cloudtrail", "StopLogging", ""),
	"Stealth:IAMUser/PasswordPolicyChange":                   api("iam", "UpdateAccountPasswordPolicy", `"minimumPasswordLength":8`),
	"Policy:S3/BucketBlockPublicAccessDisabled":              api("s3", "PutBucketPublicAccessBlock", `"BlockPublicPolicy":false`),
	"Policy:S3/AccountBlockPublicAccessDisabled":             api("s3", "PutAccountPublicAccessBlock", `"BlockPublicAcls":false`),
	"Policy:S3/BucketAnonymousAccessGranted":                 api("s3", "PutBucketPolicy", `"Effect":"Allow","Principal":"*"`),
	"Policy:S3/BucketPublicAccessGranted":                    api("s3", "PutBucketAcl", `groups/global/AuthenticatedUsers`),
	"Stealth:S3/ServerAccessLoggingDisabled":                 api("s3", "PutBucketLogging", `"BucketLoggingStatus":{"xmlns"`),
	"PenTest:IAMUser/KaliLinux":                              distro("kali", true),
	"PenTest:IAMUser/ParrotLinux":                            distro("parrot", true),
	"PenTest:IAMUser/PentooLinux":                            distro("pentoo", true),
	"PenTest:S3/KaliLinux":                                   distro("kali", false),
	"PenTest:S3/ParrotLinux":                                 distro("parrot", false),
	"PenTest:S3/PentooLinux":                                 distro("pentoo", false),
	"DefenseImpairment:EC2/DisableOrModifyTools":             api("ec2", "DeleteFlowLogs", `"FlowLogId"`),
	"DefenseImpairment:Route53Resolver/DisableOrModifyTools": api("route53resolver", "DeleteResolverQueryLogConfig", `"rqlc-`),
	"DefenseImpairment:GuardDuty/DisableOrModifyTools": func(r ctRecord) bool {
		return api("guardduty", "UpdateDetector", `"enable":false`)(r) || api("guardduty", "DeleteThreatIntelSet", `"threatIntelSetId"`)(r)
	},
	"DefenseImpairment:Organizations/ModifyCloudResourceHierarchy": func(r ctRecord) bool {
		return r.EventSource == "organizations.amazonaws.com" && r.EventName == "LeaveOrganization"
	},
}

func api(svc, name, param string) func(ctRecord) bool {
	return func(r ctRecord) bool {
		return r.EventSource == svc+".amazonaws.com" && r.EventName == name && r.ErrorCode == "" &&
			strings.Contains(string(r.RequestParameters), param)
	}
}

func distro(name string, management bool) func(ctRecord) bool {
	return func(r ctRecord) bool {
		return strings.Contains(strings.ToLower(r.UserAgent), name) && r.ManagementEvent == management &&
			(management || r.EventSource == "s3.amazonaws.com")
	}
}

func TestEveryAttackIsInjectedAsListed(t *testing.T) {
	o := small
	for i, typ := range SupportedAttacks() {
		o.Attacks = append(o.Attacks, Attack{Type: typ, Account: "", Offset: time.Duration(i+1) * 30 * time.Second})
	}
	m, dir := run(t, o)
	byID := map[string]ctRecord{}
	for _, r := range allRecords(readLogs(t, dir)) {
		if suspicious(r) {
			byID[r.EventID] = r
		}
	}
	listed := map[string]bool{}
	for _, in := range m.Attacks {
		listed[in.Type] = true
		if in.EventName == "VPCFlow" || in.EventName == "DNSQuery" {
			continue // network attacks: TestNetworkAttacksAreWritten
		}
		r, ok := byID[in.EventID]
		switch {
		case !ok:
			t.Errorf("%s: record %s (%s) is not in the logs or matches no rule", in.Type, in.EventID, in.EventName)
		case r.EventName != in.EventName || r.RecipientAccountID != in.Account || r.AwsRegion != in.Region ||
			r.EventTime != in.At.Format(time.RFC3339) || in.Account != m.Accounts[0]:
			t.Errorf("%s: record %s %s %s %s at %s, manifest says %+v", in.Type, r.EventName, r.RecipientAccountID, r.AwsRegion, r.EventID, r.EventTime, in)
		case !firesOn[in.Type](r):
			raw, _ := json.Marshal(r)
			t.Errorf("%s: record does not match the rule: %s", in.Type, raw)
		}
		delete(byID, in.EventID)
	}
	for id, r := range byID {
		t.Errorf("record %s (%s) matches a rule but is not in the manifest", id, r.EventName)
	}
	if len(listed) != len(specTypes) {
		t.Errorf("manifest lists %d attack types, want %d", len(listed), len(specTypes))
	}
}

func TestParseAttack(t *testing.T) {
	at := time.Date(2025, 6, 2, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want Attack
	}{
		{"PenTest:IAMUser/KaliLinux", Attack{Type: "PenTest:IAMUser/KaliLinux"}},
		{" pentest:s3/parrotlinux ", Attack{Type: "PenTest:S3/ParrotLinux"}},
		{"Stealth:IAMUser/CloudTrailLoggingDisabled@2025-06-02T10:30:00Z", Attack{Type: "Stealth:IAMUser/CloudTrailLoggingDisabled", At: at}},
		{"Stealth:IAMUser/CloudTrailLoggingDisabled@2025-06-02T12:30:00+02:00", Attack{Type: "Stealth:IAMUser/CloudTrailLoggingDisabled", At: at}},
		{"Policy:IAMUser/RootCredentialUsage@+90m", Attack{Type: "Policy:IAMUser/RootCredentialUsage", Offset: 90 * time.Minute}},
	} {
		got, err := ParseAttack(tc.in)
		if err != nil || !cmp.Equal(got, tc.want) {
			t.Errorf("ParseAttack(%q) = %+v, %v, want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "Recon:IAMUser/Nope", "PenTest:IAMUser/KaliLinux@", "PenTest:IAMUser/KaliLinux@+0m",
		"PenTest:IAMUser/KaliLinux@+-5m", "PenTest:IAMUser/KaliLinux@yesterday", "@+5m"} {
		if got, err := ParseAttack(in); err == nil {
			t.Errorf("ParseAttack(%q) = %+v, want an error", in, got)
		}
	}
	if _, err := ParseAttack("Recon:IAMUser/Nope"); !errors.Is(err, ErrUnknownAttack) {
		t.Errorf("ParseAttack(unknown) = %v, want ErrUnknownAttack", err)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	for name, change := range map[string]func(*Options){
		"no output":        func(o *Options) { o.Out = "" },
		"bad region":       func(o *Options) { o.Regions = []string{"mars-north-1"} },
		"bad organization": func(o *Options) { o.OrgID = "org-1" },
		"unknown attack":   func(o *Options) { o.Attacks = []Attack{{Type: "Nope"}} },
		"attack too late":  func(o *Options) { o.Attacks = []Attack{{Type: specTypes[0], Offset: o.Duration}} },
		"attack too early": func(o *Options) { o.Attacks = []Attack{{Type: specTypes[0], At: o.Start.Add(-time.Second)}} },
		"foreign account":  func(o *Options) { o.Attacks = []Attack{{Type: specTypes[0], Account: "123456789012"}} },
	} {
		o := small
		o.Out, o.Start = t.TempDir(), defaultStart
		change(&o)
		if _, err := Run(t.Context(), o); !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnknownAttack) {
			t.Errorf("Run with %s = %v, want ErrInvalid or ErrUnknownAttack", name, err)
		}
	}
}

// BenchmarkRun reports the write throughput (events/s) of a gzip run.
func BenchmarkRun(b *testing.B) {
	o := Options{Out: b.TempDir(), Events: 200_000, Gzip: true, Duration: 6 * time.Hour}
	for b.Loop() {
		if _, err := Run(b.Context(), o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(o.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
