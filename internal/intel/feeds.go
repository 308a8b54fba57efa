package intel

// Open threat feeds.
//
// Besides the formats GuardDuty accepts, Parse reads a few open feeds in
// the formats their publishers distribute them in, so that Vigil can fill
// the finding families GuardDuty fills from its own threat intelligence:
//
//   - TOR_EXIT_LIST: the Tor Project's bulk exit list (one address per
//     line) or its exit-addresses file (ExitAddress lines).
//   - SPAMHAUS_DROP: Spamhaus DROP, EDROP and DROPv6, as the classic text
//     ("192.0.2.0/24 ; SBL123") or as JSON lines.
//   - FEODO_TRACKER: the abuse.ch Feodo Tracker botnet C&C IP blocklist,
//     as text or CSV.
//   - HOSTS: hosts files such as the abuse.ch URLhaus and ThreatFox
//     "hostfile" downloads, and plain domain lists such as mining-pool lists.
//
// FeedKinds names each feed with its format and the family it feeds. These
// formats are not GuardDuty's (Format.GuardDuty is false): the API must not
// accept them for ThreatIntelSets or IPSets. As for every format, fetching
// and refreshing feeds belong to callers.

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// The open feed formats.
const (
	TorExitList  Format = "TOR_EXIT_LIST"
	SpamhausDROP Format = "SPAMHAUS_DROP"
	FeodoTracker Format = "FEODO_TRACKER"
	HostsFile    Format = "HOSTS"
)

// FeedFormats lists the open feed formats.
var FeedFormats = []Format{TorExitList, SpamhausDROP, FeodoTracker, HostsFile}

// FeedKind describes an open feed: its native format and the finding family it feeds.
type FeedKind struct {
	Name        string // lower case, e.g. "tor"
	Format      Format
	Family      Family
	Description string
}

// FeedKinds lists the open feeds Vigil knows.
var FeedKinds = []FeedKind{
	{"tor", TorExitList, FamilyTor, "Tor Project exit relays: the bulk exit list or the exit-addresses file"},
	{"spamhaus_drop", SpamhausDROP, FamilyMalicious, "Spamhaus DROP (Don't Route Or Peer) netblocks, IPv4 or IPv6, as text or JSON lines"},
	{"spamhaus_edrop", SpamhausDROP, FamilyMalicious, "Spamhaus EDROP (extended DROP) netblocks, as text or JSON lines"},
	{"feodo", FeodoTracker, FamilyC2, "abuse.ch Feodo Tracker botnet C&C servers: the IP blocklist as text or CSV"},
	{"urlhaus", HostsFile, FamilyMalicious, "abuse.ch URLhaus malware distribution hosts: the hostfile download"},
	{"threatfox", HostsFile, FamilyC2, "abuse.ch ThreatFox indicator hosts: the hostfile download"},
	{"mining_pools", HostsFile, FamilyBitcoin, "cryptocurrency mining pool domains, one per line (host:port allowed) or as a hosts file"},
}

// LookupFeedKind returns the feed kind named name (case-insensitive).
func LookupFeedKind(name string) (FeedKind, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, k := range FeedKinds {
		if k.Name == name {
			return k, true
		}
	}
	return FeedKind{}, false
}

// Threat names of feeds whose entries carry none.
const (
	torThreat   = "Tor exit node"
	feodoThreat = "Botnet C&C"
)

// eachLine calls fn with every line of r and its number, the first line
// without a byte order mark. It stops at the first error fn returns.
func eachLine(r io.Reader, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
	return sc.Err()
}

// addIP is add for feeds that list IP addresses only, or with cidr also
// CIDRs: a domain, or a CIDR without cidr, becomes a LineError.
func (b *builder) addIP(line int, value string, cidr bool, threat string) error {
	e, err := parseValue(value)
	switch {
	case err != nil:
	case e.IsDomain():
		err = fmt.Errorf("%w: %q is not an IP address", ErrInvalidValue, truncate(value))
	case !cidr && strings.IndexByte(value, '/') >= 0:
		err = fmt.Errorf("%w: %q is a CIDR, not an IP address", ErrInvalidValue, truncate(value))
	}
	if err != nil {
		b.lineErr(line, err)
		return nil
	}
	return b.addEntry(e, threat)
}

// parseTorExitList reads the bulk exit list (one address per line) or
// exit-addresses records, where each "ExitAddress <ip> <date> <time>" line
// gives an address and lines starting with another keyword (ExitNode,
// Published, LastStatus) are ignored.
func parseTorExitList(b *builder, r io.Reader) error {
	return eachLine(r, func(n int, line string) error {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0][0] == '#' {
			return nil
		}
		switch {
		case fields[0] == "ExitAddress":
			if len(fields) < 2 {
				b.lineErr(n, fmt.Errorf("%w: ExitAddress without an address", ErrInvalidValue))
				return nil
			}
			return b.addIP(n, fields[1], false, torThreat)
		case len(fields) > 1 && isKeyword(fields[0]):
			return nil
		case len(fields) > 1:
			b.lineErr(n, fmt.Errorf("%w: %q", ErrInvalidValue, truncate(strings.TrimSpace(line))))
			return nil
		}
		return b.addIP(n, fields[0], false, torThreat)
	})
}

// isKeyword reports whether s looks like an exit-addresses keyword: an
// upper-case letter followed by letters.
func isKeyword(s string) bool {
	if s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// parseSpamhausDROP reads DROP, EDROP and DROPv6 lists: either text, with
// ';' comments and "CIDR ; SBLid" lines, or JSON lines,
// {"cidr":...,"sblid":...,"rir":...}, ending with a metadata record. The
// SBL id becomes the threat name.
func parseSpamhausDROP(b *builder, r io.Reader) error {
	return eachLine(r, func(n int, line string) error {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == ';' || line[0] == '#':
			return nil
		case line[0] == '{':
			return addDROPRecord(b, n, line)
		}
		value, sbl, _ := strings.Cut(line, ";")
		return b.addIP(n, strings.TrimSpace(value), true, strings.TrimSpace(sbl))
	})
}

// dropRecord is one line of Spamhaus's JSON DROP lists.
type dropRecord struct {
	Type  string `json:"type"` // "metadata" for the trailing record
	CIDR  string `json:"cidr"`
	SBLID string `json:"sblid"`
}

func addDROPRecord(b *builder, n int, line string) error {
	var rec dropRecord
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		b.lineErr(n, fmt.Errorf("%w: bad JSON record: %v", ErrInvalidValue, err))
		return nil
	}
	if rec.Type == "metadata" {
		return nil
	}
	return b.addIP(n, rec.CIDR, true, rec.SBLID)
}

// feodoColumns says where a Feodo Tracker CSV row keeps its values.
type feodoColumns struct {
	ip      int
	malware int // -1: the last column, when there is one after ip
}

// parseFeodoTracker reads the Feodo Tracker IP blocklist. Each line is
// sniffed: a line with a comma is a CSV row ("first_seen_utc","dst_ip",
// "dst_port","c2_status","last_online","malware"), whose malware family
// becomes the threat name; any other line is one IP address. A header row,
// commented out or not, says where the dst_ip and malware columns are.
func parseFeodoTracker(b *builder, r io.Reader) error {
	cols := feodoColumns{ip: 1, malware: -1}
	return eachLine(r, func(n int, line string) error {
		line = strings.TrimSpace(line)
		if line == "" {
			return nil
		}
		comment := line[0] == '#'
		if comment {
			line = strings.TrimSpace(line[1:])
		}
		if !strings.Contains(line, ",") {
			if comment {
				return nil
			}
			return b.addIP(n, line, false, feodoThreat)
		}
		rec, err := csvLine(line)
		if c, ok := feodoHeader(rec); ok {
			cols = c
			return nil
		}
		switch {
		case comment:
			return nil
		case err != nil:
			b.lineErr(n, err)
			return nil
		}
		return addFeodoRow(b, n, cols, rec)
	})
}

func addFeodoRow(b *builder, n int, cols feodoColumns, rec []string) error {
	field := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	threat := field(cols.malware)
	if cols.malware < 0 && len(rec) > cols.ip+1 {
		threat = field(len(rec) - 1)
	}
	if threat == "" {
		threat = feodoThreat
	}
	return b.addIP(n, field(cols.ip), false, threat)
}

// feodoHeader finds the dst_ip and malware columns in a header row: one
// that names an IP column and holds no IP address.
func feodoHeader(rec []string) (feodoColumns, bool) {
	c := feodoColumns{ip: -1, malware: -1}
	for i, h := range rec {
		if _, err := netip.ParseAddr(strings.TrimSpace(h)); err == nil {
			return c, false
		}
		switch headerKey(h) {
		case "dstip", "ipaddress", "ip":
			c.ip = i
		case "malware", "malwarefamily":
			c.malware = i
		}
	}
	return c, c.ip >= 0
}

// csvLine splits one CSV line into its fields.
func csvLine(line string) ([]string, error) {
	cr := csv.NewReader(strings.NewReader(line))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.TrimLeadingSpace = true
	rec, err := cr.Read()
	if perr := (*csv.ParseError)(nil); errors.As(err, &perr) {
		err = perr.Err
	}
	return rec, err
}

// parseHostsFile reads hosts files, "<address> <name> [<name>...]" per
// line with '#' comments, taking every name: a domain, or an IP address if
// the name is one. A line of a single field is an entry itself (plain
// domain lists), and may give a port: "pool.example:3333",
// "[2001:db8::1]:3333". Local names (localhost, broadcasthost, ip6-*) and
// the loopback, unspecified and broadcast addresses are skipped silently.
func parseHostsFile(b *builder, r io.Reader) error {
	return eachLine(r, func(n int, line string) error {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		switch len(fields) {
		case 0:
			return nil
		case 1:
			return addHost(b, n, stripPort(fields[0]), true)
		}
		if _, err := netip.ParseAddr(fields[0]); err != nil {
			b.lineErr(n, fmt.Errorf("%w: %q is not a hosts-file address", ErrInvalidValue, truncate(fields[0])))
			return nil
		}
		for _, name := range fields[1:] {
			if err := addHost(b, n, name, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// addHost adds a hosts-file name, or with cidr any value parseValue takes.
func addHost(b *builder, n int, host string, cidr bool) error {
	if isLocalName(host) {
		return nil
	}
	if !cidr && strings.IndexByte(host, '/') >= 0 {
		b.lineErr(n, fmt.Errorf("%w: %q is not a host name", ErrInvalidValue, truncate(host)))
		return nil
	}
	e, err := parseValue(host)
	if err != nil {
		b.lineErr(n, err)
		return nil
	}
	if !e.IsDomain() && e.Prefix.IsSingleIP() && isLocalAddr(e.Prefix.Addr()) {
		return nil
	}
	return b.addEntry(e, "")
}

// isLocalName reports whether h is one of the names hosts files map to
// the local machine.
func isLocalName(h string) bool {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	switch h {
	case "localhost", "localhost.localdomain", "local", "broadcasthost",
		"localhost4", "localhost4.localdomain4", "localhost6", "localhost6.localdomain6":
		return true
	}
	return strings.HasPrefix(h, "ip6-") && !strings.Contains(h, ".")
}

// isLocalAddr reports whether a is a hosts-file sink or local address,
// which would match unrelated traffic.
func isLocalAddr(a netip.Addr) bool {
	return a.IsLoopback() || a.IsUnspecified() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// stripPort drops a ":port" from host:port or [IPv6]:port, and the
// brackets from [IPv6]; s is returned unchanged when it has no valid port.
func stripPort(s string) string {
	if rest, ok := strings.CutPrefix(s, "["); ok {
		host, port, ok := strings.Cut(rest, "]")
		if ok && (port == "" || port[0] == ':' && isPort(port[1:])) {
			return host
		}
		return s
	}
	if host, port, ok := strings.Cut(s, ":"); ok && isPort(port) {
		return host
	}
	return s
}

func isPort(s string) bool {
	if len(s) == 0 || len(s) > 5 || s[0] == '+' || s[0] == '-' {
		return false
	}
	p, err := strconv.Atoi(s)
	return err == nil && p <= 65535
}
