package event

import (
	"net/netip"
	"time"
)

// Flow is one flow-log record: a VPC flow log record (default version 2
// or a custom format of versions 3 to 8), a Transit Gateway flow log
// record, or the flow of a Lambda function's network interface. Fields a
// format does not carry, or that the log gives as "-", are zero.
type Flow struct {
	Version     int
	AccountID   string
	InterfaceID string // eni-...
	InstanceID  string // i-..., from the record (v3+) or the inventory
	VpcID       string
	SubnetID    string
	SrcAddr     netip.Addr
	DstAddr     netip.Addr
	SrcPort     int
	DstPort     int
	Protocol    int // IANA protocol number; -1 when unknown
	Packets     int64
	Bytes       int64
	Start       time.Time
	End         time.Time
	Action      string // ACCEPT or REJECT
	LogStatus   string // OK, NODATA or SKIPDATA
	TCPFlags    int    // OR of the TCP flags seen (v3+)
	Type        string // IPv4, IPv6 or EFA (v3+)
	PktSrcAddr  netip.Addr
	PktDstAddr  netip.Addr
	Region      string // v4+
	AZID        string // v4+
	// FlowDirection is "ingress" or "egress" relative to the interface
	// (v5+); empty when the record does not say.
	FlowDirection string
	TrafficPath   int // v5+
	PktSrcService string
	PktDstService string
	RejectReason  string // v8
	// Transit Gateway flow logs.
	ResourceType    string // "TransitGateway" for Transit Gateway records; "" for VPC records
	TGWID           string
	TGWAttachmentID string
	// FunctionName is set when the interface belongs to a Lambda function
	// (from the inventory).
	FunctionName string
}

// NoData reports whether the record carries no traffic (NODATA or
// SKIPDATA).
func (f *Flow) NoData() bool { return f.LogStatus == "NODATA" || f.LogStatus == "SKIPDATA" }

// DNSQuery is one Route 53 Resolver query log record.
type DNSQuery struct {
	Version   string
	AccountID string
	Region    string
	VpcID     string
	// Name is the queried name as logged, lower-cased, without the
	// trailing dot.
	Name      string
	Type      string // A, AAAA, TXT, ...
	Class     string
	Rcode     string // NOERROR, NXDOMAIN, SERVFAIL, ...
	Answers   []DNSAnswer
	SrcAddr   netip.Addr
	SrcPort   int
	Transport string // UDP or TCP
	// Source ids: the instance or the resolver endpoint that sent the query.
	InstanceID               string
	ResolverEndpoint         string
	ResolverNetworkInterface string
	// DNS Firewall, when a rule matched.
	FirewallRuleGroupID  string
	FirewallRuleAction   string // ALERT, BLOCK, ALLOW
	FirewallDomainListID string
}

// DNSAnswer is one answer of a query.
type DNSAnswer struct {
	Rdata string
	Type  string
	Class string
}
