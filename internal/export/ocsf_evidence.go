package export

import (
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/finding"
)

// ocsfEvidence is OCSF's evidences object; every one built here has at
// least one of the attributes the schema asks for.
type ocsfEvidence struct {
	Actor          *ocsfActor          `json:"actor,omitempty"`
	API            *ocsfAPI            `json:"api,omitempty"`
	ConnectionInfo *ocsfConnectionInfo `json:"connection_info,omitempty"`
	SrcEndpoint    *ocsfEndpoint       `json:"src_endpoint,omitempty"`
	DstEndpoint    *ocsfEndpoint       `json:"dst_endpoint,omitempty"`
	Query          *ocsfQuery          `json:"query,omitempty"`
	File           *ocsfFile           `json:"file,omitempty"`
}

type ocsfActor struct {
	User *ocsfUser `json:"user,omitempty"`
}

type ocsfUser struct {
	Name          string `json:"name,omitempty"`
	UID           string `json:"uid,omitempty"`
	Type          string `json:"type,omitempty"`
	TypeID        int    `json:"type_id"`
	CredentialUID string `json:"credential_uid,omitempty"`
}

type ocsfAPI struct {
	Operation string       `json:"operation"`
	Service   *ocsfService `json:"service,omitempty"`
}

type ocsfService struct {
	Name string `json:"name"`
}

type ocsfConnectionInfo struct {
	ProtocolName string `json:"protocol_name,omitempty"`
	DirectionID  int    `json:"direction_id"`
	Direction    string `json:"direction,omitempty"`
}

type ocsfEndpoint struct {
	IP               string        `json:"ip,omitempty"`
	Port             *int          `json:"port,omitempty"`
	Domain           string        `json:"domain,omitempty"`
	Location         *ocsfLocation `json:"location,omitempty"`
	AutonomousSystem *ocsfAS       `json:"autonomous_system,omitempty"`
}

type ocsfLocation struct {
	City        string    `json:"city,omitempty"`
	Country     string    `json:"country,omitempty"`
	Coordinates []float64 `json:"coordinates,omitempty"` // [lon, lat]
}

type ocsfAS struct {
	Number int    `json:"number,omitempty"`
	Name   string `json:"name,omitempty"`
}

type ocsfQuery struct {
	Hostname string `json:"hostname"`
}

type ocsfFile struct {
	Name   string            `json:"name"`
	Path   string            `json:"path,omitempty"`
	Type   string            `json:"type"`
	TypeID int               `json:"type_id"`
	Hashes []ocsfFingerprint `json:"hashes,omitempty"`
}

type ocsfFingerprint struct {
	Algorithm   string `json:"algorithm"`
	AlgorithmID int    `json:"algorithm_id"`
	Value       string `json:"value"`
}

// OCSF enumerations used here.
const (
	ocsfDirUnknown  = 0
	ocsfDirInbound  = 1
	ocsfDirOutbound = 2
	ocsfUserUser    = 1
	ocsfUserAdmin   = 2
	ocsfUserOther   = 99
	ocsfFileRegular = 1
	ocsfHashSHA256  = 3
)

// ocsfEvidences lists what the finding saw: the API call and its caller,
// the connection, each probe, the DNS query, the malicious files.
func ocsfEvidences(f *finding.Finding) []ocsfEvidence {
	var out []ocsfEvidence
	if a := f.Service.Action; a != nil {
		if c := a.AwsAPICallAction; c != nil {
			e := ocsfEvidence{SrcEndpoint: ocsfRemote(c.RemoteIPDetails, -1), Actor: ocsfActorOf(f.Resource.AccessKeyDetails)}
			if c.API != "" {
				e.API = &ocsfAPI{Operation: c.API}
				if c.ServiceName != "" {
					e.API.Service = &ocsfService{Name: c.ServiceName}
				}
			}
			out = appendEvidence(out, e)
		}
		if c := a.NetworkConnectionAction; c != nil {
			remote := ocsfRemote(c.RemoteIPDetails, portOf(c.RemotePortDetails))
			local := ocsfLocal(c.LocalIPDetails, portOf(c.LocalPortDetails))
			e := ocsfEvidence{ConnectionInfo: &ocsfConnectionInfo{ProtocolName: strings.ToLower(c.Protocol), DirectionID: ocsfDirUnknown, Direction: "Unknown"}}
			switch c.ConnectionDirection {
			case "OUTBOUND":
				e.ConnectionInfo.DirectionID, e.ConnectionInfo.Direction = ocsfDirOutbound, "Outbound"
				e.SrcEndpoint, e.DstEndpoint = local, remote
			case "INBOUND":
				e.ConnectionInfo.DirectionID, e.ConnectionInfo.Direction = ocsfDirInbound, "Inbound"
				e.SrcEndpoint, e.DstEndpoint = remote, local
			default:
				e.SrcEndpoint, e.DstEndpoint = remote, local
			}
			out = appendEvidence(out, e)
		}
		if p := a.PortProbeAction; p != nil {
			for _, d := range p.PortProbeDetails {
				out = appendEvidence(out, ocsfEvidence{
					ConnectionInfo: &ocsfConnectionInfo{DirectionID: ocsfDirInbound, Direction: "Inbound"},
					SrcEndpoint:    ocsfRemote(d.RemoteIPDetails, -1),
					DstEndpoint:    ocsfLocal(d.LocalIPDetails, portOf(d.LocalPortDetails)),
				})
			}
		}
		if d := a.DNSRequestAction; d != nil && d.Domain != "" {
			out = appendEvidence(out, ocsfEvidence{Query: &ocsfQuery{Hostname: d.Domain},
				ConnectionInfo: &ocsfConnectionInfo{ProtocolName: strings.ToLower(d.Protocol), DirectionID: ocsfDirOutbound, Direction: "Outbound"}})
		}
	}
	if m := f.Service.MalwareScanDetails; m != nil {
		for _, t := range m.Threats {
			for _, p := range t.ItemPaths {
				out = appendEvidence(out, ocsfEvidence{File: ocsfFileOf(p.NestedItemPath, firstNonEmpty(p.Hash, t.Hash))})
			}
		}
	}
	if e := f.Service.EbsVolumeScanDetails; e != nil && e.ScanDetections != nil && e.ScanDetections.ThreatDetectedByName != nil {
		for _, t := range e.ScanDetections.ThreatDetectedByName.ThreatNames {
			for _, p := range t.FilePaths {
				out = appendEvidence(out, ocsfEvidence{File: ocsfFileOf(firstNonEmpty(p.FilePath, p.FileName), p.Hash)})
			}
		}
	}
	return out
}

// appendEvidence adds e unless it is empty or the list is full.
func appendEvidence(list []ocsfEvidence, e ocsfEvidence) []ocsfEvidence {
	if len(list) == ocsfMaxEvidences || (e.Actor == nil && e.API == nil && e.ConnectionInfo == nil &&
		e.SrcEndpoint == nil && e.DstEndpoint == nil && e.Query == nil && e.File == nil) {
		return list
	}
	return append(list, e)
}

func ocsfActorOf(k *finding.AccessKeyDetails) *ocsfActor {
	if k == nil || (k.UserName == "" && k.PrincipalID == "") {
		return nil
	}
	u := &ocsfUser{Name: k.UserName, UID: k.PrincipalID, Type: k.UserType, TypeID: ocsfUserOther, CredentialUID: k.AccessKeyID}
	switch k.UserType {
	case "Root":
		u.TypeID = ocsfUserAdmin
	case "IAMUser":
		u.TypeID = ocsfUserUser
	case "":
		u.TypeID = 0
	}
	return &ocsfActor{User: u}
}

// ocsfRemote converts remoteIpDetails to an endpoint; nil without an address.
func ocsfRemote(r *finding.RemoteIPDetails, port int) *ocsfEndpoint {
	ip := remoteAddr(r)
	if ip == "" {
		return nil
	}
	e := &ocsfEndpoint{IP: ip, Port: portPtr(port)}
	loc := &ocsfLocation{}
	if r.City != nil {
		loc.City = r.City.CityName
	}
	if r.Country != nil {
		loc.Country = r.Country.CountryCode
	}
	if loc.City != "" || loc.Country != "" {
		if g := r.GeoLocation; g != nil {
			loc.Coordinates = []float64{finite(g.Lon), finite(g.Lat)}
		}
		e.Location = loc
	}
	if o := r.Organization; o != nil {
		n, _ := strconv.Atoi(strings.TrimPrefix(strings.ToUpper(o.Asn), "AS"))
		if as := (ocsfAS{Number: max(n, 0), Name: firstNonEmpty(o.AsnOrg, o.Org, o.Isp)}); as != (ocsfAS{}) {
			e.AutonomousSystem = &as
		}
	}
	return e
}

func ocsfLocal(l *finding.LocalIPDetails, port int) *ocsfEndpoint {
	var ip string
	if l != nil {
		ip = firstNonEmpty(l.IPAddressV4, l.IPAddressV6)
	}
	if ip == "" && port < 0 {
		return nil
	}
	return &ocsfEndpoint{IP: ip, Port: portPtr(port)}
}

// portOf returns the port, -1 when there is none.
func portOf(p *finding.PortDetails) int {
	if p == nil {
		return -1
	}
	return p.Port
}

func portPtr(p int) *int {
	if p < 0 || p > 65535 {
		return nil
	}
	return &p
}

// ocsfFileOf describes a file found by a malware scan: its name is the
// last element of the path (after '/', '\' or an archive's '!').
func ocsfFileOf(path, hash string) *ocsfFile {
	if path == "" {
		return nil
	}
	name := path[strings.LastIndexAny(path, `/\!`)+1:]
	if name == "" {
		name = path
	}
	f := &ocsfFile{Name: name, Path: path, Type: "Regular File", TypeID: ocsfFileRegular}
	if isSHA256(hash) {
		f.Hashes = []ocsfFingerprint{{Algorithm: "SHA-256", AlgorithmID: ocsfHashSHA256, Value: strings.ToLower(hash)}}
	}
	return f
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
