package simulate

import "math/rand/v2"

// An actor sets who calls (identity, address, client) and returns the
// APIs that caller uses.
type actor func(g *gen) *pool

type weightedActor struct {
	w  int
	fn actor
}

// actors and their share of benign traffic.
var actors = []weightedActor{
	{24, (*gen).asUser},
	{16, (*gen).asUserRole},
	{6, (*gen).asConsole},
	{1, (*gen).asConsoleLogin},
	{28, (*gen).asInstance},
	{9, (*gen).asLambda},
	{2, (*gen).asFederated},
	{4, (*gen).asConfig},
	{5, (*gen).asService},
	{2, (*gen).asPartner},
	{2, (*gen).asIdentityCenter},
	{1, (*gen).asServiceEvent},
}

var actorTotal = func() (n int) {
	for _, a := range actors {
		n += a.w
	}
	return n
}()

func pickActor(r *rand.Rand) actor {
	n := r.IntN(actorTotal)
	for _, a := range actors {
		if n < a.w {
			return a.fn
		}
		n -= a.w
	}
	panic("unreachable")
}

func (g *gen) user() *principal { return g.a.users[g.r.IntN(len(g.a.users))] }

// asUser: an IAM user with a long-term AKIA key, from their usual address
// and tool.
func (g *gen) asUser() *pool {
	u := g.user()
	g.rec.who = identity{typ: "IAMUser", p: u, account: g.a.id, key: u.key}
	g.rec.ip, g.fam, g.human = u.ip, userAgents[u.tool], true
	return userPool
}

// asUserRole: a person working in a role they assumed.
func (g *gen) asUserRole() *pool {
	u := g.user()
	role := g.a.roles[g.r.IntN(len(g.a.roles))]
	g.rec.who = identity{typ: "AssumedRole", p: role, session: u.name, account: g.a.id}
	g.session(role.tag<<24 | u.tag)
	g.rec.ip, g.fam, g.human = u.ip, userAgents[u.tool], true
	return humanPool
}

// asConsole: an IAM user in the console (session credentials, MFA).
func (g *gen) asConsole() *pool {
	u := g.user()
	g.rec.who = identity{typ: "IAMUser", p: u, account: g.a.id, mfa: true}
	g.session(u.tag | 1<<40)
	g.rec.ip, g.rec.fromConsole, g.uaFixed, g.human = u.ip, true, consoleUA, true
	return consolePool
}

func (g *gen) asConsoleLogin() *pool {
	if !g.global {
		return g.asConsole()
	}
	u := g.user()
	g.rec.who = identity{typ: "IAMUser", p: u, account: g.a.id}
	g.rec.ip, g.uaFixed = u.ip, browserUA
	return loginPool
}

// asInstance: a program on an EC2 instance using its instance profile.
func (g *gen) asInstance() *pool {
	insts := g.a.instances[g.ri]
	in := insts[g.r.IntN(len(insts))]
	g.rec.who = identity{typ: "AssumedRole", p: in.role, session: in.id, account: g.a.id, ec2: true}
	g.session(in.tag)
	g.rec.ip, g.fam = in.ip, userAgents[in.tool]
	g.instance = in
	return instancePool
}

// asLambda: a Lambda function's execution role.
func (g *gen) asLambda() *pool {
	fns := g.a.lambdas[g.ri]
	fn := fns[g.r.IntN(len(fns))]
	g.rec.who = identity{typ: "AssumedRole", p: fn.issuer, session: fn.name, account: g.a.id}
	g.session(fn.tag)
	g.rec.ip, g.uaFixed = ec2Prefixes[int(fn.tag)%len(ec2Prefixes)]+"77", lambdaUA
	g.function = fn
	return lambdaPool
}

// asFederated: a GetFederationToken session of a user.
func (g *gen) asFederated() *pool {
	u := g.user()
	g.rec.who = identity{typ: "FederatedUser", p: u, session: u.name + "-federated", account: g.a.id}
	g.session(u.tag | 2<<40)
	g.rec.ip, g.fam, g.human = u.ip, userAgents[u.tool], true
	return humanPool
}

// asConfig: AWS Config's service-linked role, invoked by the service.
func (g *gen) asConfig() *pool {
	role := g.a.svcRoles[0]
	g.rec.who = identity{typ: "AssumedRole", p: role, session: "AWSConfig-Describe", account: g.a.id,
		invokedBy: "config.amazonaws.com"}
	g.session(role.tag)
	g.rec.ip, g.uaFixed = "config.amazonaws.com", "config.amazonaws.com"
	return configPool
}

// asService: an AWS service acting on the account's behalf. The API sets
// which service.
func (g *gen) asService() *pool {
	g.rec.who = identity{typ: "AWSService"}
	return servicePool
}

// asPartner: a principal of another account using resources shared with it.
func (g *gen) asPartner() *pool {
	i := g.r.IntN(len(g.e.partners))
	id := g.e.partners[i]
	g.rec.who = identity{typ: "AWSAccount", account: id,
		principalID: "AROA" + hashString(g.e.seed^uint64(i), keyAlphabet, 17) + ":partner-sync"}
	g.rec.ip, g.fam = peoplePrefixes[i%len(peoplePrefixes)]+"200", userAgents[3]
	return partnerPool
}

// asIdentityCenter: an IAM Identity Center user in the access portal.
func (g *gen) asIdentityCenter() *pool {
	u := g.a.ssoUsers[g.r.IntN(len(g.a.ssoUsers))]
	g.rec.who = identity{typ: "IdentityCenterUser", account: g.a.id, onBehalfUser: u, storeID: g.a.storeID,
		credentialID: hashString(g.e.seed^uint64(g.hour()), alnumAlphabet, 24)}
	g.rec.ip, g.uaFixed = g.user().ip, browserUA
	return ssoPool
}

// asServiceEvent: an event AWS itself records (eventType AwsServiceEvent,
// no identity type).
func (g *gen) asServiceEvent() *pool {
	g.rec.who = identity{account: g.a.id, invokedBy: "kms.amazonaws.com"}
	g.rec.ip, g.uaFixed, g.rec.eventType = "kms.amazonaws.com", "kms.amazonaws.com", "AwsServiceEvent"
	return eventPool
}
