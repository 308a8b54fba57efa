package intel

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/testutil/mmdb"
)

// benchGeoDB writes city and ASN databases of n networks each: distinct
// IPv4 /24s, and every tenth network an IPv6 /48, with 500 cities in 50
// countries and 5,000 autonomous systems. It returns the databases and
// one address inside each network.
func benchGeoDB(b *testing.B, n int) (*GeoDB, []netip.Addr) {
	rnd := rand.New(rand.NewPCG(9, 10))
	cities := make([]mmdb.City, n)
	asns := make([]mmdb.ASN, n)
	inside := make([]netip.Addr, n)
	for i := range n {
		var p netip.Prefix
		if i%10 == 9 {
			var a [16]byte
			a[0], a[1], a[2], a[3] = 0x2a, 0x00, byte(i>>16), byte(i>>8)
			a[4], a[5] = byte(i), byte(rnd.Uint32())
			p = netip.PrefixFrom(netip.AddrFrom16(a), 48)
			a[15] = 1
			inside[i] = netip.AddrFrom16(a)
		} else {
			v := uint32(i) * 2654435761 & 0xffffff // distinct /24s spread over the space
			p = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 16), byte(v >> 8), byte(v), 0}), 24)
			inside[i] = netip.AddrFrom4([4]byte{byte(v >> 16), byte(v >> 8), byte(v), byte(rnd.Uint32())})
		}
		c, asn := rnd.IntN(500), rnd.IntN(5000)
		cities[i] = mmdb.City{Network: p.String(), CountryCode: fmt.Sprintf("C%c", 'A'+c%50/2), CountryName: fmt.Sprintf("Country %d", c%50),
			City: fmt.Sprintf("City %d", c), Lat: float64(c%180) - 90, Lon: float64(c%360) - 180}
		asns[i] = mmdb.ASN{Network: p.String(), Number: uint32(64512 + asn), Org: fmt.Sprintf("Example Network %d Ltd", asn)}
	}
	dir := b.TempDir()
	cityPath, asnPath := filepath.Join(dir, "city.mmdb"), filepath.Join(dir, "asn.mmdb")
	if err := mmdb.WriteCity(cityPath, cities); err != nil {
		b.Fatal(err)
	}
	if err := mmdb.WriteASN(asnPath, asns); err != nil {
		b.Fatal(err)
	}
	g, err := OpenGeoDB(cityPath, asnPath)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Close() })
	return g, inside
}

// geoQueries returns 1<<14 addresses: nine in ten inside a network of the
// databases, the rest random IPv4 addresses, mostly unknown.
func geoQueries(inside []netip.Addr) []netip.Addr {
	rnd := rand.New(rand.NewPCG(11, 12))
	q := make([]netip.Addr, 1<<14)
	for i := range q {
		if i%10 == 9 {
			v := rnd.Uint32()
			q[i] = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		} else {
			q[i] = inside[rnd.IntN(len(inside))]
		}
	}
	return q
}

// BenchmarkGeoEnrich looks up addresses in a city and an ASN database of
// 100,000 networks each: Lookup by netip.Addr, Lookup from many
// goroutines, and Enrich of a finding's RemoteIPDetails (parsing the
// address string and allocating the detail structs).
func BenchmarkGeoEnrich(b *testing.B) {
	g, inside := benchGeoDB(b, 100_000)
	queries := geoQueries(inside)
	b.Run("Lookup", func(b *testing.B) {
		hits, i := 0, 0
		start := time.Now()
		for b.Loop() {
			if _, ok := g.Lookup(queries[i&(len(queries)-1)]); ok {
				hits++
			}
			i++
		}
		reportLookups(b, start, hits)
	})
	b.Run("LookupParallel", func(b *testing.B) {
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			i := rand.IntN(len(queries))
			for pb.Next() {
				g.Lookup(queries[i&(len(queries)-1)])
				i++
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lookups/s")
	})
	b.Run("Enrich", func(b *testing.B) {
		strs := make([]string, len(queries))
		for i, a := range queries {
			strs[i] = a.String()
		}
		hits, i := 0, 0
		start := time.Now()
		for b.Loop() {
			s := strs[i&(len(strs)-1)]
			d := finding.RemoteIPDetails{IPAddressV4: s}
			if strings.IndexByte(s, ':') >= 0 {
				d = finding.RemoteIPDetails{IPAddressV6: s}
			}
			g.Enrich(&d)
			if d.Organization != nil {
				hits++
			}
			i++
		}
		reportLookups(b, start, hits)
	})
}

// BenchmarkAWSRangesLookup looks up addresses among about 10,000 AWS
// prefixes, many nested: IPv4 addresses half anywhere and half in the
// space the prefixes cluster in, IPv6 addresses inside listed prefixes or
// near them (target: 5,000,000 per second per core).
func BenchmarkAWSRangesLookup(b *testing.B) {
	rnd := rand.New(rand.NewPCG(13, 14))
	r, errs, err := ParseAWSRanges(strings.NewReader(randomAWSRanges(rnd, 10_000)), "bench.json")
	if err != nil || len(errs) > 0 {
		b.Fatalf("ParseAWSRanges: %v %v", errs, err)
	}
	b.Logf("%d prefixes", r.Len())
	v4 := make([]netip.Addr, 1<<16)
	v6 := make([]netip.Addr, 1<<16)
	for i := range v4 {
		v := rnd.Uint32() // half anywhere, mostly not AWS; half where the prefixes are
		if i%2 == 0 {
			v = uint32(rnd.IntN(4)+3)<<24 | v&0x00ffffff
		}
		v4[i] = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		p := r.prefixes[rnd.IntN(len(r.prefixes))].Prefix
		if p.Addr().Is6() {
			v6[i] = p.Addr().Next()
		} else {
			v6[i] = netip.AddrFrom16([16]byte{0x26, 0x00, 0x1f, byte(rnd.IntN(4)), byte(rnd.Uint32()), byte(rnd.Uint32()), 15: 1})
		}
	}
	for _, bc := range []struct {
		name  string
		addrs []netip.Addr
	}{{"IPv4", v4}, {"IPv6", v6}} {
		b.Run(bc.name, func(b *testing.B) {
			hits, i := 0, 0
			start := time.Now()
			for b.Loop() {
				if _, ok := r.Lookup(bc.addrs[i&(len(bc.addrs)-1)]); ok {
					hits++
				}
				i++
			}
			reportLookups(b, start, hits)
		})
	}
}

func reportLookups(b *testing.B, start time.Time, hits int) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lookups/s")
	b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
}
