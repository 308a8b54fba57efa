package route53_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/source/route53"
)

// genDelivery returns n query log records as Resolver delivers them: a
// mix of instance and endpoint queries, A/AAAA/PTR/TXT/SRV, NXDOMAIN,
// zero to four answers, now and then a DNS Firewall match.
func genDelivery(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"www.example.com.", "api.example.net.", "s3.eu-west-1.amazonaws.com.", "sts.amazonaws.com.",
		"ip-10-0-1-25.eu-west-1.compute.internal.", "db.corp.example.internal.", "login.example.org.", "cdn.example.net."}
	types := []string{"A", "A", "A", "AAAA", "AAAA", "PTR", "TXT", "SRV"}
	var b bytes.Buffer
	for i := range n {
		name := names[r.IntN(len(names))]
		if r.IntN(4) == 0 {
			name = fmt.Sprintf("h%x.%s", r.Uint32(), name)
		}
		typ, rcode := types[r.IntN(len(types))], "NOERROR"
		answers := r.IntN(5)
		if r.IntN(10) == 0 {
			rcode, answers = "NXDOMAIN", 0
		}
		fmt.Fprintf(&b, `{"version":"1.100000","account_id":"111122223333","region":"eu-west-1","vpc_id":"vpc-0a1b2c3d4e5f60718",`+
			`"query_timestamp":"2024-05-01T12:%02d:%02dZ","query_name":"%s","query_type":"%s","query_class":"IN","rcode":"%s","answers":[`,
			i/60%60, i%60, name, typ, rcode)
		for a := range answers {
			if a > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"Rdata":"192.0.2.%d","Type":"%s","Class":"IN"}`, r.IntN(256), typ)
		}
		fmt.Fprintf(&b, `],"srcaddr":"10.0.%d.%d","srcport":"%d","transport":"UDP","srcids":`, r.IntN(8), r.IntN(256), 1024+r.IntN(60000))
		if r.IntN(8) == 0 {
			b.WriteString(`{"resolver_endpoint":"rslvr-in-0123456789abcdef0","resolver_network_interface":"rni-0123456789abcdef0"}`)
		} else {
			fmt.Fprintf(&b, `{"instance":"i-%017x"}`, r.Uint64()>>4)
		}
		if r.IntN(50) == 0 {
			b.WriteString(`,"firewall_rule_group_id":"rslvr-frg-0123456789abcdef","firewall_rule_action":"BLOCK","firewall_domain_list_id":"rslvr-fdl-0123456789abcdef"`)
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// BenchmarkParse measures a delivery file of 1,000 records: the parser
// alone on the decompressed file, and end to end through source.Reader
// from gzip (gunzip, detect, parse, normalize).
func BenchmarkParse(b *testing.B) {
	const records = 1000
	data := genDelivery(records)
	zipped := gz(b, data)
	b.Logf("file: %d records, %d bytes (%d B/record), %d bytes gzip", records, len(data), len(data)/records, len(zipped))
	var n int
	emit := func(*event.Event) { n++ }
	onErr := func(e *source.RecordError) { b.Fatal(e) }

	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		n = 0
		for b.Loop() {
			if _, err := route53.Parse(data, deliveryFile, emit, onErr); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("reader", func(b *testing.B) {
		var r source.Reader
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		n = 0
		for b.Loop() {
			if _, err := r.Read(bytes.NewReader(zipped), deliveryFile, emit, onErr); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	})
}
