package simulate

import (
	"slices"
	"strconv"
)

// attackDef is one finding type and the records that trigger it. Each
// step sets the caller and calls an API whose fill writes the parameters.
type attackDef struct {
	typ    string
	global bool // recorded in the global-service region rather than the home region
	steps  []step
}

type step struct {
	as  func(g *gen)
	api *apiDef
}

// Pentest user agents, old aws-cli form and the newer md/distrib form.
const (
	kaliOld   = "aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off command/"
	kaliNew   = "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.6.9-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#kali.2024 md/prompt#off md/command#"
	parrotOld = "aws-cli/2.13.25 Python/3.11.5 Linux/6.5.0-13parrot1-amd64 exe/x86_64.parrot.5 prompt/off command/"
	parrotNew = "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0-13parrot1-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#parrot.6 md/prompt#off md/command#"
	pentooOld = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0-pentoo exe/x86_64.pentoo prompt/off command/"
	pentooNew = "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1.0-pentoo md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#pentoo md/prompt#off md/command#"
)

var (
	listBucketsLs = withCLI(def("s3", "ListBuckets", fRead, fillListBuckets), "s3.ls")
	getObjectCp   = withCLI(getObject, "s3.cp")
	putObjectCp   = withCLI(putObject, "s3.cp")
	listObjectsLs = withCLI(listObjects, "s3.ls")
	listUsers     = def("iam", "ListUsers", fRead|fGlobal, static(""))
)

var attackDefs = append([]attackDef{
	{"Policy:IAMUser/RootCredentialUsage", true, []step{
		{asRootConsole, def("signin", "ConsoleLogin", fGlobal, fillRootLogin)},
		{asRootKey, listBucketsLs}}},
	{"Policy:IAMUser/ShortTermRootCredentialUsage", false, []step{
		{asAssumedRoot, def("s3", "DeleteBucketPolicy", 0, fillTargetBucket("policy"))}}},
	{"Stealth:IAMUser/CloudTrailLoggingDisabled", false, []step{
		{asAttacker, def("cloudtrail", "StopLogging", 0, fillTrailName("name"))}}},
	{"Stealth:IAMUser/PasswordPolicyChange", true, []step{
		{asAttacker, def("iam", "UpdateAccountPasswordPolicy", fGlobal, static(weakPasswordPolicy))}}},
	{"Policy:S3/BucketBlockPublicAccessDisabled", false, []step{
		{asAttacker, def("s3", "PutBucketPublicAccessBlock", 0, fillBucketPABOff)}}},
	{"Policy:S3/AccountBlockPublicAccessDisabled", false, []step{
		{asAttacker, withCLI(def("s3", "PutAccountPublicAccessBlock", 0, fillAccountPABOff), "s3control.put-public-access-block")}}},
	{"Policy:S3/BucketAnonymousAccessGranted", false, []step{
		{asAttacker, def("s3", "PutBucketPolicy", 0, fillPublicPolicy)}}},
	{"Policy:S3/BucketPublicAccessGranted", false, []step{
		{asAttacker, def("s3", "PutBucketAcl", 0, fillAuthenticatedUsersACL)}}},
	{"Stealth:S3/ServerAccessLoggingDisabled", false, []step{
		{asAttacker, def("s3", "PutBucketLogging", 0, fillLoggingOff)}}},
	{"PenTest:IAMUser/KaliLinux", false, []step{
		{pentest(kaliOld), listBucketsLs}, {pentest(kaliNew), getCallerIdentity}}},
	{"PenTest:IAMUser/ParrotLinux", true, []step{
		{pentest(parrotOld), listUsers}, {pentest(parrotNew), getCallerIdentity}}},
	{"PenTest:IAMUser/PentooLinux", false, []step{
		{pentest(pentooOld), describeInstances}, {pentest(pentooNew), getCallerIdentity}}},
	{"PenTest:S3/KaliLinux", false, []step{{pentest(kaliNew), getObjectCp}}},
	{"PenTest:S3/ParrotLinux", false, []step{{pentest(parrotOld), listObjectsLs}}},
	{"PenTest:S3/PentooLinux", false, []step{{pentest(pentooOld), putObjectCp}}},
	{"DefenseImpairment:EC2/DisableOrModifyTools", false, []step{
		{asAttackerRole, def("ec2", "DeleteFlowLogs", 0, fillDeleteFlowLogs)}}},
	{"DefenseImpairment:Route53Resolver/DisableOrModifyTools", false, []step{
		{asAttackerRole, def("route53resolver", "DeleteResolverQueryLogConfig", 0, fillDeleteQueryLogConfig)}}},
	{"DefenseImpairment:GuardDuty/DisableOrModifyTools", false, []step{
		{asAttackerRole, def("guardduty", "UpdateDetector", 0, fillDetector(`"enable":false`))},
		{asAttackerRole, def("guardduty", "DeleteThreatIntelSet", 0, fillDeleteThreatIntelSet)}}},
	{"DefenseImpairment:Organizations/ModifyCloudResourceHierarchy", true, []step{
		{asAttacker, def("organizations", "LeaveOrganization", fGlobal, fillFailedLeave)}}},
}, intelAttacks...)

var attackByType = func() map[string]*attackDef {
	m := map[string]*attackDef{}
	for i := range attackDefs {
		m[attackDefs[i].typ] = &attackDefs[i]
	}
	return m
}()

// SupportedAttacks returns the finding types Run can inject, sorted.
func SupportedAttacks() []string {
	var out []string
	for _, a := range attackDefs {
		out = append(out, a.typ)
	}
	for _, a := range netAttacks {
		out = append(out, a.typ)
	}
	slices.Sort(out)
	return out
}

// attackerIP is the one address the attacker works from in a run.
func (g *gen) attackerIP() string {
	return attackerPrefixes[g.e.seed%2] + strconv.Itoa(10+int(mix(g.e.seed)%200))
}

// asAttacker: the attacker holds the first user's long-term key.
func asAttacker(g *gen) {
	u := g.a.users[0]
	g.rec.who = identity{typ: "IAMUser", p: u, account: g.a.id, key: u.key}
	g.rec.ip, g.fam = g.attackerIP(), userAgents[0]
}

// asAttackerRole: the attacker works in the first role with that user.
func asAttackerRole(g *gen) {
	u, role := g.a.users[0], g.a.roles[0]
	g.rec.who = identity{typ: "AssumedRole", p: role, session: u.name, account: g.a.id}
	g.session(role.tag<<24 | u.tag)
	g.rec.ip, g.fam = g.attackerIP(), userAgents[1]
}

func pentest(ua string) func(*gen) {
	return func(g *gen) {
		asAttacker(g)
		g.fam = uaFamily{ua, sufCLI}
	}
}

func asRootConsole(g *gen) {
	g.rec.who = identity{typ: "Root", account: g.a.id}
	g.rec.ip, g.uaFixed = g.attackerIP(), browserUA
}

func asRootKey(g *gen) {
	g.rec.who = identity{typ: "Root", account: g.a.id, key: "AKIA" + hashString(g.e.seed^0x600d, keyAlphabet, 16)}
	g.rec.ip, g.fam = g.attackerIP(), userAgents[0]
}

// asAssumedRoot: sts:AssumeRoot short-term root credentials.
func asAssumedRoot(g *gen) {
	g.rec.who = identity{typ: "Root", account: g.a.id, assumedRoot: true}
	g.session(0x5007 << 32)
	g.rec.ip, g.fam = g.attackerIP(), userAgents[1]
}
