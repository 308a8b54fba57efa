package intel

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// got is what a parse test compares: the entries as strings and the line
// numbers of the line errors.
type got struct {
	Entries []string
	Lines   []int
}

func summarize(l *List, errs []*LineError) got {
	var g got
	for _, e := range l.Entries {
		v := e.Domain
		if !e.IsDomain() {
			v = e.Prefix.String()
		}
		if e.ThreatName != "" {
			v += " (" + e.ThreatName + ")"
		}
		g.Entries = append(g.Entries, v)
	}
	for _, e := range errs {
		g.Lines = append(g.Lines, e.Line)
	}
	return g
}

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		in     string
		want   got
	}{
		{"txt", TXT, "# comment\n\n1.2.3.4\n10.0.0.0/8 # inline\nEvil.Example.\n2001:db8::1\n::ffff:192.0.2.1\n::ffff:198.51.100.0/120\n*.wild.example\n10.1.2.3/8\n", got{Entries: []string{
			"1.2.3.4/32", "10.0.0.0/8", "evil.example", "2001:db8::1/128", "192.0.2.1/32", "198.51.100.0/24", "wild.example", "10.0.0.0/8"}}},
		{"txt bad lines", TXT, "1.2.3.4\nnot a value\n300.1.1.1\n1.2.3.4/33\nlocalhost\n1.2.3\nfe80::1%eth0\n-bad.example\nok.example\r\n", got{
			Entries: []string{"1.2.3.4/32", "ok.example"}, Lines: []int{2, 3, 4, 5, 6, 7, 8}}},
		{"txt bom", TXT, "\uFEFF1.2.3.4\n", got{Entries: []string{"1.2.3.4/32"}}},
		{"alien vault", AlienVault, "1.2.3.4#4#2#Malicious Host#US#Boston#42.3,-71.0#3\n#comment\nbad#4#2#Scanning Host##\n5.6.7.8#1#1#Scanning Host#CN##0,0#1\nevil.example#1#1#x\n9.9.9.9\n", got{
			Entries: []string{"1.2.3.4/32 (Malicious Host)", "5.6.7.8/32 (Scanning Host)", "9.9.9.9/32"}, Lines: []int{3, 5}}},
		{"otx csv", OTXCSV, "Indicator type,Indicator,Description\nIPv4,1.2.3.4,C2 server\ndomain,evil.example,\nhostname,c2.bad.example,phishing\nCIDR,10.0.0.0/8,\nURL,http://x.example/a,\nIPv4,nonsense,\nIPv6,2001:db8::/32,\n", got{
			Entries: []string{"1.2.3.4/32 (C2 server)", "evil.example", "c2.bad.example (phishing)", "10.0.0.0/8", "2001:db8::/32"}, Lines: []int{6, 7}}},
		{"proof point with header", ProofPoint, "ip,category,score\n1.2.3.4,CnC,127\n\"5.6.7.8\",Scanner,50\nbogus,x,1\n,Spam,1\n", got{
			Entries: []string{"1.2.3.4/32 (CnC)", "5.6.7.8/32 (Scanner)"}, Lines: []int{4, 5}}},
		{"proof point no header", ProofPoint, "1.2.3.4,1,127\nevil.example,2,10\n", got{
			Entries: []string{"1.2.3.4/32 (1)", "evil.example (2)"}}},
		{"fire eye", FireEye, "reportId,title,ThreatScape,ip,domain,md5\n1,Report A,Cyber Crime,1.2.3.4,evil.example,\n2,Report B,Espionage,,,abc\n3,Report C,Hacktivism,999.1.1.1,good.example,\n", got{
			Entries: []string{"1.2.3.4/32 (Cyber Crime)", "evil.example (Cyber Crime)", "good.example (Hacktivism)"}, Lines: []int{4}}},
		{"stix", STIX, stixBundle, got{
			Entries: []string{"1.2.3.4/32 (C2 server)", "198.51.100.0/24 (C2 server)", "2001:db8::1/128 (malicious-activity)", "evil.example (bad)", "sub.evil2.example"},
			Lines:   []int{15, 17, 18, 19, 20}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, errs, err := Parse(tt.format, strings.NewReader(tt.in), "list.txt", 0)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if l.Format != tt.format || l.Name != "list.txt" {
				t.Errorf("list = %q %q, want %q list.txt", l.Name, l.Format, tt.format)
			}
			if diff := cmp.Diff(tt.want, summarize(l, errs)); diff != "" {
				t.Errorf("Parse(%s) mismatch (-want +got):\n%s\nerrors: %v", tt.format, diff, errs)
			}
			for _, e := range errs {
				if e.File != "list.txt" || !strings.HasPrefix(e.Error(), "list.txt:") {
					t.Errorf("line error %v does not name the file", e)
				}
			}
		})
	}
}

const stixBundle = `{
  "type": "bundle",
  "id": "bundle--1",
  "objects": [
    {"type": "identity", "id": "identity--1", "name": "ACME"},
    {"type": "indicator", "id": "indicator--1", "name": "C2 server", "pattern_type": "stix",
     "pattern": "[ipv4-addr:value = '1.2.3.4' OR ipv4-addr:value = '198.51.100.0/24']"},
    {"type": "indicator", "id": "indicator--2", "indicator_types": ["malicious-activity"], "pattern_type": "stix",
     "pattern": "[ipv6-addr:value = '2001:db8::1']"},
    {"type": "indicator", "id": "indicator--3", "labels": ["bad"],
     "pattern": "[domain-name:value = 'evil.example']"},
    {"type": "indicator", "id": "indicator--4", "pattern_type": "stix",
     "pattern": "([domain-name:value = 'Sub.Evil2.Example.'])"},
    {"type": "relationship", "id": "relationship--1"},
    {"type": "indicator", "id": "indicator--5", "pattern_type": "stix",
     "pattern": "[ipv4-addr:value = '1.1.1.1'] WITHIN 300 SECONDS"},
    {"type": "indicator", "pattern_type": "stix", "pattern": "[url:value = 'http://x.example/']"},
    {"type": "indicator", "pattern_type": "snort", "pattern": "alert tcp any any"},
    {"type": "indicator", "pattern_type": "stix", "pattern": "[ipv4-addr:value = '1.1.1.1' AND domain-name:value = 'a.example']"},
    {"type": "indicator", "pattern_type": "stix", "pattern": "[ipv4-addr:value = 'not-an-ip']"}
  ]
}`

func TestParseSTIXErrors(t *testing.T) {
	l, errs, err := Parse(STIX, strings.NewReader(stixBundle), "b.json", 0)
	if err != nil {
		t.Fatal(err)
	}
	_ = l
	want := []bool{true, true, true, true, false} // ErrUnsupported, except the bad IP
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d: %v", len(errs), len(want), errs)
	}
	for i, e := range errs {
		if got := errors.Is(e, ErrUnsupported); got != want[i] {
			t.Errorf("errors.Is(%v, ErrUnsupported) = %v, want %v", e, got, want[i])
		}
	}
	if !strings.Contains(errs[0].Error(), "object 7") {
		t.Errorf("error %q does not give the object index", errs[0])
	}

	for _, in := range []string{``, `[]`, `{"type":"indicator"}`, `{"type":"bundle","objects":{}}`, `{"type":"bundle","objects":[{]}`} {
		if l, _, err := Parse(STIX, strings.NewReader(in), "b.json", 0); err == nil || l != nil || !strings.Contains(err.Error(), "b.json") {
			t.Errorf("Parse(STIX, %q) = %v, %v; want nil list and an error naming the file", in, l, err)
		}
	}
}

func TestParseLimit(t *testing.T) {
	in := "1.1.1.1\n2.2.2.2\nbad\n3.3.3.3\n4.4.4.4\n"
	for _, f := range []Format{TXT, ProofPoint} {
		l, errs, err := Parse(f, strings.NewReader(in), "big.txt", 2)
		if !errors.Is(err, ErrLimitExceeded) || !strings.Contains(err.Error(), "big.txt") || !strings.Contains(err.Error(), "2") {
			t.Errorf("Parse(%s) error = %v, want ErrLimitExceeded naming big.txt and 2", f, err)
		}
		if l == nil || l.Len() != 2 || len(errs) != 1 {
			t.Errorf("Parse(%s) = %v, %v; want the 2 entries read before the limit and 1 line error", f, l, errs)
		}
	}
	if l, _, err := Parse(TXT, strings.NewReader(in), "big.txt", 4); err != nil || l.Len() != 4 {
		t.Errorf("Parse at exactly the limit = %v, %v; want 4 entries, no error", l, err)
	}
}

func TestParseErrors(t *testing.T) {
	if _, _, err := Parse("XML", strings.NewReader(""), "x", 0); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Parse(XML) error = %v, want ErrUnknownFormat", err)
	}
	for _, f := range []Format{OTXCSV, FireEye} {
		if _, _, err := Parse(f, strings.NewReader("a,b,c\n1.2.3.4,x,y\n"), "h.csv", 0); err == nil || !strings.Contains(err.Error(), "h.csv") {
			t.Errorf("Parse(%s) with a header lacking indicator columns: error = %v, want one naming h.csv", f, err)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats {
		if got, err := ParseFormat(strings.ToLower(string(f))); got != f || err != nil {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", strings.ToLower(string(f)), got, err, f)
		}
	}
	if _, err := ParseFormat("CSV"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("ParseFormat(CSV) error = %v, want ErrUnknownFormat", err)
	}
}

func TestParseValueNormalizes(t *testing.T) {
	e, err := parseValue("::ffff:10.0.0.0/104")
	if err != nil || e.Prefix != netip.MustParsePrefix("10.0.0.0/8") {
		t.Errorf("parseValue(::ffff:10.0.0.0/104) = %v, %v; want 10.0.0.0/8", e.Prefix, err)
	}
}
