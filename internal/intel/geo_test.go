package intel

import (
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/testutil/mmdb"
)

var testCities = []mmdb.City{
	{Network: "198.51.100.0/24", CountryCode: "DE", CountryName: "Germany", City: "Berlin", Lat: 52.52, Lon: 13.405},
	{Network: "203.0.113.0/25", CountryCode: "US", CountryName: "United States", City: "Ashburn", Lat: 39.0438, Lon: -77.4874},
	{Network: "203.0.113.128/25", CountryCode: "JP", CountryName: "Japan"},
	{Network: "2001:db8:1::/48", CountryCode: "FR", CountryName: "France", City: "Paris", Lat: 48.8566, Lon: 2.3522},
}

var testASNs = []mmdb.ASN{
	{Network: "198.51.100.0/24", Number: 64500, Org: "Example Transit GmbH"},
	{Network: "203.0.113.0/24", Number: 64501, Org: "Example Cloud Inc"},
	{Network: "192.0.2.0/24", Number: 64503, Org: "Example Hosting LLC"},
	{Network: "2001:db8::/32", Number: 64502, Org: "Example Telecom SA"},
}

// writeGeoDBs writes the test city and ASN databases and returns their paths.
func writeGeoDBs(t *testing.T) (cityPath, asnPath string) {
	t.Helper()
	dir := t.TempDir()
	cityPath, asnPath = filepath.Join(dir, "city.mmdb"), filepath.Join(dir, "asn.mmdb")
	if err := mmdb.WriteCity(cityPath, testCities); err != nil {
		t.Fatal(err)
	}
	if err := mmdb.WriteASN(asnPath, testASNs); err != nil {
		t.Fatal(err)
	}
	return cityPath, asnPath
}

func openTestGeoDB(t *testing.T, cityPath, asnPath string) *GeoDB {
	t.Helper()
	g, err := OpenGeoDB(cityPath, asnPath)
	if err != nil {
		t.Fatalf("OpenGeoDB(%q, %q): %v", cityPath, asnPath, err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return g
}

func TestGeoDBLookup(t *testing.T) {
	cityPath, asnPath := writeGeoDBs(t)
	g := openTestGeoDB(t, cityPath, asnPath)
	berlin := GeoInfo{CountryCode: "DE", CountryName: "Germany", City: "Berlin", Lat: 52.52, Lon: 13.405, HasLocation: true,
		ASN: 64500, ASNOrg: "Example Transit GmbH", ISP: "Example Transit GmbH", Org: "Example Transit GmbH"}
	telecom := GeoInfo{ASN: 64502, ASNOrg: "Example Telecom SA", ISP: "Example Telecom SA", Org: "Example Telecom SA"}
	paris := telecom
	paris.CountryCode, paris.CountryName, paris.City = "FR", "France", "Paris"
	paris.Lat, paris.Lon, paris.HasLocation = 48.8566, 2.3522, true
	tests := []struct {
		addr   string
		want   GeoInfo
		wantOK bool
	}{
		{"198.51.100.7", berlin, true},
		{"198.51.100.0", berlin, true},
		{"198.51.100.255", berlin, true},
		{"::ffff:198.51.100.7", berlin, true},
		{"203.0.113.127", GeoInfo{CountryCode: "US", CountryName: "United States", City: "Ashburn", Lat: 39.0438, Lon: -77.4874, HasLocation: true,
			ASN: 64501, ASNOrg: "Example Cloud Inc", ISP: "Example Cloud Inc", Org: "Example Cloud Inc"}, true},
		// Country only: no city, no location.
		{"203.0.113.128", GeoInfo{CountryCode: "JP", CountryName: "Japan",
			ASN: 64501, ASNOrg: "Example Cloud Inc", ISP: "Example Cloud Inc", Org: "Example Cloud Inc"}, true},
		// In the ASN database only.
		{"192.0.2.1", GeoInfo{ASN: 64503, ASNOrg: "Example Hosting LLC", ISP: "Example Hosting LLC", Org: "Example Hosting LLC"}, true},
		{"2001:db8:1::5", paris, true},
		{"2001:db8:2::5", telecom, true},
		{"198.51.101.0", GeoInfo{}, false},
		{"8.8.8.8", GeoInfo{}, false},
		{"2001:db9::1", GeoInfo{}, false},
	}
	for _, tt := range tests {
		got, ok := g.Lookup(netip.MustParseAddr(tt.addr))
		if ok != tt.wantOK {
			t.Errorf("Lookup(%s) ok = %v, want %v", tt.addr, ok, tt.wantOK)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Lookup(%s) mismatch (-want +got):\n%s", tt.addr, diff)
		}
	}
	if got, ok := g.Lookup(netip.Addr{}); ok || got != (GeoInfo{}) {
		t.Errorf("Lookup(invalid) = %+v, %v, want nothing", got, ok)
	}
}

func TestGeoDBOneDatabase(t *testing.T) {
	cityPath, asnPath := writeGeoDBs(t)
	a := netip.MustParseAddr("198.51.100.7")
	tests := []struct {
		name              string
		cityPath, asnPath string
		want              GeoInfo
	}{
		{"city only", cityPath, "", GeoInfo{CountryCode: "DE", CountryName: "Germany", City: "Berlin", Lat: 52.52, Lon: 13.405, HasLocation: true}},
		{"ASN only", "", asnPath, GeoInfo{ASN: 64500, ASNOrg: "Example Transit GmbH", ISP: "Example Transit GmbH", Org: "Example Transit GmbH"}},
		{"none", "", "", GeoInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := openTestGeoDB(t, tt.cityPath, tt.asnPath)
			got, ok := g.Lookup(a)
			if diff := cmp.Diff(tt.want, got); diff != "" || ok != (tt.want != GeoInfo{}) {
				t.Errorf("Lookup(%s) = _, %v; mismatch (-want +got):\n%s", a, ok, diff)
			}
			if n, want := len(g.Databases()), btoi(tt.cityPath != "")+btoi(tt.asnPath != ""); n != want {
				t.Errorf("len(Databases()) = %d, want %d", n, want)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestGeoDBISP(t *testing.T) {
	path := filepath.Join(t.TempDir(), "isp.mmdb")
	err := mmdb.WriteISP(path, []mmdb.ISP{
		{Network: "198.51.100.0/24", Number: 64510, ASOrg: "Example Holding", ISP: "Example Broadband", Org: "Example Corp"},
		{Network: "203.0.113.0/24", Number: 64511, ASOrg: "Example Carrier"},
	})
	if err != nil {
		t.Fatal(err)
	}
	g := openTestGeoDB(t, "", path)
	tests := []struct {
		addr string
		want GeoInfo
	}{
		{"198.51.100.1", GeoInfo{ASN: 64510, ASNOrg: "Example Holding", ISP: "Example Broadband", Org: "Example Corp"}},
		{"203.0.113.1", GeoInfo{ASN: 64511, ASNOrg: "Example Carrier", ISP: "Example Carrier", Org: "Example Carrier"}},
	}
	for _, tt := range tests {
		got, _ := g.Lookup(netip.MustParseAddr(tt.addr))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Lookup(%s) mismatch (-want +got):\n%s", tt.addr, diff)
		}
	}
}

func TestOpenGeoDBErrors(t *testing.T) {
	cityPath, asnPath := writeGeoDBs(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.mmdb")
	text := filepath.Join(dir, "text.mmdb")
	if err := os.WriteFile(text, []byte("this is not a MaxMind database\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.mmdb")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name              string
		cityPath, asnPath string
		wantIn            []string // substrings of the error
		wantIs            error
	}{
		{"missing city", missing, asnPath, []string{missing, "city"}, fs.ErrNotExist},
		{"missing ASN", cityPath, missing, []string{missing, "ASN"}, fs.ErrNotExist},
		{"not an MMDB", text, "", []string{text, "invalid MaxMind DB"}, nil},
		{"empty", "", empty, []string{empty, "empty"}, nil},
		{"ASN as city", asnPath, "", []string{asnPath, `"GeoLite2-ASN"`}, nil},
		{"city as ASN", "", cityPath, []string{cityPath, `"GeoLite2-City"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := OpenGeoDB(tt.cityPath, tt.asnPath)
			if err == nil {
				g.Close()
				t.Fatalf("OpenGeoDB(%q, %q) succeeded, want an error", tt.cityPath, tt.asnPath)
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("OpenGeoDB error %q does not contain %q", err, s)
				}
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("OpenGeoDB error %v is not %v", err, tt.wantIs)
			}
		})
	}
}

func TestGeoDBDatabases(t *testing.T) {
	cityPath, asnPath := writeGeoDBs(t)
	g := openTestGeoDB(t, cityPath, asnPath)
	got := g.Databases()
	if len(got) != 2 {
		t.Fatalf("Databases() = %+v, want 2", got)
	}
	for i, want := range []struct{ typ, path string }{{"GeoLite2-City", cityPath}, {"GeoLite2-ASN", asnPath}} {
		d := got[i]
		if d.Type != want.typ || d.Path != want.path || d.IPVersion != 6 || d.NodeCount <= 0 || d.BuildTime.IsZero() {
			t.Errorf("Databases()[%d] = %+v, want type %s, path %s, IPv6, nodes and a build time", i, d, want.typ, want.path)
		}
	}
	var nilDB *GeoDB
	if nilDB.Databases() != nil || nilDB.Close() != nil {
		t.Error("nil GeoDB: Databases or Close not empty")
	}
}

func TestGeoDBEnrich(t *testing.T) {
	cityPath, asnPath := writeGeoDBs(t)
	g := openTestGeoDB(t, cityPath, asnPath)
	berlin := func(ip string) *finding.RemoteIPDetails {
		return &finding.RemoteIPDetails{
			IPAddressV4:  ip,
			City:         &finding.City{CityName: "Berlin"},
			Country:      &finding.Country{CountryCode: "DE", CountryName: "Germany"},
			GeoLocation:  &finding.GeoLocation{Lat: 52.52, Lon: 13.405},
			Organization: &finding.Organization{Asn: "64500", AsnOrg: "Example Transit GmbH", Isp: "Example Transit GmbH", Org: "Example Transit GmbH"},
		}
	}
	tests := []struct {
		name string
		in   *finding.RemoteIPDetails
		want *finding.RemoteIPDetails
	}{
		{"IPv4", &finding.RemoteIPDetails{IPAddressV4: "198.51.100.7"}, berlin("198.51.100.7")},
		{"IPv6", &finding.RemoteIPDetails{IPAddressV6: "2001:db8:1::5"}, &finding.RemoteIPDetails{
			IPAddressV6:  "2001:db8:1::5",
			City:         &finding.City{CityName: "Paris"},
			Country:      &finding.Country{CountryCode: "FR", CountryName: "France"},
			GeoLocation:  &finding.GeoLocation{Lat: 48.8566, Lon: 2.3522},
			Organization: &finding.Organization{Asn: "64502", AsnOrg: "Example Telecom SA", Isp: "Example Telecom SA", Org: "Example Telecom SA"},
		}},
		{"invalid IPv4, valid IPv6", &finding.RemoteIPDetails{IPAddressV4: "bogus", IPAddressV6: "2001:db8:2::1"}, &finding.RemoteIPDetails{
			IPAddressV4:  "bogus",
			IPAddressV6:  "2001:db8:2::1",
			Organization: &finding.Organization{Asn: "64502", AsnOrg: "Example Telecom SA", Isp: "Example Telecom SA", Org: "Example Telecom SA"},
		}},
		{"country only", &finding.RemoteIPDetails{IPAddressV4: "203.0.113.200"}, &finding.RemoteIPDetails{
			IPAddressV4:  "203.0.113.200",
			Country:      &finding.Country{CountryCode: "JP", CountryName: "Japan"},
			Organization: &finding.Organization{Asn: "64501", AsnOrg: "Example Cloud Inc", Isp: "Example Cloud Inc", Org: "Example Cloud Inc"},
		}},
		{"keeps what is set", &finding.RemoteIPDetails{
			IPAddressV4:  "198.51.100.7",
			City:         &finding.City{CityName: "Potsdam"},
			Country:      &finding.Country{CountryCode: "XX"},
			GeoLocation:  &finding.GeoLocation{Lat: 0, Lon: 0},
			Organization: &finding.Organization{Asn: "1", Isp: "Preset ISP"},
		}, &finding.RemoteIPDetails{
			IPAddressV4:  "198.51.100.7",
			City:         &finding.City{CityName: "Potsdam"},
			Country:      &finding.Country{CountryCode: "XX", CountryName: "Germany"},
			GeoLocation:  &finding.GeoLocation{Lat: 0, Lon: 0},
			Organization: &finding.Organization{Asn: "1", AsnOrg: "Example Transit GmbH", Isp: "Preset ISP", Org: "Example Transit GmbH"},
		}},
		{"fills empty structs", &finding.RemoteIPDetails{
			IPAddressV4:  "198.51.100.7",
			City:         &finding.City{},
			Country:      &finding.Country{},
			Organization: &finding.Organization{},
		}, berlin("198.51.100.7")},
		{"unknown", &finding.RemoteIPDetails{IPAddressV4: "8.8.8.8"}, &finding.RemoteIPDetails{IPAddressV4: "8.8.8.8"}},
		{"no address", &finding.RemoteIPDetails{}, &finding.RemoteIPDetails{}},
		{"not an address", &finding.RemoteIPDetails{IPAddressV4: "example.com"}, &finding.RemoteIPDetails{IPAddressV4: "example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g.Enrich(tt.in)
			if diff := cmp.Diff(tt.want, tt.in); diff != "" {
				t.Errorf("Enrich mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGeoDBNil(t *testing.T) {
	var g *GeoDB
	if info, ok := g.Lookup(netip.MustParseAddr("198.51.100.7")); ok || info != (GeoInfo{}) {
		t.Errorf("nil GeoDB Lookup = %+v, %v, want nothing", info, ok)
	}
	d := &finding.RemoteIPDetails{IPAddressV4: "198.51.100.7"}
	g.Enrich(d)
	if diff := cmp.Diff(&finding.RemoteIPDetails{IPAddressV4: "198.51.100.7"}, d); diff != "" {
		t.Errorf("nil GeoDB Enrich changed details:\n%s", diff)
	}
	cityPath, asnPath := writeGeoDBs(t)
	openTestGeoDB(t, cityPath, asnPath).Enrich(nil) // must not panic
}

func TestGeoDBConcurrent(t *testing.T) {
	cityPath, asnPath := writeGeoDBs(t)
	g := openTestGeoDB(t, cityPath, asnPath)
	addrs := []netip.Addr{
		netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("203.0.113.1"),
		netip.MustParseAddr("2001:db8:1::1"), netip.MustParseAddr("8.8.8.8"),
	}
	want := make([]GeoInfo, len(addrs))
	for i, a := range addrs {
		want[i], _ = g.Lookup(a)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for n := range 1000 {
				i := n % len(addrs)
				if got, _ := g.Lookup(addrs[i]); got != want[i] {
					t.Errorf("concurrent Lookup(%s) = %+v, want %+v", addrs[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}
