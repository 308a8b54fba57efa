package simulate

import (
	"math/rand/v2"
	"strings"
	"unicode"
)

// apiDef is one CloudTrail event name and how to fill its record.
type apiDef struct {
	svc     string // endpoint prefix: "ec2", "s3", "monitoring"...
	sdk     string // service id in SDK user agents: "ec2", "cloudwatch"...
	source  string // eventSource
	name    string // eventName
	cli     string // aws-cli command, as in "md/command#ec2.describe-instances"
	action  string // IAM action, as in "ec2:DescribeInstances"
	read    bool   // readOnly
	data    bool   // a data event (eventCategory Data)
	global  bool   // logged in the global region only (IAM, sign-in, Organizations)
	version string // eventVersion when not "1.08"
	fill    func(g *gen)
	prep    bool // in an attack: a scene-setting record the manifest does not list
}

const (
	fRead   = 1 << iota // readOnly
	fData               // data event
	fGlobal             // global service
)

func def(svc, name string, flags int, fill func(g *gen)) *apiDef {
	bare := strings.TrimRight(strings.TrimSuffix(name, "v2"), "0123456789") // ListFunctions20150331
	a := &apiDef{svc: svc, sdk: cliName(svc), source: svc + ".amazonaws.com", name: name,
		cli:    cliName(svc) + "." + kebab(bare),
		action: cliName(svc) + ":" + bare,
		read:   flags&fRead != 0, data: flags&fData != 0, global: flags&fGlobal != 0, fill: fill}
	switch svc {
	case "s3", "ec2", "sts", "signin":
		a.version = "1.09"
	}
	return a
}

func cliName(svc string) string {
	switch svc {
	case "monitoring":
		return "cloudwatch"
	}
	return svc
}

// withCLI sets the aws-cli command of a, for high-level commands such as
// "s3.ls".
func withCLI(a *apiDef, cli string) *apiDef {
	b := *a
	b.cli = cli
	return &b
}

// kebab turns "DescribeInstances" into "describe-instances".
func kebab(s string) string {
	var b strings.Builder
	for i, c := range s {
		if unicode.IsUpper(c) && i > 0 {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// pool is a weighted set of APIs one kind of caller uses.
type pool struct {
	apis  []*apiDef
	cum   []int
	total int
}

type weighted struct {
	w   int
	api *apiDef
}

func newPool(ws ...weighted) *pool {
	p := &pool{}
	for _, w := range ws {
		p.total += w.w
		p.apis = append(p.apis, w.api)
		p.cum = append(p.cum, p.total)
	}
	return p
}

func join(ps ...[]weighted) []weighted {
	var out []weighted
	for _, p := range ps {
		out = append(out, p...)
	}
	return out
}

// pick draws an API; outside the global region it redraws global ones.
func (p *pool) pick(r *rand.Rand, global bool) *apiDef {
	for {
		n := r.IntN(p.total)
		i := 0
		for p.cum[i] <= n {
			i++
		}
		if a := p.apis[i]; global || !a.global {
			return a
		}
	}
}
