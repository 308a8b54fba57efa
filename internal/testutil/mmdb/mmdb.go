// Package mmdb writes small MaxMind-format databases (GeoLite2-City,
// GeoLite2-ASN, GeoIP2-ISP) with the field names MaxMind and DB-IP use, so
// that tests, including end-to-end tests of cmd/vigil, can enrich addresses
// without shipping real GeoIP data. It is imported by tests only and must
// never be imported by production code.
package mmdb

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// City is one network of a city database. Empty strings are left out of
// the record; the location is left out when Lat and Lon are both 0.
type City struct {
	Network     string // CIDR, IPv4 or IPv6
	CountryCode string // ISO 3166-1 alpha-2, e.g. "DE"
	CountryName string // English name, e.g. "Germany"
	City        string // English name, e.g. "Berlin"
	Lat, Lon    float64
}

// ASN is one network of an ASN database.
type ASN struct {
	Network string // CIDR, IPv4 or IPv6
	Number  uint32
	Org     string
}

// ISP is one network of an ISP database, which adds the ISP and the
// organization to the autonomous system.
type ISP struct {
	Network string // CIDR, IPv4 or IPv6
	Number  uint32
	ASOrg   string
	ISP     string
	Org     string
}

// WriteCity writes a GeoLite2-City database holding recs to path.
func WriteCity(path string, recs []City) error {
	return write(path, "GeoLite2-City", len(recs), func(i int) (string, mmdbtype.Map) {
		return recs[i].Network, recs[i].record()
	})
}

// WriteASN writes a GeoLite2-ASN database holding recs to path.
func WriteASN(path string, recs []ASN) error {
	return write(path, "GeoLite2-ASN", len(recs), func(i int) (string, mmdbtype.Map) {
		r := recs[i]
		m := mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(r.Number)}
		putString(m, "autonomous_system_organization", r.Org)
		return r.Network, m
	})
}

// WriteISP writes a GeoIP2-ISP database holding recs to path.
func WriteISP(path string, recs []ISP) error {
	return write(path, "GeoIP2-ISP", len(recs), func(i int) (string, mmdbtype.Map) {
		r := recs[i]
		m := mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(r.Number)}
		putString(m, "autonomous_system_organization", r.ASOrg)
		putString(m, "isp", r.ISP)
		putString(m, "organization", r.Org)
		return r.Network, m
	})
}

func (c City) record() mmdbtype.Map {
	m := mmdbtype.Map{}
	if c.City != "" {
		m["city"] = mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(c.City)}}
	}
	if c.CountryCode != "" || c.CountryName != "" {
		country := mmdbtype.Map{}
		putString(country, "iso_code", c.CountryCode)
		if c.CountryName != "" {
			country["names"] = mmdbtype.Map{"en": mmdbtype.String(c.CountryName)}
		}
		m["country"] = country
	}
	if c.Lat != 0 || c.Lon != 0 {
		m["location"] = mmdbtype.Map{
			"latitude":  mmdbtype.Float64(c.Lat),
			"longitude": mmdbtype.Float64(c.Lon),
		}
	}
	return m
}

func putString(m mmdbtype.Map, key, v string) {
	if v != "" {
		m[mmdbtype.String(key)] = mmdbtype.String(v)
	}
}

// write builds an IPv6 tree, in which IPv4 networks are reachable both as
// plain IPv4 and as IPv4-mapped addresses, with record size 28, and writes
// it to path. Reserved networks (documentation ranges, private ranges) are
// allowed so tests can use them.
func write(path, dbType string, n int, rec func(int) (string, mmdbtype.Map)) error {
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            dbType,
		Description:             map[string]string{"en": "vigil test " + dbType},
		Languages:               []string{"en"},
		IPVersion:               6,
		RecordSize:              28,
		IncludeReservedNetworks: true,
	})
	if err != nil {
		return err
	}
	for i := range n {
		cidr, m := rec(i)
		network, err := ipNet(cidr)
		if err != nil {
			return fmt.Errorf("%s: record %d: %w", path, i, err)
		}
		if err := tree.Insert(network, m); err != nil {
			return fmt.Errorf("%s: record %d (%s): %w", path, i, cidr, err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if _, err := tree.WriteTo(w); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// ipNet parses a CIDR into the form mmdbwriter wants: a 4-byte address for
// IPv4, so that it lands in the IPv4 subtree.
func ipNet(cidr string) (*net.IPNet, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, err
	}
	p = p.Masked()
	a := p.Addr()
	if a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		a = p.Addr()
	}
	return &net.IPNet{IP: net.IP(a.AsSlice()), Mask: net.CIDRMask(p.Bits(), a.BitLen())}, nil
}
