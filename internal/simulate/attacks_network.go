package simulate

import (
	"strconv"
	"time"
)

// netAttack is one finding type of the network detectors and the flow or
// DNS records that trigger it, in the account's home region.
type netAttack struct {
	typ string
	gen func(n *netCtx, t time.Time) (flows, dns []netRec)
}

// netCtx is what an attack generator works with: the account's first
// instance and Lambda function in the home region.
type netCtx struct {
	e    *estate
	a    *account
	ri   int
	in   *instance
	fn   *principal
	seed uint64
}

// Addresses the network attacks use. The lists WriteIntel writes hold
// the C&C, mining and Tor ones; probers are in its Spamhaus DROP range.
const (
	c2IP      = "192.0.2.200" // Feodo Tracker list
	miningIP  = "192.0.2.210" // a mining-pool address list (family bitcoin)
	miningDNS = "xmr.pool.mining.example"
)

var netAttacks = []netAttack{
	{"Recon:EC2/PortProbeUnprotectedPort", func(n *netCtx, t time.Time) ([]netRec, []netRec) {
		var fs []netRec
		for i := range 3 {
			prober := "192.0.2." + strconv.Itoa(120+i)
			fs = append(fs, n.flow(t.Add(time.Duration(i)*time.Second), prober, n.in.privateIP, 40000+i, 22, 6, 1, 60, "ACCEPT"))
		}
		return fs, nil
	}},
	{"Recon:EC2/Portscan", func(n *netCtx, t time.Time) ([]netRec, []netRec) {
		var fs []netRec
		for port := 1; port <= 40; port++ {
			fs = append(fs, n.flow(t.Add(time.Duration(port)*time.Second), n.in.privateIP, n.victim(), 51000, port, 6, 1, 60, "ACCEPT"))
		}
		return fs, nil
	}},
	{"UnauthorizedAccess:EC2/SSHBruteForce", bruteForce(22)},
	{"UnauthorizedAccess:EC2/RDPBruteForce", bruteForce(3389)},
	{"Backdoor:EC2/DenialOfService.Udp", func(n *netCtx, t time.Time) ([]netRec, []netRec) {
		var fs []netRec
		for i := range 3 {
			fs = append(fs, n.flow(t.Add(time.Duration(i)*10*time.Second), n.in.privateIP, n.victim(), 40000+i, 9999, 17, 60000, 60000*1200, "ACCEPT"))
		}
		return fs, nil
	}},
	{"Backdoor:EC2/Spambot", func(n *netCtx, t time.Time) ([]netRec, []netRec) {
		var fs []netRec
		for i := range 30 {
			fs = append(fs, n.flow(t.Add(time.Duration(i)*time.Second), n.in.privateIP, "203.0.113."+strconv.Itoa(1+i), 45000+i, 25, 6, 12, 4800, "ACCEPT"))
		}
		return fs, nil
	}},
	{"Backdoor:EC2/C&CActivity.B", outbound(c2IP, 443)},
	{"CryptoCurrency:EC2/BitcoinTool.B", outbound(miningIP, 3333)},
	{"UnauthorizedAccess:EC2/TorClient", func(n *netCtx, t time.Time) ([]netRec, []netRec) {
		return []netRec{n.flow(t, n.in.privateIP, torIP(&gen{e: n.e}), 50123, 9001, 6, 30, 9000, "ACCEPT")}, nil
	}},
	{"Backdoor:Lambda/C&CActivity.B", func(n *netCtx, t time.Time) ([]netRec, []netRec) {
		end := t.Add(20 * time.Second)
		return []netRec{{t, flowLine(n.a.id, eni(n.fn.tag), lambdaIP(n.fn.tag), c2IP, 50222, 443, 6, 12, 3000, t, end, "ACCEPT")}}, nil
	}},
	{"Backdoor:EC2/C&CActivity.B!DNS", query("guarddutyc2activityb.com", "A", "NOERROR", "198.51.100.66")},
	{"CryptoCurrency:EC2/BitcoinTool.B!DNS", query(miningDNS, "A", "NOERROR", miningIP)},
	{"UnauthorizedAccess:EC2/MetadataDNSRebind", query("metadata.rebind-attack.example", "A", "NOERROR", "169.254.169.254")},
	{"Trojan:EC2/DNSDataExfiltration", func(n *netCtx, t time.Time) ([]netRec, []netRec) {
		var qs []netRec
		for i := range 30 {
			label := hashString(n.seed^uint64(i)*0x9e37, "abcdefghijklmnopqrstuvwxyz234567", 48)
			name := label + "." + strconv.Itoa(i) + ".tunnel.exfil-dns.example"
			qs = append(qs, n.query(t.Add(time.Duration(i)*2*time.Second), name, "TXT", "NOERROR"))
		}
		return nil, qs
	}},
	{"Trojan:EC2/DGADomainRequest.B", func(n *netCtx, t time.Time) ([]netRec, []netRec) {
		var qs []netRec
		tlds := []string{"com", "net", "info", "biz"}
		for i := range 12 {
			name := hashString(n.seed^uint64(i+1)*0x51ed, "bcdfghjklmnpqrstvwxz", 13) + "." + tlds[i%len(tlds)]
			qs = append(qs, n.query(t.Add(time.Duration(i)*3*time.Second), name, "A", "NXDOMAIN"))
		}
		return nil, qs
	}},
}

var netAttackByType = func() map[string]*netAttack {
	m := map[string]*netAttack{}
	for i := range netAttacks {
		m[netAttacks[i].typ] = &netAttacks[i]
	}
	return m
}()

// victim is a host on the internet the instance attacks.
func (n *netCtx) victim() string { return "198.51.100." + strconv.Itoa(200+int(n.seed%40)) }

func (n *netCtx) flow(t time.Time, src, dst string, sport, dport, proto int, packets, bytes int64, action string) netRec {
	return netRec{t, flowLine(n.a.id, eni(n.in.tag), src, dst, sport, dport, proto, packets, bytes, t, t.Add(20*time.Second), action)}
}

func (n *netCtx) query(t time.Time, name, qtype, rcode string, answers ...string) netRec {
	return netRec{t, dnsLine(n.a.id, n.e.regions[n.ri], vpcOf(n.a.id, n.ri), name, qtype, rcode, n.in.privateIP, n.in.id, t, answers...)}
}

func bruteForce(port int) func(n *netCtx, t time.Time) ([]netRec, []netRec) {
	return func(n *netCtx, t time.Time) ([]netRec, []netRec) {
		var fs []netRec
		attacker := "203.0.113." + strconv.Itoa(100+int(n.seed%50))
		for i := range 30 {
			fs = append(fs, n.flow(t.Add(time.Duration(i)*5*time.Second), attacker, n.in.privateIP, 40000+i, port, 6, 14, 2900, "ACCEPT"))
		}
		return fs, nil
	}
}

func outbound(remote string, port int) func(n *netCtx, t time.Time) ([]netRec, []netRec) {
	return func(n *netCtx, t time.Time) ([]netRec, []netRec) {
		return []netRec{n.flow(t, n.in.privateIP, remote, 49152+int(n.seed%1000), port, 6, 20, 6000, "ACCEPT")}, nil
	}
}

func query(name, qtype, rcode string, answers ...string) func(n *netCtx, t time.Time) ([]netRec, []netRec) {
	return func(n *netCtx, t time.Time) ([]netRec, []netRec) {
		return nil, []netRec{n.query(t, name, qtype, rcode, answers...)}
	}
}

// injectNetwork generates the records of a network attack at t in account
// ai's home region and files them in cells.
func (p *plan) injectNetwork(e *estate, d *netAttack, ai int, t time.Time, cells map[int]*netCell) Injected {
	a := e.accounts[ai]
	n := &netCtx{e: e, a: a, ri: 0, in: a.instances[0][0], fn: a.lambdas[0][0], seed: e.seed}
	flows, dns := d.gen(n, t)
	// An attack whose records would run past the span starts earlier.
	var last time.Time
	for _, r := range append(flows, dns...) {
		last = later(last, r.t)
	}
	if shift := last.Sub(p.end) + time.Second; shift > 0 {
		t = later(t.Add(-shift), p.start)
		flows, dns = d.gen(n, t)
	}
	c := p.cell(p.windowOf(t), ai, 0)
	if cells[c] == nil {
		cells[c] = &netCell{}
	}
	// Records after the window's end still go in its file: AWS delivers
	// late records in later files too.
	cells[c].flows = append(cells[c].flows, flows...)
	cells[c].dns = append(cells[c].dns, dns...)
	name := "VPCFlow"
	if len(dns) > 0 {
		name = "DNSQuery"
	}
	return Injected{Type: d.typ, Account: a.id, Region: e.regions[0], EventName: name, At: t}
}
