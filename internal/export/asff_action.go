package export

import (
	"net/netip"
	"strconv"

	"github.com/vigil-sec/vigil/internal/finding"
)

type asffNetwork struct {
	Direction         string `json:"Direction,omitempty"`
	Protocol          string `json:"Protocol,omitempty"`
	SourceIPV4        string `json:"SourceIpV4,omitempty"`
	SourceIPV6        string `json:"SourceIpV6,omitempty"`
	SourcePort        *int32 `json:"SourcePort,omitempty"`
	SourceDomain      string `json:"SourceDomain,omitempty"`
	DestinationIPV4   string `json:"DestinationIpV4,omitempty"`
	DestinationIPV6   string `json:"DestinationIpV6,omitempty"`
	DestinationPort   *int32 `json:"DestinationPort,omitempty"`
	DestinationDomain string `json:"DestinationDomain,omitempty"`
}

type asffAction struct {
	ActionType              string          `json:"ActionType,omitempty"`
	AwsAPICallAction        *asffAPICall    `json:"AwsApiCallAction,omitempty"`
	NetworkConnectionAction *asffConnection `json:"NetworkConnectionAction,omitempty"`
	PortProbeAction         *asffPortProbe  `json:"PortProbeAction,omitempty"`
	DNSRequestAction        *asffDNSRequest `json:"DnsRequestAction,omitempty"`
}

type asffAPICall struct {
	API               string            `json:"Api,omitempty"`
	ServiceName       string            `json:"ServiceName,omitempty"`
	CallerType        string            `json:"CallerType,omitempty"`
	DomainDetails     *asffDomain       `json:"DomainDetails,omitempty"`
	RemoteIPDetails   *asffRemoteIP     `json:"RemoteIpDetails,omitempty"`
	AffectedResources map[string]string `json:"AffectedResources,omitempty"`
}

type asffDomain struct {
	Domain string `json:"Domain,omitempty"`
}

type asffRemoteIP struct {
	IPAddressV4  string       `json:"IpAddressV4,omitempty"`
	City         *asffCity    `json:"City,omitempty"`
	Country      *asffCountry `json:"Country,omitempty"`
	GeoLocation  *asffGeo     `json:"GeoLocation,omitempty"`
	Organization *asffIPOwner `json:"Organization,omitempty"`
}

type asffCity struct {
	CityName string `json:"CityName,omitempty"`
}

type asffCountry struct {
	CountryCode string `json:"CountryCode,omitempty"`
	CountryName string `json:"CountryName,omitempty"`
}

type asffGeo struct {
	Lat float64 `json:"Lat"`
	Lon float64 `json:"Lon"`
}

type asffIPOwner struct {
	Asn    *int32 `json:"Asn,omitempty"`
	AsnOrg string `json:"AsnOrg,omitempty"`
	Isp    string `json:"Isp,omitempty"`
	Org    string `json:"Org,omitempty"`
}

type asffPort struct {
	Port     *int32 `json:"Port,omitempty"`
	PortName string `json:"PortName,omitempty"`
}

type asffLocalIP struct {
	IPAddressV4 string `json:"IpAddressV4,omitempty"`
}

type asffConnection struct {
	Blocked             bool          `json:"Blocked"`
	ConnectionDirection string        `json:"ConnectionDirection,omitempty"`
	Protocol            string        `json:"Protocol,omitempty"`
	LocalPortDetails    *asffPort     `json:"LocalPortDetails,omitempty"`
	RemotePortDetails   *asffPort     `json:"RemotePortDetails,omitempty"`
	RemoteIPDetails     *asffRemoteIP `json:"RemoteIpDetails,omitempty"`
}

type asffPortProbe struct {
	Blocked          bool             `json:"Blocked"`
	PortProbeDetails []asffProbeEntry `json:"PortProbeDetails,omitempty"`
}

type asffProbeEntry struct {
	LocalPortDetails *asffPort     `json:"LocalPortDetails,omitempty"`
	LocalIPDetails   *asffLocalIP  `json:"LocalIpDetails,omitempty"`
	RemoteIPDetails  *asffRemoteIP `json:"RemoteIpDetails,omitempty"`
}

type asffDNSRequest struct {
	Blocked  bool   `json:"Blocked"`
	Domain   string `json:"Domain,omitempty"`
	Protocol string `json:"Protocol,omitempty"`
}

// asffActionOf converts GuardDuty's action.
func asffActionOf(a *finding.Action) *asffAction {
	if a == nil {
		return nil
	}
	out := &asffAction{ActionType: a.ActionType}
	if c := a.AwsAPICallAction; c != nil {
		api := &asffAPICall{API: c.API, ServiceName: c.ServiceName, CallerType: c.CallerType,
			RemoteIPDetails: asffRemote(c.RemoteIPDetails), AffectedResources: c.AffectedResources}
		if c.DomainDetails != nil && c.DomainDetails.Domain != "" {
			api.DomainDetails = &asffDomain{c.DomainDetails.Domain}
		}
		out.AwsAPICallAction = api
	}
	if c := a.NetworkConnectionAction; c != nil {
		out.NetworkConnectionAction = &asffConnection{Blocked: c.Blocked, ConnectionDirection: c.ConnectionDirection,
			Protocol: c.Protocol, LocalPortDetails: asffPortOf(c.LocalPortDetails),
			RemotePortDetails: asffPortOf(c.RemotePortDetails), RemoteIPDetails: asffRemote(c.RemoteIPDetails)}
	}
	if p := a.PortProbeAction; p != nil {
		pp := &asffPortProbe{Blocked: p.Blocked}
		for _, d := range p.PortProbeDetails {
			e := asffProbeEntry{LocalPortDetails: asffPortOf(d.LocalPortDetails), RemoteIPDetails: asffRemote(d.RemoteIPDetails)}
			if d.LocalIPDetails != nil && d.LocalIPDetails.IPAddressV4 != "" {
				e.LocalIPDetails = &asffLocalIP{d.LocalIPDetails.IPAddressV4}
			}
			pp.PortProbeDetails = append(pp.PortProbeDetails, e)
		}
		out.PortProbeAction = pp
	}
	if d := a.DNSRequestAction; d != nil {
		out.DNSRequestAction = &asffDNSRequest{Blocked: d.Blocked, Domain: d.Domain, Protocol: d.Protocol}
	}
	return out
}

func asffRemote(r *finding.RemoteIPDetails) *asffRemoteIP {
	if r == nil {
		return nil
	}
	out := &asffRemoteIP{IPAddressV4: r.IPAddressV4}
	if r.City != nil && r.City.CityName != "" {
		out.City = &asffCity{r.City.CityName}
	}
	if c := r.Country; c != nil && (c.CountryCode != "" || c.CountryName != "") {
		out.Country = &asffCountry{CountryCode: c.CountryCode, CountryName: c.CountryName}
	}
	if g := r.GeoLocation; g != nil {
		out.GeoLocation = &asffGeo{Lat: finite(g.Lat), Lon: finite(g.Lon)}
	}
	if o := r.Organization; o != nil && (o.Asn != "" || o.AsnOrg != "" || o.Isp != "" || o.Org != "") {
		out.Organization = &asffIPOwner{Asn: asn32(o.Asn), AsnOrg: o.AsnOrg, Isp: o.Isp, Org: o.Org}
	}
	return out
}

// asn32 parses GuardDuty's ASN text as ASFF's integer; nil when it is not one.
func asn32(s string) *int32 {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 {
		return nil
	}
	v := int32(n)
	return &v
}

func asffPortOf(p *finding.PortDetails) *asffPort {
	if p == nil {
		return nil
	}
	return &asffPort{Port: port32(p.Port), PortName: p.PortName}
}

// port32 returns a port as an int32 pointer, nil when out of range.
func port32(p int) *int32 {
	if p < 0 || p > 65535 {
		return nil
	}
	v := int32(p)
	return &v
}

// asffNetworkOf fills ASFF's Network from the action: who connected to
// whom, on which port and protocol.
func asffNetworkOf(a *finding.Action) *asffNetwork {
	if a == nil {
		return nil
	}
	n := &asffNetwork{}
	switch {
	case a.NetworkConnectionAction != nil:
		c := a.NetworkConnectionAction
		n.Protocol = c.Protocol
		var local string
		if c.LocalIPDetails != nil {
			local = firstNonEmpty(c.LocalIPDetails.IPAddressV4, c.LocalIPDetails.IPAddressV6)
		}
		remote := remoteAddr(c.RemoteIPDetails)
		var lport, rport int = -1, -1
		if c.LocalPortDetails != nil {
			lport = c.LocalPortDetails.Port
		}
		if c.RemotePortDetails != nil {
			rport = c.RemotePortDetails.Port
		}
		if c.ConnectionDirection == "OUTBOUND" {
			n.Direction = "OUT"
			n.setSource(local, lport)
			n.setDestination(remote, rport)
		} else {
			if c.ConnectionDirection == "INBOUND" {
				n.Direction = "IN"
			}
			n.setSource(remote, rport)
			n.setDestination(local, lport)
		}
	case a.PortProbeAction != nil && len(a.PortProbeAction.PortProbeDetails) > 0:
		d := a.PortProbeAction.PortProbeDetails[0]
		n.Direction = "IN"
		n.setSource(remoteAddr(d.RemoteIPDetails), -1)
		var local string
		if d.LocalIPDetails != nil {
			local = firstNonEmpty(d.LocalIPDetails.IPAddressV4, d.LocalIPDetails.IPAddressV6)
		}
		lport := -1
		if d.LocalPortDetails != nil {
			lport = d.LocalPortDetails.Port
		}
		n.setDestination(local, lport)
	case a.DNSRequestAction != nil:
		n.Direction = "OUT"
		n.Protocol = a.DNSRequestAction.Protocol
		n.DestinationDomain = a.DNSRequestAction.Domain
	case a.AwsAPICallAction != nil:
		n.Direction = "IN"
		n.setSource(remoteAddr(a.AwsAPICallAction.RemoteIPDetails), -1)
		if d := a.AwsAPICallAction.DomainDetails; d != nil {
			n.SourceDomain = d.Domain
		}
	}
	if *n == (asffNetwork{Direction: n.Direction}) {
		return nil // nothing but a direction
	}
	return n
}

func remoteAddr(r *finding.RemoteIPDetails) string {
	if r == nil {
		return ""
	}
	return firstNonEmpty(r.IPAddressV4, r.IPAddressV6)
}

func (n *asffNetwork) setSource(ip string, port int) {
	n.SourceIPV4, n.SourceIPV6 = splitIP(ip)
	if port >= 0 {
		n.SourcePort = port32(port)
	}
}

func (n *asffNetwork) setDestination(ip string, port int) {
	n.DestinationIPV4, n.DestinationIPV6 = splitIP(ip)
	if port >= 0 {
		n.DestinationPort = port32(port)
	}
}

// splitIP returns ip as an IPv4 or an IPv6 address; both empty when it is
// neither.
func splitIP(ip string) (v4, v6 string) {
	a, err := netip.ParseAddr(ip)
	switch {
	case err != nil:
		return "", ""
	case a.Is4() || a.Is4In6():
		return a.Unmap().String(), ""
	}
	return "", a.String()
}
