package ec2

import (
	"hash/maphash"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// This file holds what the DNS detectors share: who sent a query, the
// finding skeleton, how a name splits around its registrable domain, the
// infrastructure names the heuristics skip, and label entropy.
//
// Strings of a parsed query point into the raw record (the Route 53 parser
// does not copy them), so state never keeps them: keys are hashes and the
// few strings kept for findings are cloned.

// dnsSeed hashes owners and names for state keys. Keys are never
// persisted, so a per-process seed is fine.
var dnsSeed = maphash.MakeSeed()

// dnsOwnerKey identifies who sent a query: the instance id when the log
// names one, else the VPC and source address (a host behind a resolver
// endpoint).
func dnsOwnerKey(q *event.DNSQuery) uint64 {
	if q.InstanceID != "" {
		return maphash.String(dnsSeed, q.InstanceID)
	}
	var h maphash.Hash
	h.SetSeed(dnsSeed)
	h.WriteString(q.AccountID)
	h.WriteByte('|')
	h.WriteString(q.VpcID)
	h.WriteByte('|')
	b := q.SrcAddr.Unmap().As16()
	h.Write(b[:])
	return h.Sum64()
}

// dnsAggKey is the owner part of an aggregation key: the instance id, or
// "<vpc>/<srcaddr>" for a query without one.
func dnsAggKey(q *event.DNSQuery) string {
	if q.InstanceID != "" {
		return q.InstanceID
	}
	return q.VpcID + "/" + q.SrcAddr.Unmap().String()
}

// dnsResource is the finding resource of a query: the querying instance
// (instanceDetails.instanceId, with networkInterfaces[0] holding the
// source address and VPC). A query that came in through a resolver
// endpoint names no instance; its resource is an Instance with no
// instance id whose network interface holds the source address, so that
// the host can still be found (the title names the address and the
// endpoint).
func dnsResource(ev *event.Event, q *event.DNSQuery) finding.Resource {
	src := q.SrcAddr.Unmap()
	r := Owner{InstanceID: q.InstanceID}.Resource(ev, src)
	d := r.InstanceDetails
	if len(d.NetworkInterfaces) == 0 && src.Is6() {
		d.NetworkInterfaces = []finding.NetworkInterface{{IPv6Addresses: []string{src.String()}}}
	}
	if len(d.NetworkInterfaces) > 0 && d.NetworkInterfaces[0].VpcID == "" {
		d.NetworkInterfaces[0].VpcID = q.VpcID
	}
	return r
}

// dnsWho names the sender of a query at the start of a title: "EC2
// instance <id>", or "Host <srcaddr>" and the Resolver endpoint a query
// without an instance id came through.
func dnsWho(q *event.DNSQuery) string {
	if q.InstanceID != "" {
		return "EC2 instance " + q.InstanceID
	}
	who := "An unknown host"
	if q.SrcAddr.IsValid() {
		who = "Host " + q.SrcAddr.Unmap().String()
	}
	if q.ResolverEndpoint != "" {
		who += " (through Resolver endpoint " + q.ResolverEndpoint + ")"
	}
	return who
}

// dnsFinding returns a DNS finding of type typ for ev with the querying
// host as the actor: resource, DNS_REQUEST action on domain and
// aggregation key "<owner>|<key>" ("<owner>" when key is ""). The caller
// sets the title and description (see dnsWho) and additional info (see
// dnsInfo).
func dnsFinding(typ string, ev *event.Event, domain, key string) finding.Finding {
	q := ev.DNS
	f := finding.Finding{
		Type:           typ,
		AggregationKey: dnsAggKey(q),
		Resource:       dnsResource(ev, q),
	}
	if key != "" {
		f.AggregationKey += "|" + key
	}
	f.Service.Action = DNSAction(q, domain)
	f.Service.ResourceRole = finding.RoleActor
	return f
}

// dnsInfo returns additionalInfo with info and, for a query forwarded
// through a Resolver endpoint, the endpoint and its network interface.
func dnsInfo(q *event.DNSQuery, info map[string]any) *finding.AdditionalInfo {
	return detect.Info(dnsEndpointInfo(q, info))
}

// dnsEndpointInfo adds the Resolver endpoint of a forwarded query to info
// (made when nil) and returns it.
func dnsEndpointInfo(q *event.DNSQuery, info map[string]any) map[string]any {
	if q.InstanceID != "" || q.ResolverEndpoint == "" {
		return info
	}
	if info == nil {
		info = map[string]any{}
	}
	info["resolverEndpoint"] = q.ResolverEndpoint
	if q.ResolverNetworkInterface != "" {
		info["resolverNetworkInterface"] = q.ResolverNetworkInterface
	}
	if q.SrcAddr.IsValid() {
		info["sourceAddress"] = q.SrcAddr.Unmap().String()
	}
	return info
}

// dnsSplit splits a query name around its registrable domain (eTLD+1):
// "a.b.example.co.uk" is sub "a.b", parent "example.co.uk" and label
// "example". The public suffix is the last label, or the last two when
// they are in dnsTwoLabelSuffixes, a small built-in table of the common
// second-level registries (golang.org/x/net/publicsuffix is not a
// dependency of this module). ok is false for names of one label.
func dnsSplit(name string) (sub, parent, label string, ok bool) {
	last := strings.LastIndexByte(name, '.')
	if last <= 0 || last == len(name)-1 {
		return "", "", "", false
	}
	start := strings.LastIndexByte(name[:last], '.')
	if start >= 0 && dnsTwoLabelSuffixes[name[start+1:]] {
		last = start
		start = strings.LastIndexByte(name[:last], '.')
	}
	label = name[start+1 : last]
	if label == "" {
		return "", "", "", false
	}
	if start > 0 {
		sub = name[:start]
	}
	return sub, name[start+1:], label, true
}

// dnsTwoLabelSuffixes are public suffixes of two labels under which
// names are registered (country-code second-level domains).
var dnsTwoLabelSuffixes = dnsSetOf(
	"co.uk", "org.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk", "ac.uk", "gov.uk", "sch.uk", "nhs.uk",
	"com.au", "net.au", "org.au", "edu.au", "gov.au", "asn.au", "id.au",
	"co.nz", "net.nz", "org.nz", "govt.nz", "ac.nz",
	"co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "ad.jp", "ed.jp", "gr.jp", "lg.jp",
	"co.kr", "or.kr", "ne.kr", "re.kr", "go.kr", "ac.kr",
	"com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn",
	"com.hk", "net.hk", "org.hk", "edu.hk", "gov.hk",
	"com.tw", "net.tw", "org.tw", "edu.tw", "gov.tw",
	"com.sg", "net.sg", "org.sg", "edu.sg", "gov.sg",
	"com.my", "net.my", "org.my", "com.ph", "net.ph", "com.vn", "net.vn", "co.th", "in.th", "ac.th", "go.th",
	"co.id", "or.id", "ac.id", "go.id", "web.id",
	"co.in", "net.in", "org.in", "firm.in", "gen.in", "ind.in", "ac.in", "gov.in", "edu.in",
	"com.pk", "net.pk", "org.pk", "com.bd", "com.np", "com.lk",
	"com.br", "net.br", "org.br", "gov.br", "edu.br", "com.ar", "net.ar", "org.ar", "gob.ar",
	"com.mx", "net.mx", "org.mx", "gob.mx", "edu.mx", "com.co", "net.co", "org.co", "com.pe", "com.ve", "com.ec",
	"com.uy", "com.py", "com.bo", "cl.cl",
	"co.za", "org.za", "net.za", "gov.za", "ac.za", "com.ng", "com.eg", "co.ke", "or.ke", "co.tz", "co.ug", "com.gh",
	"com.tr", "net.tr", "org.tr", "gov.tr", "edu.tr", "com.sa", "net.sa", "com.qa", "com.kw", "com.bh", "com.om",
	"co.il", "org.il", "ac.il", "gov.il", "co.ae", "net.ae", "org.ae",
	"com.ua", "net.ua", "org.ua", "co.ua", "com.ru", "net.ru", "org.ru", "msk.ru", "spb.ru",
	"com.pl", "net.pl", "org.pl", "co.at", "or.at", "ac.at", "gv.at", "com.gr", "com.cy", "com.mt", "co.hu",
	"com.es", "nom.es", "org.es", "com.pt", "co.it", "gouv.fr", "asso.fr", "com.fr",
)

// dnsInfraSuffixes are names the DGA and exfiltration heuristics never
// score: private namespaces, where names are made by the network itself, and the infrastructure domains of AWS and the large
// cloud and CDN providers, whose host names routinely carry hashes, ids
// and encoded tokens (d111111abcdef8.cloudfront.net,
// vpce-0a1b2c3d4e5f67890-abcdefgh.s3.us-east-1.vpce.amazonaws.com).
// A name matches when it is one of them or ends with "." and one of them.
// It is a constant rather than a Param: extending it is a code review,
// not a configuration change, because every entry is a blind spot.
var dnsInfraSuffixes = dnsSetOf(
	// Private namespaces, where names are made by the network (RFC 6762
	// .local, ICANN's .internal, reverse zones under .arpa), and the
	// common private zones.
	"internal", "local", "localhost", "localdomain", "arpa", "lan", "home", "corp", "intranet", "private",
	// AWS.
	"amazonaws.com", "amazonaws.com.cn", "aws", "api.aws", "on.aws", "aws.dev", "cloudfront.net",
	"awsstatic.com", "amazontrust.com", "awsglobalaccelerator.com", "elasticbeanstalk.com",
	"amplifyapp.com", "awsapps.com", "amazoncognito.com", "awsdns-cn.com", "aws.a2z.com",
	// Other clouds and CDNs.
	"googleapis.com", "gstatic.com", "googleusercontent.com", "gvt1.com", "gvt2.com", "appspot.com", "run.app",
	"windows.net", "azure.com", "azurewebsites.net", "azureedge.net", "azurefd.net", "cloudapp.net",
	"trafficmanager.net", "msedge.net", "azure-dns.com", "windowsupdate.com",
	"akamai.net", "akamaiedge.net", "akamaized.net", "akamaihd.net", "edgekey.net", "edgesuite.net",
	"fastly.net", "fastlylb.net", "cloudflare.net", "cloudflare.com", "edgecastcdn.net",
	// Anti-malware reputation services, which look file and URL hashes up
	// over DNS by design.
	"sophosxl.net", "avqs.mcafee.com", "avts.mcafee.com",
)

func dnsSetOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// dnsInfra reports whether name is, or is under, one of dnsInfraSuffixes.
// Entries have at most three labels, so at most three lookups are made.
func dnsInfra(name string) bool {
	i := len(name)
	for range 3 {
		j := strings.LastIndexByte(name[:i], '.')
		if dnsInfraSuffixes[name[j+1:]] {
			return true
		}
		if j < 0 {
			return false
		}
		i = j
	}
	return false
}

// dnsEntropy is the Shannon entropy of s in bits per character.
func dnsEntropy(s string) float64 {
	if len(s) < 2 {
		return 0
	}
	var counts [256]uint16
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	n := float64(len(s))
	sum := 0.0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if k := counts[c]; k > 0 {
			sum += dnsXLog2X(int(k))
			counts[c] = 0
		}
	}
	return math.Log2(n) - sum/n
}

// dnsXLog2XTable caches k·log2(k) for the counts of labels (at most 63
// characters) and short names.
var dnsXLog2XTable = func() (t [256]float64) {
	for k := 1; k < len(t); k++ {
		t[k] = float64(k) * math.Log2(float64(k))
	}
	return t
}()

func dnsXLog2X(k int) float64 {
	if k < len(dnsXLog2XTable) {
		return dnsXLog2XTable[k]
	}
	return float64(k) * math.Log2(float64(k))
}

// dnsWindow counts events and bytes over a sliding window, in dnsBuckets
// buckets of window/dnsBuckets each, so that it needs no memory per event.
// Counts are exact to within one bucket.
type dnsWindow struct {
	epoch [dnsBuckets]int64 // bucket number (time / bucket width) of each slot
	count [dnsBuckets]int32
	bytes [dnsBuckets]int32
}

const dnsBuckets = 10

// add counts one event of n bytes at t (Unix nanoseconds) and returns the
// totals of the window ending at t. An event older than the window is
// not counted.
func (w *dnsWindow) add(t int64, window int64, n int) (count, bytes int) {
	width := max(window/dnsBuckets, 1)
	e := t / width
	slot := int(e % dnsBuckets)
	if slot < 0 {
		slot += dnsBuckets
	}
	switch {
	case w.epoch[slot] == e:
	case w.epoch[slot] < e:
		w.epoch[slot], w.count[slot], w.bytes[slot] = e, 0, 0
	default:
		e = w.latest() // out of order by more than a window: only read
		slot = -1
	}
	if slot >= 0 {
		w.count[slot]++
		w.bytes[slot] = int32(min(int64(w.bytes[slot])+int64(n), math.MaxInt32))
	}
	for i := range dnsBuckets {
		if w.epoch[i] > e-dnsBuckets && w.epoch[i] <= e {
			count += int(w.count[i])
			bytes += int(w.bytes[i])
		}
	}
	return count, bytes
}

func (w *dnsWindow) latest() int64 {
	m := w.epoch[0]
	for _, e := range w.epoch[1:] {
		m = max(m, e)
	}
	return m
}

// reset forgets everything counted.
func (w *dnsWindow) reset() { *w = dnsWindow{} }

// dnsIMDS are the addresses of the instance metadata service.
var (
	dnsIMDSv4 = netip.MustParseAddr("169.254.169.254")
	dnsIMDSv6 = netip.MustParseAddr("fd00:ec2::254")
)

// dnsSampleEvent returns a fictitious query by an instance, for samples.
func dnsSampleEvent(name, qtype, rcode string, answers ...event.DNSAnswer) *event.Event {
	q := &event.DNSQuery{
		Version: "1.100000", AccountID: detect.SampleAccount, Region: detect.SampleRegion, VpcID: "vpc-0a1b2c3d4e5f67890",
		Name: name, Type: qtype, Class: "IN", Rcode: rcode, Answers: answers,
		SrcAddr: netip.MustParseAddr("10.0.1.25"), SrcPort: 50112, Transport: "UDP", InstanceID: "i-99999999",
	}
	return &event.Event{
		Kind: event.KindDNS, Time: time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC),
		Account: detect.SampleAccount, Region: detect.SampleRegion, Source: "route53resolver", SourceIP: q.SrcAddr, DNS: q,
	}
}
