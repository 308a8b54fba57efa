package ec2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/detect/detecttest"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/source/route53"
)

// dnsBenchQueries is the size of the benchmark's query mix.
const dnsBenchQueries = 500_000

// dnsBenchEvents returns a day-like mix of n queries from 200 instances:
// mostly AWS service names, then internal names, common sites and their
// CDNs, search-domain NXDOMAINs, AAAA lookups, and a trickle of listed
// domains.
func dnsBenchEvents(n int) []*event.Event {
	r := rand.New(rand.NewPCG(42, 7))
	regions := []string{"us-east-1", "eu-west-1"}
	aws := []string{"sts.%s.amazonaws.com", "s3.%s.amazonaws.com", "ec2.%s.amazonaws.com", "logs.%s.amazonaws.com",
		"ssm.%s.amazonaws.com", "ec2messages.%s.amazonaws.com", "ssmmessages.%s.amazonaws.com", "dynamodb.%s.amazonaws.com",
		"sqs.%s.amazonaws.com", "monitoring.%s.amazonaws.com", "secretsmanager.%s.amazonaws.com", "kms.%s.amazonaws.com",
		"my-app-artifacts-%d.s3.%s.amazonaws.com", "d%dk3x9a7b2q.cloudfront.net", "api.ecr.%s.amazonaws.com"}
	sites := []string{"api.github.com", "github.com", "objects.githubusercontent.com", "registry-1.docker.io", "auth.docker.io",
		"pypi.org", "files.pythonhosted.org", "registry.npmjs.org", "proxy.golang.org", "sum.golang.org", "deb.debian.org",
		"security.ubuntu.com", "ntp.ubuntu.com", "api.datadoghq.com", "http-intake.logs.datadoghq.com", "o%d.ingest.sentry.io",
		"hooks.slack.com", "login.microsoftonline.com", "www.google.com", "oauth2.googleapis.com", "api.stripe.com",
		"cdn.jsdelivr.net", "fonts.gstatic.com", "www.example.com", "images-%d.shop-online.example.com"}
	listed := []string{"guarddutyc2activityb.com", "crypto.guarddutyc2activityb.com", "x.bad-0042-list.example.net"}
	evs := make([]*event.Event, n)
	t := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := range evs {
		inst := r.IntN(200)
		region := regions[inst%2]
		q := &event.DNSQuery{
			Version: "1.100000", AccountID: "111122223333", Region: region, VpcID: "vpc-0123456789abcdef0",
			Type: "A", Class: "IN", Rcode: "NOERROR", Transport: "UDP", SrcPort: 30000 + i%30000,
			SrcAddr:    netip.AddrFrom4([4]byte{10, 0, byte(inst / 100), byte(inst%100 + 10)}),
			InstanceID: fmt.Sprintf("i-0%016x", inst*7919),
		}
		answer := "52.216.8.%d"
		switch k := r.IntN(1000); {
		case k < 450:
			q.Name = dnsBenchFill(aws[r.IntN(len(aws))], region, r.IntN(50))
		case k < 650:
			q.Name = fmt.Sprintf("ip-10-0-%d-%d.ec2.internal", r.IntN(4), r.IntN(250))
			answer = "10.0.1.%d"
		case k < 870:
			q.Name = dnsBenchFill(sites[r.IntN(len(sites))], region, r.IntN(20))
			answer = "140.82.112.%d"
		case k < 940: // the search domain tried first
			q.Name, q.Rcode = dnsBenchFill(sites[r.IntN(len(sites))], region, 1)+".ec2.internal", "NXDOMAIN"
		case k < 999:
			q.Name, q.Type = dnsBenchFill(aws[r.IntN(12)], region, 0), "AAAA"
		default:
			q.Name = listed[r.IntN(len(listed))]
			answer = "198.51.100.%d"
		}
		if q.Rcode == "NOERROR" && q.Type == "A" {
			q.Answers = []event.DNSAnswer{{Rdata: fmt.Sprintf(answer, r.IntN(250)), Type: "A", Class: "IN"}}
		}
		evs[i] = &event.Event{Kind: event.KindDNS, Time: t.Add(time.Duration(i) * 2 * time.Millisecond), Account: q.AccountID,
			Region: region, Source: "route53resolver", SourceIP: q.SrcAddr, DNS: q}
	}
	return evs
}

// dnsBenchFill fills a pattern's %d with n and its %s with region.
func dnsBenchFill(pattern, region string, n int) string {
	switch {
	case strings.Contains(pattern, "%d") && strings.Contains(pattern, "%s"):
		return fmt.Sprintf(pattern, n, region)
	case strings.Contains(pattern, "%s"):
		return fmt.Sprintf(pattern, region)
	case strings.Contains(pattern, "%d"):
		return fmt.Sprintf(pattern, n)
	}
	return pattern
}

// dnsBenchIntel is GuardDuty's test domains plus a custom list of 10,000
// domains.
func dnsBenchIntel() *intel.Intel {
	custom := &intel.List{Name: "corp-blocklist", Format: intel.TXT, Family: intel.FamilyCustom}
	for i := range 10_000 {
		custom.Entries = append(custom.Entries, intel.Entry{Domain: fmt.Sprintf("bad-%04d-list.example.net", i)})
	}
	return &intel.Intel{Threats: intel.NewSet(append(intel.BuiltinTestDomains(), custom)...)}
}

// BenchmarkDNSDetectors runs the DNS detectors, through the engine, over
// a realistic query mix; one op is one query. The mix is benign but for
// its listed domains, so any finding of another detector is a false
// positive and fails the benchmark.
func BenchmarkDNSDetectors(b *testing.B) {
	evs := dnsBenchEvents(dnsBenchQueries)
	in := dnsBenchIntel()
	dets := dnsDetectors()
	run := func(b *testing.B, dets []*detect.Detector) {
		e := detect.New(dets, detect.Options{DetectorID: detecttest.DetectorID, Intel: func() *intel.Intel { return in }})
		listed, other := 0, 0
		report := func(f finding.Finding) {
			if f.Service.Evidence != nil {
				listed++
			} else if other++; other == 1 {
				b.Errorf("false positive %s: %s", f.Type, f.Title)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			e.Process(evs[i%len(evs)], report)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		if b.N >= len(evs) && listed == 0 && slices.ContainsFunc(dets, func(d *detect.Detector) bool { return d.Name == "ec2.dns_threat_intel" }) {
			b.Error("no threat-list findings: the listed domains of the mix were missed")
		}
	}
	b.Run("all", func(b *testing.B) { run(b, dets) })
	for _, d := range dets {
		b.Run(d.Name, func(b *testing.B) { run(b, []*detect.Detector{d}) })
	}
}

// dnsBenchLog renders queries as a Route 53 Resolver query log file, one
// JSON record per line, as delivered to S3.
func dnsBenchLog(evs []*event.Event) []byte {
	var b bytes.Buffer
	for _, ev := range evs {
		q := ev.DNS
		rec := map[string]any{
			"version": q.Version, "account_id": q.AccountID, "region": q.Region, "vpc_id": q.VpcID,
			"query_timestamp": ev.Time.Format(time.RFC3339Nano), "query_name": q.Name + ".", "query_type": q.Type,
			"query_class": q.Class, "rcode": q.Rcode, "answers": q.Answers, "srcaddr": q.SrcAddr.String(),
			"srcport": strconv.Itoa(q.SrcPort), "transport": q.Transport, "srcids": map[string]string{"instance": q.InstanceID},
		}
		if rec["answers"] == nil {
			rec["answers"] = []event.DNSAnswer{}
		}
		line, err := json.Marshal(rec)
		if err != nil {
			panic(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// BenchmarkDNSPipeline parses a query log file of the benchmark mix with
// the Route 53 parser and runs the DNS detectors on each record; one op
// is one record.
func BenchmarkDNSPipeline(b *testing.B) {
	const perFile = 100_000
	data := dnsBenchLog(dnsBenchEvents(perFile))
	in := dnsBenchIntel()
	e := detect.New(dnsDetectors(), detect.Options{DetectorID: detecttest.DetectorID, Intel: func() *intel.Intel { return in }})
	report := func(finding.Finding) {}
	emit := func(ev *event.Event) { e.Process(ev, report) }
	onErr := func(err *source.RecordError) { b.Fatal(err) }
	b.SetBytes(int64(len(data)) / perFile)
	b.ReportAllocs()
	b.ResetTimer()
	records := 0
	for records < b.N {
		st, err := route53.Parse(data, "AWSLogs/111122223333/vpcdnsquerylogs/vpc-0123456789abcdef0/2024/05/01/q.log", emit, onErr)
		if err != nil || st.Events != perFile {
			b.Fatalf("Parse: %d events, %v", st.Events, err)
		}
		records += st.Events
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
