package simulate

import (
	"math/rand/v2"
	"time"
)

// gen generates the benign records of one cell (account, region, window).
// Each worker owns one gen and reuses its buffers.
type gen struct {
	e      *estate
	r      *rand.Rand
	a      *account
	ri     int // region index
	region string
	global bool // this region receives global service events
	hosts  map[hostKey]string

	rec      record
	fam      uaFamily
	uaFixed  string     // user agent for every call of this actor, when set
	human    bool       // a person or their program: may be denied
	instance *instance  // the caller, for instance actors
	function *principal // the caller, for Lambda actors
	ids      [3][]byte
}

type hostKey struct {
	api    *apiDef
	region int
}

func newGen(e *estate) *gen {
	return &gen{e: e, hosts: map[hostKey]string{}}
}

// start prepares g for the cell of account ai and region ri.
func (g *gen) start(r *rand.Rand, ai, ri int) {
	g.r, g.a, g.ri = r, g.e.accounts[ai], ri
	g.region = g.e.regions[ri]
	g.global = ri == g.e.global
}

// benign fills g.rec with one benign record at t. The hugeParams record
// has a requestParameters larger than 64 KB.
func (g *gen) benign(t time.Time, hugeParams bool) {
	g.rec.reset()
	g.rec.t, g.rec.region, g.rec.recipient = t, g.region, g.a.id
	g.uaFixed, g.human, g.instance, g.function = "", false, nil, nil
	act := pickActor(g.r)
	p := act(g)
	api := p.pick(g.r, g.global)
	if hugeParams {
		g.asUser()
		api = hugeDescribe
	}
	g.call(api)
	if g.human && api.read && !api.data && api != getCallerIdentity && g.r.IntN(150) == 0 {
		g.deny(api)
	}
}

// call fills the parts of g.rec that depend on the API, then lets the API
// fill its parameters, which may override them.
func (g *gen) call(api *apiDef) {
	r := &g.rec
	r.source, r.name, r.readOnly, r.mgmt = api.source, api.name, api.read, !api.data
	if api.version != "" {
		r.version = api.version
	}
	r.ua.reset()
	if g.uaFixed != "" {
		r.ua.b = append(r.ua.b, g.uaFixed...)
	} else {
		r.ua.b = appendUA(r.ua.b, g.fam, api)
	}
	if isIP(r.ip) {
		r.tlsHost = g.host(api)
	}
	api.fill(g)
	if !isIP(r.ip) {
		r.tlsHost = ""
	}
}

func (g *gen) host(api *apiDef) string {
	k := hostKey{api, g.ri}
	h, ok := g.hosts[k]
	if !ok {
		switch {
		case api.global:
			h = api.svc + ".amazonaws.com"
		default:
			h = api.svc + "." + g.region + ".amazonaws.com"
		}
		g.hosts[k] = h
	}
	return h
}

func isIP(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// hour is the session hour of the current record: sessions rotate keys hourly.
func (g *gen) hour() int64 { return g.rec.t.Unix() / 3600 }

// session sets a temporary-credential session for principal tag.
func (g *gen) session(tag uint64) {
	w := &g.rec.who
	w.key = sessionKey(g.e.seed, tag, g.hour())
	w.session0 = sessionStart(g.e.seed, tag, g.hour())
	w.sessCtx = true
}

// encode appends g.rec as JSON with fresh ids.
func (g *gen) encode(b []byte) []byte {
	for i := range g.ids {
		g.ids[i] = g.ids[i][:0]
	}
	if g.rec.source == "s3.amazonaws.com" {
		g.ids[0] = appendRand(g.ids[0], g.r, upperHex, 16)
	} else {
		g.ids[0] = appendUUID(g.ids[0], g.r)
	}
	g.ids[1] = appendUUID(g.ids[1], g.r)
	if g.rec.shared {
		g.ids[2] = appendUUID(g.ids[2], g.r)
	}
	return g.rec.appendJSON(b, g.ids[0], g.ids[1], g.ids[2])
}

// deny turns the call into an authorization failure.
func (g *gen) deny(api *apiDef) {
	r := &g.rec
	switch api.svc {
	case "ec2":
		r.errCode = "Client.UnauthorizedOperation"
	case "s3", "iam", "sts":
		r.errCode = "AccessDenied"
	default:
		r.errCode = "AccessDeniedException"
	}
	action := api.action
	r.errMsg = "User: " + g.callerARN() + " is not authorized to perform: " + action +
		" because no identity-based policy allows the " + action + " action"
	r.resp.reset()
	r.extra.reset()
}

func (g *gen) callerARN() string {
	w := &g.rec.who
	switch w.typ {
	case "AssumedRole":
		return "arn:aws:sts::" + w.account + ":assumed-role/" + w.p.name + "/" + w.session
	case "FederatedUser":
		return "arn:aws:sts::" + w.account + ":federated-user/" + w.session
	}
	return w.p.arn
}
