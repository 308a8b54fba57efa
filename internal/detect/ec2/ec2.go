// Package ec2 holds the built-in detectors for network findings from VPC
// Flow Logs and Route 53 Resolver query logs: port probes and scans,
// brute force, denial of service, spam, threat-list traffic (C&C, mining,
// Tor, blackhole and drop points, custom lists), unusual ports and volume,
// and DNS findings (threat-list domains, DGA, DNS exfiltration, metadata
// DNS rebinding, domain reputation). Flows of a Lambda function's network
// interface make the Lambda variants of the threat-list findings.
//
// Each detector registers itself in init; import the package (or
// internal/detect/all) for its side effects. Detectors look at one event
// at a time with bounded per-key state (detect.LRU), never perform I/O and
// never mutate the event. Every threshold and window is a detect.Param.
package ec2

import (
	"net/netip"
	"strconv"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// Event kinds the detectors consume.
var (
	flows   = []event.Kind{event.KindFlow}
	queries = []event.Kind{event.KindDNS}
)

// Data sources, as "vigil detectors list" shows them.
const (
	flowSource   = "VPC flow logs"
	dnsSource    = "DNS logs"
	lambdaSource = "Lambda network activity (flow logs of Lambda ENIs)"
)

// Connection directions of networkConnectionAction.
const (
	Inbound  = "INBOUND"
	Outbound = "OUTBOUND"
	Unknown  = "UNKNOWN"
)

// Ends is a flow seen from the monitored interface: the local end (the
// ENI's address) and the remote end, and the direction of the first
// packet.
type Ends struct {
	Local, Remote         netip.Addr
	LocalPort, RemotePort int
	Direction             string // Inbound or Outbound
}

// EndsOf orients a flow record around its interface. flow-direction (v5+)
// decides when present; otherwise a private (RFC 1918/ULA) address facing
// a public one is the local end; between two private addresses the end
// with the lower, service-like port is the local one for inbound traffic.
// ok is false for NODATA/SKIPDATA records and records without addresses.
func EndsOf(f *event.Flow) (e Ends, ok bool) {
	if f == nil || f.NoData() || !f.SrcAddr.IsValid() || !f.DstAddr.IsValid() {
		return Ends{}, false
	}
	in := Ends{Local: f.DstAddr, Remote: f.SrcAddr, LocalPort: f.DstPort, RemotePort: f.SrcPort, Direction: Inbound}
	out := Ends{Local: f.SrcAddr, Remote: f.DstAddr, LocalPort: f.SrcPort, RemotePort: f.DstPort, Direction: Outbound}
	switch f.FlowDirection {
	case "ingress":
		return in, true
	case "egress":
		return out, true
	}
	srcPriv, dstPriv := private(f.SrcAddr), private(f.DstAddr)
	switch {
	case dstPriv && !srcPriv:
		return in, true
	case srcPriv && !dstPriv:
		return out, true
	case f.DstPort != 0 && (f.SrcPort == 0 || f.DstPort <= f.SrcPort):
		return in, true
	}
	return out, true
}

// private reports whether a is an address an ENI has inside a VPC
// (RFC 1918, shared 100.64/10, IPv6 ULA, link-local).
func private(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLoopback() || shared.Contains(a)
}

var shared = netip.MustParsePrefix("100.64.0.0/10")

// Owner is the resource behind a flow's or a query's interface.
type Owner struct {
	InstanceID   string
	FunctionName string
	ENI          string
	iface        detect.NetworkInterface
	known        bool
}

// OwnerOf returns the owner of a flow's interface: the record's
// instance-id, else the inventory's answer for the ENI.
func OwnerOf(ctx *detect.Context, f *event.Flow) Owner {
	o := Owner{InstanceID: f.InstanceID, FunctionName: f.FunctionName, ENI: f.InterfaceID}
	if ni, ok := ctx.Inventory.Interface(f.InterfaceID); ok {
		o.iface, o.known = ni, true
		if o.InstanceID == "" {
			o.InstanceID = ni.InstanceID
		}
		if o.FunctionName == "" {
			o.FunctionName = ni.FunctionName
		}
	}
	return o
}

// IsLambda reports whether the interface belongs to a Lambda function.
func (o Owner) IsLambda() bool { return o.FunctionName != "" }

// Name is the owner's id for titles: the instance id, the function name
// or the ENI.
func (o Owner) Name() string {
	switch {
	case o.InstanceID != "":
		return o.InstanceID
	case o.FunctionName != "":
		return o.FunctionName
	}
	return o.ENI
}

// Key is the owner's aggregation key part.
func (o Owner) Key() string { return o.Name() }

// Resource returns the finding resource: Instance (instanceDetails with
// the network interface) or Lambda (lambdaDetails).
func (o Owner) Resource(ev *event.Event, local netip.Addr) finding.Resource {
	if o.IsLambda() {
		d := &finding.LambdaDetails{FunctionName: o.FunctionName,
			FunctionArn: "arn:" + detect.Partition(ev.Region) + ":lambda:" + ev.Region + ":" + ev.Account + ":function:" + o.FunctionName}
		if o.known || (ev.Flow != nil && ev.Flow.VpcID != "") {
			d.VpcConfig = &finding.LambdaVpcConfig{VpcID: firstNonEmpty(o.iface.VpcID, flowField(ev, func(f *event.Flow) string { return f.VpcID }))}
			if s := firstNonEmpty(o.iface.SubnetID, flowField(ev, func(f *event.Flow) string { return f.SubnetID })); s != "" {
				d.VpcConfig.SubnetIDs = []string{s}
			}
		}
		d.Tags = tags(o.iface.Tags)
		return finding.Resource{ResourceType: finding.ResourceLambda, LambdaDetails: d}
	}
	ni := finding.NetworkInterface{
		NetworkInterfaceID: o.ENI,
		PublicIP:           o.iface.PublicIP,
		IPv6Addresses:      o.iface.IPv6,
		SubnetID:           firstNonEmpty(o.iface.SubnetID, flowField(ev, func(f *event.Flow) string { return f.SubnetID })),
		VpcID:              firstNonEmpty(o.iface.VpcID, flowField(ev, func(f *event.Flow) string { return f.VpcID })),
	}
	if local.IsValid() && local.Is4() {
		ni.PrivateIPAddress = local.String()
	} else if len(o.iface.PrivateIPs) > 0 {
		ni.PrivateIPAddress = o.iface.PrivateIPs[0]
	}
	d := &finding.InstanceDetails{
		InstanceID: o.InstanceID, InstanceType: o.iface.InstanceType, ImageID: o.iface.ImageID,
		AvailabilityZone: o.iface.AZ, Tags: tags(o.iface.Tags),
	}
	if ni.NetworkInterfaceID != "" || ni.PrivateIPAddress != "" {
		d.NetworkInterfaces = []finding.NetworkInterface{ni}
	}
	return finding.Resource{ResourceType: finding.ResourceInstance, InstanceDetails: d}
}

func flowField(ev *event.Event, get func(*event.Flow) string) string {
	if ev.Flow == nil {
		return ""
	}
	return get(ev.Flow)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func tags(m map[string]string) []finding.Tag {
	if len(m) == 0 {
		return nil
	}
	out := make([]finding.Tag, 0, len(m))
	for k, v := range m {
		out = append(out, finding.Tag{Key: k, Value: v})
	}
	sortTags(out)
	return out
}

func sortTags(ts []finding.Tag) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Key < ts[j-1].Key; j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// ConnectionAction returns a NETWORK_CONNECTION action for a flow.
func ConnectionAction(f *event.Flow, e Ends) *finding.Action {
	return &finding.Action{ActionType: finding.ActionNetworkConnection, NetworkConnectionAction: &finding.NetworkConnectionAction{
		Blocked:               f.Action == "REJECT",
		ConnectionDirection:   e.Direction,
		Protocol:              ProtocolName(f.Protocol),
		LocalPortDetails:      &finding.PortDetails{Port: e.LocalPort, PortName: PortName(e.LocalPort)},
		RemotePortDetails:     &finding.PortDetails{Port: e.RemotePort, PortName: PortName(e.RemotePort)},
		LocalIPDetails:        localIP(e.Local),
		LocalNetworkInterface: f.InterfaceID,
		RemoteIPDetails:       detect.RemoteIP(e.Remote.Unmap()),
	}}
}

// PortProbeDetail returns one probed port with the prober's address.
func PortProbeDetail(e Ends) finding.PortProbeDetail {
	return finding.PortProbeDetail{
		LocalPortDetails: &finding.PortDetails{Port: e.LocalPort, PortName: PortName(e.LocalPort)},
		LocalIPDetails:   localIP(e.Local),
		RemoteIPDetails:  detect.RemoteIP(e.Remote.Unmap()),
	}
}

// DNSAction returns a DNS_REQUEST action for a query.
func DNSAction(q *event.DNSQuery, domain string) *finding.Action {
	return &finding.Action{ActionType: finding.ActionDNSRequest, DNSRequestAction: &finding.DNSRequestAction{
		Domain:            domain,
		DomainWithSuffix:  q.Name,
		Protocol:          q.Transport,
		Blocked:           q.FirewallRuleAction == "BLOCK",
		VpcOwnerAccountID: q.AccountID,
	}}
}

func localIP(a netip.Addr) *finding.LocalIPDetails {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return nil
	case a.Is4():
		return &finding.LocalIPDetails{IPAddressV4: a.String()}
	}
	return &finding.LocalIPDetails{IPAddressV6: a.String()}
}

// ProtocolName names an IANA protocol number as GuardDuty does (TCP, UDP,
// ICMP...); other numbers are given as digits.
func ProtocolName(p int) string {
	switch p {
	case 6:
		return "TCP"
	case 17:
		return "UDP"
	case 1:
		return "ICMP"
	case 58:
		return "ICMPV6"
	case -1:
		return "Unknown"
	}
	return strconv.Itoa(p)
}

// PortName names well-known ports as GuardDuty's portName does.
func PortName(p int) string {
	if n, ok := portNames[p]; ok {
		return n
	}
	return "Unknown"
}

var portNames = map[int]string{
	20: "FTP-DATA", 21: "FTP", 22: "SSH", 23: "Telnet", 25: "SMTP", 53: "DNS", 80: "HTTP", 110: "POP3", 111: "RPC",
	123: "NTP", 135: "MS-RPC", 137: "NetBIOS", 139: "NetBIOS", 143: "IMAP", 161: "SNMP", 389: "LDAP", 443: "HTTPS",
	445: "SMB", 465: "SMTPS", 587: "SMTP", 636: "LDAPS", 993: "IMAPS", 995: "POP3S", 1433: "MSSQL", 1521: "Oracle",
	2049: "NFS", 2375: "Docker", 2376: "Docker", 3306: "MySQL", 3389: "RDP", 5432: "PostgreSQL", 5900: "VNC",
	5985: "WinRM", 5986: "WinRM", 6379: "Redis", 8080: "HTTP", 8443: "HTTPS", 8888: "HTTP", 9042: "Cassandra",
	9200: "Elasticsearch", 9300: "Elasticsearch", 11211: "Memcached", 27017: "MongoDB",
}
