package route53

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	json "github.com/goccy/go-json"

	"github.com/vigil-sec/vigil/internal/event"
)

// record is a Route 53 Resolver query log record (version 1.1x). Unknown
// keys, such as firewall_protection, are ignored.
type record struct {
	Version   string            `json:"version"`
	AccountID string            `json:"account_id"`
	Region    string            `json:"region"`
	VpcID     string            `json:"vpc_id"`
	Timestamp string            `json:"query_timestamp"`
	Name      string            `json:"query_name"`
	Type      string            `json:"query_type"`
	Class     string            `json:"query_class"`
	Rcode     string            `json:"rcode"`
	Answers   []event.DNSAnswer `json:"answers"` // keys Rdata, Type, Class
	SrcAddr   string            `json:"srcaddr"`
	SrcPort   json.RawMessage   `json:"srcport"` // a string or a number
	Transport string            `json:"transport"`
	SrcIDs    struct {
		Instance                 string `json:"instance"`
		ResolverEndpoint         string `json:"resolver_endpoint"`
		ResolverNetworkInterface string `json:"resolver_network_interface"`
	} `json:"srcids"`
	FirewallRuleGroupID  string `json:"firewall_rule_group_id"`
	FirewallRuleAction   string `json:"firewall_rule_action"`
	FirewallDomainListID string `json:"firewall_domain_list_id"`
}

// parsePort reads srcport, which the logs write as a string ("56067") and
// some exports as a number. Empty, "-" and null are 0.
func parsePort(b []byte) (int, error) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	if len(b) == 0 || string(b) == "-" || string(b) == "null" {
		return 0, nil
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' || n > 65535 {
			return 0, fmt.Errorf("srcport %.20q: not a port number", b)
		}
		n = n*10 + int(c-'0')
	}
	if n > 65535 {
		return 0, fmt.Errorf("srcport %.20q: not a port number", b)
	}
	return n, nil
}

// hint is what the path of a file says about its records, used when a
// record lacks it.
type hint struct {
	account, region, vpc string
	// time is the ingestion time of a CloudWatch Logs event, used only when
	// the record has no query_timestamp.
	time time.Time
}

var (
	// delivery matches the S3 delivery layout of query logs, account and
	// organization destinations: AWSLogs/[o-xxxx/]<account>/vpcdnsquerylogs/<vpc>/.
	delivery = regexp.MustCompile(`AWSLogs/(?:o-[a-z0-9]+/)?(\d{12})/vpcdnsquerylogs/(vpc-[0-9a-zA-Z]+)/`)
	// regionDir matches a path element that names a region, such as a
	// folder a user sorted logs into.
	regionDir = regexp.MustCompile(`(?:^|/)((?:af|ap|ca|cn|eu|il|me|mx|sa|us)(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2})(?:/|$)`)
)

func hintFrom(file string) hint {
	var h hint
	if m := delivery.FindStringSubmatch(file); m != nil {
		h.account, h.vpc = m[1], m[2]
	}
	if m := regionDir.FindStringSubmatch(file); m != nil {
		h.region = m[1]
	}
	return h
}

// errNoName reports a record without a query_name: not a query log record.
var errNoName = errors.New("no query_name: not a Route 53 Resolver query log record")

// rec allocates an event, its query and room for its first answers
// together.
type rec struct {
	ev      event.Event
	q       event.DNSQuery
	answers [4]event.DNSAnswer
}

// decoder decodes records, reusing its scratch space from one to the next.
type decoder struct {
	// r is decoded into in place: the decoder would copy a record on the
	// stack in and out.
	r    record
	port [16]byte // srcport as written
}

// decode turns one JSON record into an event. raw must belong to the
// event: it becomes its Raw, and the decoded strings refer to it (one
// allocation instead of one per field).
func (d *decoder) decode(raw []byte, h *hint) (*event.Event, error) {
	both := &rec{}
	r := &d.r
	*r = record{Answers: both.answers[:0], SrcPort: d.port[:0]}
	if err := json.UnmarshalWithOption(raw, r, json.DecodeNoCopyString()); err != nil {
		return nil, fmt.Errorf("decode record: %w", shorten(err))
	}
	if r.Name == "" {
		return nil, errNoName
	}
	t, err := r.time(h)
	if err != nil {
		return nil, err
	}
	var src netip.Addr
	if r.SrcAddr != "" {
		if src, err = netip.ParseAddr(r.SrcAddr); err != nil {
			return nil, fmt.Errorf("srcaddr %.64q: not an IP address", r.SrcAddr)
		}
		src = src.Unmap()
	}
	port, err := parsePort(r.SrcPort)
	if err != nil {
		return nil, err
	}
	if len(r.Answers) == 0 {
		r.Answers = nil
	}
	q := &both.q
	*q = event.DNSQuery{
		Version:                  r.Version,
		AccountID:                firstNonEmpty(r.AccountID, h.account),
		Region:                   firstNonEmpty(r.Region, h.region),
		VpcID:                    firstNonEmpty(r.VpcID, h.vpc),
		Name:                     queryName(r.Name),
		Type:                     r.Type,
		Class:                    r.Class,
		Rcode:                    r.Rcode,
		Answers:                  r.Answers,
		SrcAddr:                  src,
		SrcPort:                  port,
		Transport:                r.Transport,
		InstanceID:               r.SrcIDs.Instance,
		ResolverEndpoint:         r.SrcIDs.ResolverEndpoint,
		ResolverNetworkInterface: r.SrcIDs.ResolverNetworkInterface,
		FirewallRuleGroupID:      r.FirewallRuleGroupID,
		FirewallRuleAction:       r.FirewallRuleAction,
		FirewallDomainListID:     r.FirewallDomainListID,
	}
	both.ev = event.Event{
		Kind:     event.KindDNS,
		Time:     t,
		Account:  q.AccountID,
		Region:   q.Region,
		Source:   FormatName,
		SourceIP: src,
		DNS:      q,
		Raw:      raw,
	}
	return &both.ev, nil
}

// time returns query_timestamp, or the CloudWatch Logs time of the record
// when it has none.
func (r *record) time(h *hint) (time.Time, error) {
	if r.Timestamp == "" {
		if h.time.IsZero() {
			return time.Time{}, errors.New("no query_timestamp")
		}
		return h.time, nil
	}
	t, err := time.Parse(time.RFC3339, r.Timestamp)
	if err != nil {
		return time.Time{}, fmt.Errorf("query_timestamp %.40q: not an RFC 3339 time", r.Timestamp)
	}
	return t.UTC(), nil
}

// queryName lower-cases a logged name and drops its trailing dot. A name
// in lower case already, as most are, is not copied.
func queryName(s string) string {
	return strings.ToLower(strings.TrimSuffix(s, "."))
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// shorten keeps an error message from quoting a long stretch of input.
func shorten(err error) error {
	if msg := err.Error(); len(msg) > 200 {
		return errors.New(msg[:200] + "...")
	}
	return err
}

// parseStamp parses the ISO 8601 time that starts a line of a CloudWatch
// Logs export.
func parseStamp(b []byte) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, string(b))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// msTime converts a CloudWatch Logs timestamp (Unix milliseconds).
func msTime(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// isStamp reports whether b starts like an ISO 8601 date: "2024-".
func isStamp(b []byte) bool {
	if len(b) < 5 || b[4] != '-' {
		return false
	}
	for _, c := range b[:4] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
