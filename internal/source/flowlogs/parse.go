// Package flowlogs parses VPC Flow Logs and Transit Gateway flow logs into
// flow events (event.KindFlow with Flow set): the default version 2 text
// format, custom formats of versions 3 to 8 (and the fields added since)
// described by the header line of an S3 delivery file, the CloudWatch Logs
// export form where a timestamp precedes each record, and Parquet delivery
// files. NODATA and SKIPDATA records become events too, without addresses.
//
// Parsing is pure: no I/O, and this package never detects — detection
// lives in internal/detect. A malformed line is reported with its file,
// record index, byte offset and line number, and skipped; the lines before
// and after it are kept. An event's Raw is its line (for Parquet, the row
// rendered as that line, in the file's column order); its strings refer
// to Raw, never to the input buffer, which the caller may reuse.
package flowlogs

import (
	"bytes"
	"regexp"

	"github.com/vigil-sec/vigil/internal/source"
)

// FormatName is the name this format registers under.
const FormatName = "vpcflowlogs"

// Event sources: VPC flow logs, and Transit Gateway flow logs (records
// whose resource type is TransitGateway).
const (
	sourceVPC = "vpcflowlogs"
	sourceTGW = "tgwflowlogs"
)

func init() {
	source.RegisterFormat(source.Format{Name: FormatName, Sniff: Sniff, Parse: Parse})
}

// parquetMagic starts (and ends) every Parquet file.
var parquetMagic = []byte("PAR1")

// Sniff reports whether a file looks like flow logs: Parquet content, a
// header line of flow log field names, a first record in the default
// format (or in the CloudWatch Logs export form), or a name from the S3
// delivery layout. JSON content (CloudTrail, Route 53 Resolver query
// logs) is never claimed, whatever its name.
func Sniff(head []byte, name string) bool {
	if bytes.HasPrefix(head, parquetMagic) {
		return true
	}
	line := bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	for len(line) > 0 && isSpace(line[0]) {
		line = line[1:]
	}
	complete := false
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line, complete = line[:j], true
	}
	var toks [maxFields]span
	n, _ := tokenize(line, &toks)
	t := toks[:n]
	if n > 0 && isTimestamp(line[t[0].s:t[0].e]) {
		t = t[1:] // the CloudWatch Logs export form
	}
	if len(t) > 0 && (line[t[0].s] == '{' || line[t[0].s] == '[') {
		return false // JSON, whatever the name says
	}
	if bytes.Contains([]byte(name), []byte("vpcflowlogs")) {
		return true
	}
	if !complete && len(t) > 0 { // the last token may be cut off
		t = t[:len(t)-1]
	}
	return looksLikeHeader(line, t) || looksLikeRecord(line, t)
}

// looksLikeHeader reports whether the tokens start with two flow log
// field names and are mostly field names.
func looksLikeHeader(line []byte, t []span) bool {
	if len(t) < 2 {
		return false
	}
	known := 0
	for _, s := range t {
		if lookupField(line[s.s:s.e]) != fNone {
			known++
		}
	}
	return lookupField(line[t[0].s:t[0].e]) != fNone && lookupField(line[t[1].s:t[1].e]) != fNone && 2*known > len(t)
}

// looksLikeRecord reports whether the tokens start like a record of a
// default format: "2 <account> eni-..." (VPC) or "6 TransitGateway ..."
// (Transit Gateway).
func looksLikeRecord(line []byte, t []span) bool {
	if len(t) < 3 {
		return false
	}
	version, acct, third := line[t[0].s:t[0].e], line[t[1].s:t[1].e], line[t[2].s:t[2].e]
	if string(version) == "2" && (isAccountID(acct) || string(acct) == "unknown") {
		return bytes.HasPrefix(third, []byte("eni-"))
	}
	_, ok := parseUint(version, maxVersion)
	return ok && string(acct) == resourceTGW
}

func isAccountID(b []byte) bool {
	if len(b) != 12 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Parse reads every record of a decompressed flow log file: text (plain
// or CloudWatch Logs export form) or Parquet. Bad lines and rows are
// reported through onErr and skipped. Parse returns an error only for a
// Parquet file that cannot be read (the rows before the damage are kept);
// text never stops early.
func Parse(data []byte, file string, emit source.Emit, onErr source.OnError) (source.Stats, error) {
	if onErr == nil {
		onErr = func(*source.RecordError) {}
	}
	hint := hintFrom(file)
	if bytes.HasPrefix(data, parquetMagic) {
		return parseParquet(data, file, hint, emit, onErr)
	}
	p := textParser{data: data, file: file, hint: hint, emit: emit, onErr: onErr}
	p.run()
	return p.st, nil
}

// delivery matches the S3 delivery layouts of flow logs, plain and
// Hive-compatible, and the delivery file name, which repeats the account
// and region.
var delivery = []*regexp.Regexp{
	regexp.MustCompile(`AWSLogs/(?:o-[a-z0-9]+/)?(\d{12})/vpcflowlogs/([a-z0-9-]+)/`),
	regexp.MustCompile(`AWSLogs/aws-account-id=(\d{12})/aws-service=vpcflowlogs/aws-region=([a-z0-9-]+)/`),
	regexp.MustCompile(`(?:^|/)(\d{12})_vpcflowlogs_([a-z0-9-]+)_`),
}

// pathHint is the account and region that a delivery path names, used
// when a record does not carry them.
type pathHint struct {
	account, region string
	ids             *interner // per file
}

func hintFrom(file string) pathHint {
	for _, re := range delivery {
		if m := re.FindStringSubmatch(file); m != nil {
			return pathHint{account: m[1], region: m[2], ids: newInterner()}
		}
	}
	return pathHint{ids: newInterner()}
}
