package intel

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const awsFixture = "testdata/ip-ranges.json"

func loadAWSFixture(t testing.TB) *AWSRanges {
	t.Helper()
	r, errs, err := LoadAWSRanges(awsFixture)
	if err != nil || len(errs) > 0 {
		t.Fatalf("LoadAWSRanges(%s) = %v, %v", awsFixture, errs, err)
	}
	return r
}

func awsRange(prefix, region, nbg string, services ...string) AWSRange {
	return AWSRange{Prefix: netip.MustParsePrefix(prefix), Region: region, Services: services, NetworkBorderGroup: nbg}
}

var cmpPrefix = cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })

func TestAWSRangesFixture(t *testing.T) {
	r := loadAWSFixture(t)
	if got, want := r.SyncToken(), "1718822588"; got != want {
		t.Errorf("SyncToken() = %q, want %q", got, want)
	}
	if got, want := r.CreateDate(), "2024-06-19-18-43-08"; got != want {
		t.Errorf("CreateDate() = %q, want %q", got, want)
	}
	if got, want := r.Len(), 23; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	ec2East := awsRange("3.80.0.0/12", "us-east-1", "us-east-1", "AMAZON", "EC2")
	amazonEast := awsRange("52.95.0.0/16", "us-east-1", "us-east-1", "AMAZON")
	s3West := awsRange("52.95.150.0/24", "eu-west-1", "eu-west-1", "AMAZON", "S3")
	ec2v6 := awsRange("2600:1f18::/33", "us-east-1", "us-east-1", "AMAZON", "EC2")
	usWest1 := awsRange("2600:1f1c::/36", "us-west-1", "us-west-1", "AMAZON", "EC2")
	tests := []struct {
		addr string
		want AWSRange // zero: not in AWS
	}{
		{"3.80.0.0", ec2East},
		{"3.95.255.255", ec2East},
		{"3.88.1.2", ec2East},
		{"::ffff:3.80.0.1", ec2East},
		{"3.79.255.255", AWSRange{}},
		{"3.96.0.0", AWSRange{}},
		{"52.94.0.0", awsRange("52.94.0.0/22", "us-east-1", "us-east-1", "AMAZON")},
		{"52.94.3.255", awsRange("52.94.0.0/22", "us-east-1", "us-east-1", "AMAZON")},
		{"52.94.4.0", AWSRange{}},
		// A nested prefix in another region, with its own service.
		{"52.95.149.255", amazonEast},
		{"52.95.150.0", s3West},
		{"52.95.150.255", s3West},
		{"52.95.151.0", amazonEast},
		// A nested prefix adds its service to those of its parent.
		{"107.23.255.0", awsRange("107.23.255.0/26", "us-east-1", "us-east-1", "AMAZON", "EC2", "ROUTE53_HEALTHCHECKS")},
		{"107.23.255.63", awsRange("107.23.255.0/26", "us-east-1", "us-east-1", "AMAZON", "EC2", "ROUTE53_HEALTHCHECKS")},
		{"107.23.255.64", awsRange("107.20.0.0/14", "us-east-1", "us-east-1", "AMAZON", "EC2")},
		{"15.181.233.1", awsRange("15.181.232.0/21", "us-west-2", "us-west-2-lax-1", "AMAZON", "EC2")},
		{"13.33.1.1", awsRange("13.32.0.0/15", "GLOBAL", "GLOBAL", "AMAZON", "CLOUDFRONT")},
		{"15.177.5.5", awsRange("15.177.0.0/18", "GLOBAL", "GLOBAL", "AMAZON", "ROUTE53_HEALTHCHECKS")},
		{"34.246.1.2", awsRange("34.240.0.0/13", "eu-west-1", "eu-west-1", "AMAZON", "EC2")},
		{"52.216.8.9", awsRange("52.216.0.0/15", "us-east-1", "us-east-1", "AMAZON", "S3")},
		{"2600:1f18::", ec2v6},
		{"2600:1f18:7fff:ffff:ffff:ffff:ffff:ffff", ec2v6},
		{"2600:1f18:8000::", AWSRange{}},
		{"2600:1f17:ffff:ffff:ffff:ffff:ffff:ffff", AWSRange{}},
		{"2600:1f1c:7ff:f800::1", awsRange("2600:1f1c:7ff:f800::/53", "us-west-1", "us-west-1", "AMAZON", "EC2", "ROUTE53_HEALTHCHECKS")},
		{"2600:1f1c:7ff:f7ff:ffff:ffff:ffff:ffff", usWest1},
		{"2600:1f1c:fff:ffff:ffff:ffff:ffff:ffff", usWest1},
		{"2600:9000:5::1", awsRange("2600:9000::/28", "GLOBAL", "GLOBAL", "AMAZON", "CLOUDFRONT")},
		{"2a05:d07c:2000::9", awsRange("2a05:d07c:2000::/40", "eu-west-1", "eu-west-1", "AMAZON", "S3")},
		// Documentation ranges are not AWS's.
		{"198.51.100.1", AWSRange{}},
		{"203.0.113.1", AWSRange{}},
		{"192.0.2.1", AWSRange{}},
		{"2001:db8::1", AWSRange{}},
		{"0.0.0.0", AWSRange{}},
		{"255.255.255.255", AWSRange{}},
		{"::", AWSRange{}},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AWSRange{}},
	}
	for _, tt := range tests {
		got, ok := r.Lookup(netip.MustParseAddr(tt.addr))
		if wantOK := tt.want.Prefix.IsValid(); ok != wantOK {
			t.Errorf("Lookup(%s) ok = %v, want %v", tt.addr, ok, wantOK)
		}
		if diff := cmp.Diff(tt.want, got, cmpPrefix, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Lookup(%s) mismatch (-want +got):\n%s", tt.addr, diff)
		}
	}
	if _, ok := r.Lookup(netip.Addr{}); ok {
		t.Error("Lookup(invalid) ok = true")
	}
}

func TestAWSRangesNil(t *testing.T) {
	var r *AWSRanges
	if _, ok := r.Lookup(netip.MustParseAddr("3.80.0.1")); ok || r.Len() != 0 || r.SyncToken() != "" || r.CreateDate() != "" {
		t.Error("nil AWSRanges is not empty")
	}
}

func TestParseAWSRangesBadEntries(t *testing.T) {
	doc := `{
  "syncToken": "1",
  "createDate": "2024-01-01-00-00-00",
  "prefixes": [
    {"ip_prefix": "3.80.0.0/12", "region": "us-east-1", "service": "AMAZON", "network_border_group": "us-east-1"},
    {"ip_prefix": "3.80.0.0/33", "region": "us-east-1", "service": "EC2"},
    {"region": "us-east-1", "service": "EC2"},
    42,
    {"ip_prefix": "3.80.0.0/12", "region": "us-east-1", "service": "EC2", "network_border_group": "us-east-1"},
    {"ip_prefix": "3.80.0.0/12", "region": "us-east-1", "service": "EC2", "network_border_group": "us-east-1"},
    {"ip_prefix": "52.94.1.7/22", "region": "us-east-1", "service": "AMAZON", "network_border_group": "us-east-1"}
  ],
  "ipv6_prefixes": [
    {"ipv6_prefix": "2600:1f18::/129", "region": "us-east-1", "service": "EC2"},
    {
      "ip_prefix": "2600:1f18::/33",
      "region": "us-east-1",
      "service": "EC2"
    },
    {"ipv6_prefix": "2600:1f18::/33", "region": "us-east-1", "service": "EC2", "network_border_group": "us-east-1"}
  ],
  "extra": {"ignored": [1, 2, 3]}
}`
	r, errs, err := ParseAWSRanges(strings.NewReader(doc), "doc.json")
	if err != nil {
		t.Fatalf("ParseAWSRanges: %v", err)
	}
	type lineErr struct {
		Line    int
		Invalid bool // wraps ErrInvalidValue
	}
	var got []lineErr
	for _, e := range errs {
		if e.File != "doc.json" {
			t.Errorf("LineError %v: File = %q, want doc.json", e, e.File)
		}
		got = append(got, lineErr{e.Line, errors.Is(e, ErrInvalidValue)})
	}
	want := []lineErr{{6, true}, {7, true}, {8, false}, {14, true}, {15, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("line errors mismatch (-want +got):\n%s\n%v", diff, errs)
	}
	if r.Len() != 3 {
		t.Errorf("Len() = %d, want 3", r.Len())
	}
	for addr, want := range map[string]AWSRange{
		"3.80.0.1":       awsRange("3.80.0.0/12", "us-east-1", "us-east-1", "AMAZON", "EC2"),
		"52.94.0.0":      awsRange("52.94.0.0/22", "us-east-1", "us-east-1", "AMAZON"), // masked
		"2600:1f18::abc": awsRange("2600:1f18::/33", "us-east-1", "us-east-1", "EC2"),
	} {
		got, _ := r.Lookup(netip.MustParseAddr(addr))
		if diff := cmp.Diff(want, got, cmpPrefix); diff != "" {
			t.Errorf("Lookup(%s) mismatch (-want +got):\n%s", addr, diff)
		}
	}
}

func TestParseAWSRangesNotIPRanges(t *testing.T) {
	for _, doc := range []string{
		"",
		"not json",
		"[]",
		`"prefixes"`,
		`{}`,
		`{"syncToken": "1", "createDate": "x"}`,
		`{"prefixes": 3}`,
		`{"prefixes": {"ip_prefix": "3.80.0.0/12"}}`,
		`{"syncToken": 1, "prefixes": []}`,
		`{"prefixes": [{"ip_prefix": "3.80.0.0/12"}`,
		`{"prefixes": [{"ip_prefix": "3.80.0.0/12"} {}]}`,
	} {
		r, _, err := ParseAWSRanges(strings.NewReader(doc), "bad.json")
		if err == nil || r != nil {
			t.Errorf("ParseAWSRanges(%q) = %v, %v; want an error", doc, r, err)
		} else if !strings.Contains(err.Error(), "bad.json") {
			t.Errorf("ParseAWSRanges(%q) error %q does not name the file", doc, err)
		}
	}
	if _, _, err := LoadAWSRanges("testdata/no-such-file.json"); err == nil {
		t.Error("LoadAWSRanges(missing file) succeeded")
	}
}

// refLookup is the obvious AWSRanges.Lookup: a scan of every prefix.
func refLookup(prefixes []AWSRange, a netip.Addr) (AWSRange, bool) {
	a = a.Unmap()
	var best AWSRange
	var services []string
	for _, r := range prefixes {
		if !r.Prefix.Contains(a) {
			continue
		}
		if !best.Prefix.IsValid() || r.Prefix.Bits() > best.Prefix.Bits() {
			best = r
		}
		services = append(services, r.Services...)
	}
	slices.Sort(services)
	best.Services = slices.Compact(services)
	return best, best.Prefix.IsValid()
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// checkAgainstRef compares Lookup with refLookup at both ends of every
// prefix and just outside them.
func checkAgainstRef(t testing.TB, r *AWSRanges) {
	t.Helper()
	for _, p := range r.prefixes {
		first, last := p.Prefix.Addr(), lastAddr(p.Prefix)
		for _, a := range []netip.Addr{first, first.Prev(), last, last.Next()} {
			if !a.IsValid() {
				continue
			}
			want, wantOK := refLookup(r.prefixes, a)
			got, ok := r.Lookup(a)
			if ok != wantOK || !cmp.Equal(want, got, cmpPrefix, cmpopts.EquateEmpty()) {
				t.Fatalf("Lookup(%s) = %+v, %v; want %+v, %v", a, got, ok, want, wantOK)
			}
		}
	}
}

func TestAWSRangesMatchesReference(t *testing.T) {
	checkAgainstRef(t, loadAWSFixture(t))
	rnd := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		doc := randomAWSRanges(rnd, 300)
		r, errs, err := ParseAWSRanges(strings.NewReader(doc), "random.json")
		if err != nil || len(errs) > 0 {
			t.Fatalf("ParseAWSRanges(random) = %v, %v", errs, err)
		}
		checkAgainstRef(t, r)
	}
}

var (
	awsRegions  = []string{"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "GLOBAL"}
	awsServices = []string{"AMAZON", "EC2", "S3", "CLOUDFRONT", "ROUTE53_HEALTHCHECKS", "DYNAMODB", "API_GATEWAY"}
)

// randomAWSRanges is an ip-ranges.json of about n entries: IPv4 prefixes
// from /8 to /28, clustered so that many nest, a tenth of them IPv6, and
// most listed under AMAZON and one other service.
func randomAWSRanges(rnd *rand.Rand, n int) string {
	var v4, v6 []string
	entry := func(key string, p netip.Prefix) string {
		region := awsRegions[rnd.IntN(len(awsRegions))]
		return fmt.Sprintf(`{"%s": "%s", "region": "%s", "service": "%s", "network_border_group": "%s"}`,
			key, p, region, awsServices[rnd.IntN(len(awsServices))], region)
	}
	for i := 0; i < n; i++ {
		var p netip.Prefix
		key := "ip_prefix"
		if i%10 == 9 {
			var b [16]byte
			b[0], b[1], b[2], b[3] = 0x26, 0x00, 0x1f, byte(rnd.IntN(4))
			for j := 4; j < 8; j++ {
				b[j] = byte(rnd.Uint32())
			}
			p, key = netip.PrefixFrom(netip.AddrFrom16(b), 24+rnd.IntN(41)).Masked(), "ipv6_prefix"
		} else {
			v := uint32(rnd.IntN(4)+3)<<24 | rnd.Uint32()&0x00ffffff
			p = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), 8+rnd.IntN(21)).Masked()
		}
		list := &v4
		if key == "ipv6_prefix" {
			list = &v6
		}
		*list = append(*list, entry(key, p))
		if rnd.IntN(3) > 0 {
			*list = append(*list, entry(key, p)) // listed again, usually under another service
		}
	}
	return fmt.Sprintf(`{"syncToken": "1", "createDate": "2024-01-01-00-00-00", "prefixes": [%s], "ipv6_prefixes": [%s]}`,
		strings.Join(v4, ",\n"), strings.Join(v6, ",\n"))
}

func FuzzParseAWSRanges(f *testing.F) {
	f.Add([]byte(`{"syncToken":"1","prefixes":[{"ip_prefix":"3.80.0.0/12","region":"us-east-1","service":"EC2"},{"ip_prefix":"3.88.0.0/16","service":"S3"}],"ipv6_prefixes":[{"ipv6_prefix":"2600:1f18::/33","service":"EC2"}]}`))
	f.Add([]byte(`{"prefixes":[{"ip_prefix":"0.0.0.0/0","service":"A"},{"ip_prefix":"255.255.255.255/32","service":"B"},{"ip_prefix":"::ffff:1.2.3.0/120"}],"ipv6_prefixes":[{"ipv6_prefix":"::/0"},{"ipv6_prefix":"ffff::/16"}]}`))
	f.Add([]byte(`{"prefixes":[42,"x",{"ip_prefix":"1.2.3.4/40"},{"ip_prefix":"fe80::1%eth0/64"}]}`))
	f.Add([]byte(randomAWSRanges(rand.New(rand.NewPCG(7, 8)), 20)))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, errs, err := ParseAWSRanges(strings.NewReader(string(in)), "f.json")
		if err != nil {
			if r != nil {
				t.Fatalf("ParseAWSRanges returned ranges with error %v", err)
			}
			return
		}
		for _, e := range errs {
			if e.Line < 1 {
				t.Fatalf("line error %v has no line", e)
			}
		}
		for _, p := range r.prefixes {
			if p.Prefix != p.Prefix.Masked() || p.Prefix.Addr().Is4In6() {
				t.Fatalf("prefix %s is not normalized", p.Prefix)
			}
			if !slices.IsSorted(p.Services) || len(slices.Compact(slices.Clone(p.Services))) != len(p.Services) {
				t.Fatalf("services %q of %s are not sorted and unique", p.Services, p.Prefix)
			}
		}
		checkAgainstRef(t, r)
	})
}
