package simulate

import (
	"strconv"
)

// Threat-intelligence attacks: calls from addresses on the lists that
// WriteIntel writes, and instance credentials used from elsewhere. Each
// family has its own addresses (192.0.2.0/24, RFC 5737), so the other
// attacks, which come from attackerIP, match no list.
var intelAttacks = []attackDef{
	{"Recon:IAMUser/MaliciousIPCaller.Custom", false, []step{{from(customIP), describeInstances}}},
	{"UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom", false, []step{{from(customIP), createKeyPair}}},
	{"Recon:IAMUser/MaliciousIPCaller", true, []step{{from(maliciousIP), listUsers}}},
	{"UnauthorizedAccess:IAMUser/MaliciousIPCaller", false, []step{{from(maliciousIP), createKeyPair}}},
	{"Recon:IAMUser/TorIPCaller", false, []step{{from(torIP), listBucketsLs}}},
	{"UnauthorizedAccess:IAMUser/TorIPCaller", false, []step{{from(torIP), createKeyPair}}},
	{"Discovery:S3/MaliciousIPCaller", false, []step{{from(maliciousIP), listObjectsLs}}},
	{"Exfiltration:S3/MaliciousIPCaller", false, []step{{from(maliciousIP), getObjectCp}}},
	{"Impact:S3/MaliciousIPCaller", false, []step{{from(maliciousIP), putObjectCp}}},
	{"Discovery:S3/TorIPCaller", false, []step{{from(torIP), listObjectsLs}}},
	{"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", false, []step{
		{asInstanceAt(func(g *gen, _ *instance) string { return g.attackerIP() }), getCallerIdentity}}},
	{"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS", false, []step{
		{asInstanceAt(func(_ *gen, in *instance) string { return in.ip }), prep(describeTags)}, // the instance itself, first
		{asInstanceAt(foreignEC2IP), listBucketsLs}}},
}

// prep returns a copy of a that marks a benign-looking record setting the
// scene (an instance's own call before its credentials are stolen): it is
// written but not listed in the manifest.
func prep(a *apiDef) *apiDef {
	c := *a
	c.prep = true
	return &c
}

var createKeyPair = def("ec2", "CreateKeyPair", 0, static(`{"keyName":"ops-recovery","keyType":"ed25519","keyFormat":"pem"}`))

// Listed addresses, per seed.
func customIP(g *gen) string    { return "192.0.2." + strconv.Itoa(10+int(g.e.seed%40)) }
func maliciousIP(g *gen) string { return "192.0.2." + strconv.Itoa(64+int(g.e.seed%40)) }
func torIP(g *gen) string       { return "192.0.2." + strconv.Itoa(140+int(g.e.seed%40)) }

// foreignEC2IP is an address in the EC2 ranges of ip-ranges.json (the
// /16 of ec2Prefixes[0]) outside the /24 the estate's instances use:
// another account's instance.
func foreignEC2IP(_ *gen, _ *instance) string { return "3.91.200.7" }

// from: the attacker, with the first user's key, from ip.
func from(ip func(*gen) string) func(*gen) {
	return func(g *gen) {
		asAttacker(g)
		g.rec.ip = ip(g)
	}
}

// asInstanceAt: the first instance's role credentials, used from ip.
func asInstanceAt(ip func(*gen, *instance) string) func(*gen) {
	return func(g *gen) {
		in := g.a.instances[g.ri][0]
		g.rec.who = identity{typ: "AssumedRole", p: in.role, session: in.id, account: g.a.id, ec2: true}
		g.session(in.tag)
		g.rec.ip, g.fam = ip(g, in), userAgents[in.tool]
	}
}
