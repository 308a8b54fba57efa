package simulate

// Parameters of EC2, IAM and STS calls.

// static fills constant requestParameters ("" = null).
func static(params string) func(*gen) {
	return func(g *gen) {
		if params != "" {
			g.rec.params.raw("", params)
		}
	}
}

func (g *gen) anyInstance() *instance {
	if g.instance != nil {
		return g.instance
	}
	insts := g.a.instances[g.ri]
	return insts[g.r.IntN(len(insts))]
}

func fillDescribeInstances(g *gen) {
	p := &g.rec.params
	p.open("")
	p.open("instancesSet")
	if g.r.IntN(3) == 0 {
		p.openArr("items")
		p.open("")
		p.str("instanceId", g.anyInstance().id)
		p.end()
		p.endArr()
	}
	p.end()
	p.raw("filterSet", "{}")
	p.end()
}

// hugeInstances makes requestParameters of about 70 KB: a DescribeInstances
// naming 1,850 instances, as inventory scripts do.
const hugeInstances = 1850

func fillHugeDescribe(g *gen) {
	p := &g.rec.params
	p.open("")
	p.open("instancesSet")
	p.openArr("items")
	for range hugeInstances {
		p.b = append(p.b, `{"instanceId":"i-0`...)
		p.b = appendRand(p.b, g.r, hexAlphabet, 16)
		p.b = append(p.b, `"},`...)
	}
	p.endArr()
	p.end()
	p.raw("filterSet", "{}")
	p.end()
}

func fillDescribeTags(g *gen) {
	p := &g.rec.params
	p.open("")
	p.open("filterSet")
	p.openArr("items")
	p.open("")
	p.str("name", "resource-id")
	p.open("valueSet")
	p.openArr("items")
	p.open("")
	p.str("value", g.anyInstance().id)
	p.end()
	p.endArr()
	p.end()
	p.end()
	p.endArr()
	p.end()
	p.end()
}

func fillCreateTags(g *gen) {
	p := &g.rec.params
	p.open("")
	p.open("resourcesSet")
	p.openArr("items")
	p.open("")
	p.str("resourceId", g.anyInstance().id)
	p.end()
	p.endArr()
	p.end()
	p.raw("tagSet", `{"items":[{"key":"CostCenter","value":"platform"}]}`)
	p.end()
	q := &g.rec.resp
	q.open("")
	q.key("requestId")
	q.b = append(appendUUID(append(q.b, '"'), g.r), '"', ',')
	q.boolean("_return", true)
	q.end()
}

func (g *gen) otherUser() *principal { return g.user() }

func fillUserName(g *gen) {
	g.rec.params.open("")
	g.rec.params.str("userName", g.otherUser().name)
	g.rec.params.end()
}

func fillRoleName(g *gen) {
	g.rec.params.open("")
	g.rec.params.str("roleName", g.a.roles[g.r.IntN(len(g.a.roles))].name)
	g.rec.params.end()
}

// credentials writes an AssumeRole response for role's session.
func (g *gen) credentials(role *principal, session string, tag uint64) {
	q := &g.rec.resp
	q.open("")
	q.open("credentials")
	q.str("accessKeyId", sessionKey(g.e.seed, tag, g.hour()))
	q.key("sessionToken")
	q.b = append(appendRand(append(q.b, `"IQoJb3JpZ2luX2VjE`...), g.r, base64Chars, 160), '"', ',')
	q.key("expiration")
	q.b = append(g.rec.t.Add(3600e9).AppendFormat(append(q.b, '"'), "Jan 2, 2006, 3:04:05 PM"), '"', ',')
	q.end()
	q.open("assumedRoleUser")
	q.strs("assumedRoleId", role.id, ":", session)
	q.strs("arn", "arn:aws:sts::", g.a.id, ":assumed-role/", role.name, "/", session)
	q.end()
	q.end()
	p := &g.rec.params
	p.open("")
	p.str("roleArn", role.arn)
	p.str("roleSessionName", session)
	p.num("durationSeconds", 3600)
	p.end()
	g.rec.res = append(g.rec.res, resource{g.a.id, "AWS::IAM::Role", role.arn})
}

// fillAssumeRole: an IAM user assumes one of the account's roles.
func fillAssumeRole(g *gen) {
	u := g.rec.who.p
	role := g.a.roles[g.r.IntN(len(g.a.roles))]
	g.credentials(role, u.name, role.tag<<24|u.tag)
}

// fillServiceAssumeRole: EC2 refreshes an instance profile's credentials or
// Lambda assumes a function's execution role.
func fillServiceAssumeRole(g *gen) {
	if g.r.IntN(3) > 0 {
		in := g.anyInstance()
		g.by("ec2.amazonaws.com")
		g.credentials(in.role, in.id, in.tag)
		return
	}
	fns := g.a.lambdas[g.ri]
	fn := fns[g.r.IntN(len(fns))]
	g.by("lambda.amazonaws.com")
	g.credentials(fn.issuer, fn.name, fn.tag)
}

// fillPartnerAssumeRole: another account assumes a role here.
func fillPartnerAssumeRole(g *gen) {
	role := g.a.roles[0]
	g.credentials(role, "partner-sync", role.tag<<24|uint64(len(g.rec.who.principalID)))
	g.rec.shared = true
}

// by makes the caller the AWS service svc.
func (g *gen) by(svc string) {
	g.rec.who.invokedBy = svc
	g.rec.ip = svc
	g.rec.ua.reset()
	g.rec.ua.b = append(g.rec.ua.b, svc...)
}
