package simulate

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Network logs: VPC flow logs (the default version 2 format, with the
// header line S3 delivery writes) and Route 53 Resolver query logs, one
// file of each per account, region and five-minute window, in AWS's
// delivery layouts. Benign traffic: instances calling AWS and package
// mirrors over HTTPS and the answers, web servers answering clients, VPC
// DNS and NTP, Lambda functions calling AWS, internet scanners rejected by
// security groups, NODATA records; DNS queries for AWS endpoints, package
// mirrors, internal names (some NXDOMAIN through the search domain).

// flowHeader is the header line of the default (version 2) format.
const flowHeader = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

// netRec is one network log line at a time.
type netRec struct {
	t    time.Time
	line string
}

// netCell is one file pair's worth of records.
type netCell struct {
	flows, dns []netRec
}

// Remote addresses of benign traffic: AWS endpoints (52.94.0.0/22, in
// WriteIntel's ip-ranges.json) and clients (MaxMind test ranges).
var awsEndpoints = []string{"52.94.0.17", "52.94.0.45", "52.94.1.8", "52.94.1.120", "52.94.2.33", "52.94.3.201"}

var benignNames = []string{
	"sts.%s.amazonaws.com", "s3.%s.amazonaws.com", "ec2.%s.amazonaws.com", "logs.%s.amazonaws.com",
	"secretsmanager.%s.amazonaws.com", "ssm.%s.amazonaws.com", "monitoring.%s.amazonaws.com",
	"deb.debian.org", "security.debian.org", "pypi.org", "files.pythonhosted.org", "registry.npmjs.org",
	"proxy.golang.org", "github.com", "api.github.com", "objects.githubusercontent.com", "d1a2b3c4d5e6f7.cloudfront.net",
}

// eni is the network interface id of an instance or function tag.
func eni(tag uint64) string { return "eni-0" + hashString(tag^0xe41, hexAlphabet, 16) }

// vpcOf is the VPC of an account in a region.
func vpcOf(acct string, ri int) string {
	return "vpc-0" + hashString(uint64(ri)<<32^hash64(acct), hexAlphabet, 16)
}

func hash64(s string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

// lambdaIP is the private address of a function's ENI.
func lambdaIP(tag uint64) string {
	h := mix(tag)
	return fmt.Sprintf("10.%d.%d.%d", 200+h%50, h>>8%256, 2+h>>16%250)
}

// flowLine formats a version 2 record.
func flowLine(acct, iface, src, dst string, sport, dport, proto int, packets, bytes int64, start, end time.Time, action string) string {
	return fmt.Sprintf("2 %s %s %s %s %d %d %d %d %d %d %d %s OK", acct, iface, src, dst, sport, dport, proto,
		packets, bytes, start.Unix(), end.Unix(), action)
}

// dnsLine formats a Route 53 Resolver query log record.
func dnsLine(acct, region, vpc, name, qtype, rcode, src, instance string, t time.Time, answers ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"version":"1.100000","account_id":"%s","region":"%s","vpc_id":"%s","query_timestamp":"%s",`+
		`"query_name":"%s.","query_type":"%s","query_class":"IN","rcode":"%s","answers":[`,
		acct, region, vpc, t.UTC().Format("2006-01-02T15:04:05Z"), name, qtype, rcode)
	for i, a := range answers {
		if i > 0 {
			b.WriteByte(',')
		}
		typ := "A"
		if strings.Contains(a, ":") {
			typ = "AAAA"
		}
		if qtype == "TXT" {
			typ = "TXT"
		}
		fmt.Fprintf(&b, `{"Rdata":"%s","Type":"%s","Class":"IN"}`, a, typ)
	}
	fmt.Fprintf(&b, `],"srcaddr":"%s","srcport":"%d","transport":"UDP","srcids":{"instance":"%s"}}`, src, 32768+int(hash64(name+src)%28000), instance)
	return b.String()
}

// benignFlows appends n benign flow records of account ai in region ri
// between lo and hi.
func benignFlows(r *rand.Rand, e *estate, ai, ri, n int, lo, hi time.Time, out []netRec) []netRec {
	a := e.accounts[ai]
	insts := a.instances[ri]
	at := func() time.Time {
		return lo.Add(time.Duration(r.Int64N(max(int64(hi.Sub(lo)), 1)))).Truncate(time.Second)
	}
	for len(out) < n {
		t := at()
		in := insts[r.IntN(len(insts))]
		id := eni(in.tag)
		eph := 32768 + r.IntN(28000)
		end := t.Add(time.Duration(5+r.IntN(55)) * time.Second)
		switch k := r.IntN(100); {
		case k < 40: // HTTPS to AWS and back
			remote := awsEndpoints[r.IntN(len(awsEndpoints))]
			p := int64(6 + r.IntN(40))
			out = append(out, netRec{t, flowLine(a.id, id, in.privateIP, remote, eph, 443, 6, p, p*int64(200+r.IntN(900)), t, end, "ACCEPT")},
				netRec{t, flowLine(a.id, id, remote, in.privateIP, 443, eph, 6, p+2, (p+2)*int64(300+r.IntN(1100)), t, end, "ACCEPT")})
		case k < 65: // a client of a web server
			client := randPublicIP(r, peoplePrefixes)
			p := int64(8 + r.IntN(30))
			out = append(out, netRec{t, flowLine(a.id, id, client, in.privateIP, eph, 443, 6, p, p*int64(150+r.IntN(500)), t, end, "ACCEPT")},
				netRec{t, flowLine(a.id, id, in.privateIP, client, 443, eph, 6, p+3, (p+3)*int64(500+r.IntN(900)), t, end, "ACCEPT")})
		case k < 78: // VPC DNS resolver
			dns := vpcResolver(in.privateIP)
			out = append(out, netRec{t, flowLine(a.id, id, in.privateIP, dns, eph, 53, 17, 1, 70+int64(r.IntN(40)), t, end, "ACCEPT")},
				netRec{t, flowLine(a.id, id, dns, in.privateIP, 53, eph, 17, 1, 120+int64(r.IntN(200)), t, end, "ACCEPT")})
		case k < 83: // Amazon Time Sync
			out = append(out, netRec{t, flowLine(a.id, id, in.privateIP, "169.254.169.123", 123, 123, 17, 1, 76, t, end, "ACCEPT")})
		case k < 93: // an internet scanner stopped by the security group
			scanner := randPublicIP(r, scannerPrefixes)
			out = append(out, netRec{t, flowLine(a.id, id, scanner, in.privateIP, eph, commonPorts[r.IntN(len(commonPorts))], 6, 1, 44, t, end, "REJECT")})
		case k < 97: // a Lambda function calling AWS
			fns := a.lambdas[ri]
			fn := fns[r.IntN(len(fns))]
			remote := awsEndpoints[r.IntN(len(awsEndpoints))]
			p := int64(5 + r.IntN(20))
			out = append(out, netRec{t, flowLine(a.id, eni(fn.tag), lambdaIP(fn.tag), remote, eph, 443, 6, p, p*400, t, end, "ACCEPT")})
		default: // an idle interface
			out = append(out, netRec{t, fmt.Sprintf("2 %s %s - - - - - - - %d %d - NODATA", a.id, id, t.Unix(), end.Unix())})
		}
	}
	return out
}

// Scanners on the internet (never on a list), and the ports they try.
var (
	scannerPrefixes = []string{"89.160.20.", "216.160.83."}
	commonPorts     = []int{22, 23, 80, 445, 1433, 3306, 3389, 5900, 6379, 8080}
)

// vpcResolver is the Amazon-provided DNS address of the VPC holding ip:
// the VPC's base + 2 (a /16 per VPC here).
func vpcResolver(ip string) string {
	o := strings.Split(ip, ".")
	return o[0] + "." + o[1] + ".0.2"
}

// benignQueries appends n benign DNS records.
func benignQueries(r *rand.Rand, e *estate, ai, ri, n int, lo, hi time.Time, out []netRec) []netRec {
	a, region := e.accounts[ai], e.regions[ri]
	vpc := vpcOf(a.id, ri)
	insts := a.instances[ri]
	for len(out) < n {
		t := lo.Add(time.Duration(r.Int64N(max(int64(hi.Sub(lo)), 1)))).Truncate(time.Second)
		in := insts[r.IntN(len(insts))]
		switch k := r.IntN(100); {
		case k < 70:
			name := benignNames[r.IntN(len(benignNames))]
			if strings.Contains(name, "%s") {
				name = fmt.Sprintf(name, region)
			}
			out = append(out, netRec{t, dnsLine(a.id, region, vpc, name, "A", "NOERROR", in.privateIP, in.id, t,
				awsEndpoints[r.IntN(len(awsEndpoints))])})
		case k < 85: // another instance by its internal name
			peer := insts[r.IntN(len(insts))]
			out = append(out, netRec{t, dnsLine(a.id, region, vpc, peer.hostname, "A", "NOERROR", in.privateIP, in.id, t, peer.privateIP)})
		case k < 92: // the search domain tried first
			name := strings.Split(benignNames[7+r.IntN(len(benignNames)-7)], "%")[0] + ".ec2.internal"
			out = append(out, netRec{t, dnsLine(a.id, region, vpc, name, "A", "NXDOMAIN", in.privateIP, in.id, t)})
		default:
			name := fmt.Sprintf(benignNames[r.IntN(7)], region)
			out = append(out, netRec{t, dnsLine(a.id, region, vpc, name, "AAAA", "NOERROR", in.privateIP, in.id, t)})
		}
	}
	return out
}

// writeNetwork writes the flow-log and DNS files of every account, region
// and window, benign records merged with the attacks' (keyed by cell).
func (p *plan) writeNetwork(o Options, e *estate, attacks map[int]*netCell, m *Manifest) error {
	cells := p.cells()
	for c := range cells {
		w, ai, ri := p.split(c)
		lo, hi := p.span(w)
		r := newRand(o.Seed, 1<<50+uint64(c))
		share := func(total int) int { return total*(c+1)/cells - total*c/cells }
		cell := attacks[c]
		if cell == nil {
			cell = &netCell{}
		}
		flows := benignFlows(r, e, ai, ri, share(o.Flows), lo, hi, nil)
		dns := benignQueries(r, e, ai, ri, share(o.DNSQueries), lo, hi, nil)
		flows, dns = append(flows, cell.flows...), append(dns, cell.dns...)
		acct, region := e.accounts[ai].id, e.regions[ri]
		stamp := p.first.Add(time.Duration(w+1) * window)
		day := filepath.Join(stamp.Format("2006"), stamp.Format("01"), stamp.Format("02"))
		suffix := hashString(uint64(c)^o.Seed, alnumAlphabet, 8)
		if len(flows) > 0 {
			name := fmt.Sprintf("%s_vpcflowlogs_%s_fl-0%s_%s_%s.log.gz", acct, region, hashString(hash64(acct)+uint64(ri), hexAlphabet, 16), stamp.Format("20060102T1504Z"), suffix)
			path := filepath.Join(o.Out, "AWSLogs", acct, "vpcflowlogs", region, day, name)
			if err := writeNetFile(path, flowHeader, flows, m); err != nil {
				return err
			}
			m.FlowRecords += len(flows)
		}
		if len(dns) > 0 {
			vpc := vpcOf(acct, ri)
			name := fmt.Sprintf("%s_vpcdnsquerylogs_%s_%s_%s.log.gz", acct, vpc, stamp.Format("20060102T1504Z"), suffix)
			path := filepath.Join(o.Out, "AWSLogs", acct, "vpcdnsquerylogs", vpc, day, name)
			if err := writeNetFile(path, "", dns, m); err != nil {
				return err
			}
			m.DNSRecords += len(dns)
		}
	}
	return nil
}

func writeNetFile(path, header string, recs []netRec, m *Manifest) error {
	slices.SortStableFunc(recs, func(a, b netRec) int { return a.t.Compare(b.t) })
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := &countWriter{w: f}
	zw, _ := gzip.NewWriterLevel(cw, gzip.BestSpeed)
	bw := bufio.NewWriterSize(zw, 64<<10)
	if header != "" {
		bw.WriteString(header + "\n")
	}
	for _, rec := range recs {
		bw.WriteString(rec.line)
		bw.WriteByte('\n')
	}
	err = bw.Flush()
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	m.Files++
	m.Bytes += cw.n
	return nil
}
