package intel

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/vigil-sec/vigil/internal/finding"
)

// GeoDB answers where an address is and who owns it, from MaxMind-format
// MMDB files (GeoLite2/GeoIP2 City or Country, GeoLite2-ASN, GeoIP2-ISP, or
// DB-IP's lite City/Country/ASN databases, which use the same field names).
// Lookups are safe for concurrent use; Close is not, and must come after
// the last lookup.
type GeoDB struct {
	city, asn         *maxminddb.Reader
	cityPath, asnPath string
}

// GeoInfo is what the databases know of an address.
type GeoInfo struct {
	CountryCode string // ISO 3166-1 alpha-2; the registered country when the country is unknown
	CountryName string // English name
	City        string // English name
	Lat, Lon    float64
	HasLocation bool // Lat and Lon are known
	ASN         uint
	ASNOrg      string // the autonomous system's organization
	ISP         string // from an ISP database, else ASNOrg
	Org         string // from an ISP database, else ASNOrg
}

// DBInfo describes an open database.
type DBInfo struct {
	Type      string // the database type in its metadata, e.g. "GeoLite2-City"
	Path      string
	BuildTime time.Time
	IPVersion int // 4: IPv4 only; 6: IPv4 and IPv6
	NodeCount int
}

// OpenGeoDB opens a city (or country) database and an ASN (or ISP)
// database. Either path may be "" when it is not configured. A file that
// is missing or not an MMDB, or a database given in the wrong place (an
// ASN database as the city database), is an error naming the file.
func OpenGeoDB(cityPath, asnPath string) (*GeoDB, error) {
	g := &GeoDB{cityPath: cityPath, asnPath: asnPath}
	var err error
	if cityPath != "" {
		if g.city, err = openMMDB(cityPath, "city", []string{"City", "Country"}, []string{"ASN", "ISP"}); err != nil {
			return nil, err
		}
	}
	if asnPath != "" {
		if g.asn, err = openMMDB(asnPath, "ASN", []string{"ASN", "ISP"}, []string{"City", "Country"}); err != nil {
			g.Close()
			return nil, err
		}
	}
	return g, nil
}

// openMMDB opens path and rejects a database whose type names one of
// wrong and none of want; a type naming neither is accepted.
func openMMDB(path, role string, want, wrong []string) (*maxminddb.Reader, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open GeoIP %s database %s: %w", role, path, err)
	}
	t := r.Metadata.DatabaseType
	if containsAny(t, wrong) && !containsAny(t, want) {
		r.Close()
		return nil, fmt.Errorf("open GeoIP %s database %s: it is a %q database", role, path, t)
	}
	return r, nil
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// The records decoded from the databases: only the fields used, with
// localized names read in English only, so a lookup allocates little.
type (
	geoNames struct {
		EN string `maxminddb:"en"`
	}
	geoCountry struct {
		ISOCode string   `maxminddb:"iso_code"`
		Names   geoNames `maxminddb:"names"`
	}
	cityRecord struct {
		City struct {
			Names geoNames `maxminddb:"names"`
		} `maxminddb:"city"`
		Country           geoCountry `maxminddb:"country"`
		RegisteredCountry geoCountry `maxminddb:"registered_country"`
		Location          struct {
			Lat *float64 `maxminddb:"latitude"`
			Lon *float64 `maxminddb:"longitude"`
		} `maxminddb:"location"`
	}
	asnRecord struct {
		Number uint   `maxminddb:"autonomous_system_number"`
		ASOrg  string `maxminddb:"autonomous_system_organization"`
		ISP    string `maxminddb:"isp"`
		Org    string `maxminddb:"organization"`
	}
)

// Lookup returns what the databases know of a; false when they know
// nothing (including when a is invalid, an IPv6 address is looked up in an
// IPv4-only database, or a record cannot be decoded). IPv4-mapped IPv6
// addresses are looked up as IPv4. A nil GeoDB knows nothing.
func (g *GeoDB) Lookup(a netip.Addr) (GeoInfo, bool) {
	var info GeoInfo
	if g == nil || !a.IsValid() {
		return info, false
	}
	a = a.Unmap()
	if g.city != nil {
		var rec cityRecord
		if res := g.city.Lookup(a); res.Found() && res.Decode(&rec) == nil {
			rec.fill(&info)
		}
	}
	if g.asn != nil {
		var rec asnRecord
		if res := g.asn.Lookup(a); res.Found() && res.Decode(&rec) == nil {
			rec.fill(&info)
		}
	}
	return info, info != GeoInfo{}
}

func (rec *cityRecord) fill(info *GeoInfo) {
	c := rec.Country
	if c.ISOCode == "" && c.Names.EN == "" {
		c = rec.RegisteredCountry
	}
	info.CountryCode, info.CountryName = c.ISOCode, c.Names.EN
	info.City = rec.City.Names.EN
	if rec.Location.Lat != nil && rec.Location.Lon != nil {
		info.Lat, info.Lon, info.HasLocation = *rec.Location.Lat, *rec.Location.Lon, true
	}
}

func (rec *asnRecord) fill(info *GeoInfo) {
	info.ASN, info.ASNOrg, info.ISP, info.Org = rec.Number, rec.ASOrg, rec.ISP, rec.Org
	if info.ISP == "" {
		info.ISP = rec.ASOrg
	}
	if info.Org == "" {
		info.Org = rec.ASOrg
	}
}

// Enrich fills d's city, country, location and organization (ASN as a
// decimal string) from what is known of d.IPAddressV4, else of
// d.IPAddressV6. It never overwrites a field already set: a location that
// is already there is kept whole. g and d may be nil.
func (g *GeoDB) Enrich(d *finding.RemoteIPDetails) {
	if g == nil || d == nil || (g.city == nil && g.asn == nil) {
		return
	}
	info, ok := g.lookupString(d.IPAddressV4)
	if !ok {
		if info, ok = g.lookupString(d.IPAddressV6); !ok {
			return
		}
	}
	if info.City != "" {
		if d.City == nil {
			d.City = &finding.City{}
		}
		setIfEmpty(&d.City.CityName, info.City)
	}
	if info.CountryCode != "" || info.CountryName != "" {
		if d.Country == nil {
			d.Country = &finding.Country{}
		}
		setIfEmpty(&d.Country.CountryCode, info.CountryCode)
		setIfEmpty(&d.Country.CountryName, info.CountryName)
	}
	if info.HasLocation && d.GeoLocation == nil {
		d.GeoLocation = &finding.GeoLocation{Lat: info.Lat, Lon: info.Lon}
	}
	if info.ASN != 0 || info.ASNOrg != "" || info.ISP != "" || info.Org != "" {
		if d.Organization == nil {
			d.Organization = &finding.Organization{}
		}
		o := d.Organization
		if info.ASN != 0 {
			setIfEmpty(&o.Asn, strconv.FormatUint(uint64(info.ASN), 10))
		}
		setIfEmpty(&o.AsnOrg, info.ASNOrg)
		setIfEmpty(&o.Isp, info.ISP)
		setIfEmpty(&o.Org, info.Org)
	}
}

func (g *GeoDB) lookupString(s string) (GeoInfo, bool) {
	if s == "" {
		return GeoInfo{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return GeoInfo{}, false
	}
	return g.Lookup(a)
}

func setIfEmpty(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// Databases describes the open databases, the city database first.
func (g *GeoDB) Databases() []DBInfo {
	if g == nil {
		return nil
	}
	var out []DBInfo
	for _, db := range []struct {
		r    *maxminddb.Reader
		path string
	}{{g.city, g.cityPath}, {g.asn, g.asnPath}} {
		if db.r == nil {
			continue
		}
		m := db.r.Metadata
		out = append(out, DBInfo{
			Type:      m.DatabaseType,
			Path:      db.path,
			BuildTime: m.BuildTime().UTC(),
			IPVersion: int(m.IPVersion),
			NodeCount: int(m.NodeCount),
		})
	}
	return out
}

// Close releases the databases. It must not be called while lookups are
// running. A nil GeoDB closes without error.
func (g *GeoDB) Close() error {
	if g == nil {
		return nil
	}
	var errs []error
	if g.city != nil {
		errs = append(errs, g.city.Close())
		g.city = nil
	}
	if g.asn != nil {
		errs = append(errs, g.asn.Close())
		g.asn = nil
	}
	return errors.Join(errs...)
}
