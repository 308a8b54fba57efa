package intel

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// ipListText is a generated TXT list of n entries: 90% IPv4 addresses,
// 8% IPv4 CIDRs from /16 to /31 and 2% IPv6 addresses and /48 to /64s.
func ipListText(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	for i := 0; i < n; i++ {
		switch k := i % 100; {
		case k < 90:
			v := r.Uint32()
			fmt.Fprintf(&buf, "%d.%d.%d.%d\n", byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
		case k < 98:
			v := r.Uint32()
			fmt.Fprintf(&buf, "%d.%d.%d.%d/%d\n", byte(v>>24), byte(v>>16), byte(v>>8), byte(v), 16+r.IntN(16))
		default:
			var b [16]byte
			b[0], b[1] = 0x20, 0x01
			for j := 2; j < 16; j++ {
				b[j] = byte(r.Uint32())
			}
			if k == 98 {
				fmt.Fprintf(&buf, "%s\n", netip.AddrFrom16(b))
			} else {
				fmt.Fprintf(&buf, "%s\n", netip.PrefixFrom(netip.AddrFrom16(b), 48+r.IntN(17)).Masked())
			}
		}
	}
	return buf.Bytes()
}

var millionList = sync.OnceValue(func() []byte { return ipListText(1_000_000) })

func loadSet(b *testing.B, text []byte) *Set {
	l, errs, err := Parse(TXT, bytes.NewReader(text), "bench.txt", 0)
	if err != nil || len(errs) > 0 {
		b.Fatalf("Parse: %v %v", err, errs)
	}
	return NewSet(l)
}

// BenchmarkLoad1M parses a 1,000,000-entry IP/CIDR list and builds its Set
// (target: under 2 s).
func BenchmarkLoad1M(b *testing.B) {
	text := millionList()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		loadSet(b, text)
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/load")
}

// BenchmarkLookupIP looks up random IPv4 addresses in the 1,000,000-entry
// set (target: 5,000,000 per second per core).
func BenchmarkLookupIP(b *testing.B) {
	s := loadSet(b, millionList())
	r := rand.New(rand.NewPCG(3, 4))
	addrs := make([]netip.Addr, 1<<16)
	for i := range addrs {
		v := r.Uint32()
		addrs[i] = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	hits := 0
	b.ResetTimer()
	start := time.Now()
	i := 0
	for b.Loop() {
		hits += len(s.LookupIP(addrs[i&(len(addrs)-1)]))
		i++
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lookups/s")
	b.ReportMetric(float64(hits)/float64(b.N), "matches/op")
}

// BenchmarkLookupDomain looks up subdomains of listed domains and of
// unlisted ones in a 100,000-domain list (target: 2,000,000 per second per
// core).
func BenchmarkLookupDomain(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	var buf bytes.Buffer
	names := make([]string, 100_000)
	for i := range names {
		names[i] = fmt.Sprintf("d%x-%d.example", r.Uint64(), i)
		fmt.Fprintln(&buf, names[i])
	}
	l, _, err := Parse(TXT, &buf, "domains.txt", 0)
	if err != nil {
		b.Fatal(err)
	}
	s := NewSet(l)
	queries := make([]string, 1<<14)
	for i := range queries {
		n := names[r.IntN(len(names))]
		switch i % 4 {
		case 0:
			queries[i] = n
		case 1:
			queries[i] = "www." + n
		case 2:
			queries[i] = "a.b.cdn." + n
		default:
			queries[i] = "www.not-" + n
		}
	}
	hits := 0
	b.ResetTimer()
	start := time.Now()
	i := 0
	for b.Loop() {
		hits += len(s.LookupDomain(queries[i&(len(queries)-1)]))
		i++
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lookups/s")
	b.ReportMetric(float64(hits)/float64(b.N), "matches/op")
}
