package intel

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// withThreat appends threat to each value, as summarize prints entries.
func withThreat(threat string, values ...string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = v + " (" + threat + ")"
	}
	return out
}

func TestParseFeedFiles(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		want   got
	}{
		{"tor-bulk-exit-list.txt", TorExitList, got{
			Entries: withThreat("Tor exit node", "192.0.2.1/32", "192.0.2.77/32", "198.51.100.23/32", "2001:db8::a1/128", "203.0.113.250/32", "2001:db8:0:1::6/128"),
			Lines:   []int{6, 7, 8, 9}}},
		{"tor-exit-addresses.txt", TorExitList, got{
			Entries: withThreat("Tor exit node", "192.0.2.10/32", "198.51.100.42/32", "198.51.100.43/32", "2001:db8::dead/128", "203.0.113.8/32"),
			Lines:   []int{17, 21, 22}}},
		{"drop.txt", SpamhausDROP, got{
			Entries: []string{"192.0.2.0/26 (SBL100001)", "198.51.100.0/24 (SBL100002)", "203.0.113.128/25 (SBL100003)", "192.0.2.64/27 (SBL100006)"},
			Lines:   []int{8, 9}}},
		{"edrop.txt", SpamhausDROP, got{
			Entries: []string{"198.51.100.128/26 (SBL200001)", "203.0.113.64/26 (SBL200002)", "192.0.2.200/29 (SBL200003)", "192.0.2.208/28"},
			Lines:   []int{11}}},
		{"drop_v4.json", SpamhausDROP, got{
			Entries: []string{"192.0.2.0/26 (SBL100001)", "198.51.100.0/24 (SBL100002)", "203.0.113.0/25 (SBL100003)", "192.0.2.128/25 (SBL100007)"},
			Lines:   []int{4, 5, 6}}},
		{"drop_v6.json", SpamhausDROP, got{
			Entries: []string{"2001:db8:1000::/36 (SBL300001)", "2001:db8:2000::/36 (SBL300002)", "2001:db8:3000::/36 (SBL300004)"},
			Lines:   []int{3}}},
		{"feodo-ipblocklist.txt", FeodoTracker, got{
			Entries: withThreat("Botnet C&C", "192.0.2.15/32", "198.51.100.77/32", "203.0.113.5/32", "2001:db8::c2/128"),
			Lines:   []int{12, 13}}},
		{"feodo-ipblocklist.csv", FeodoTracker, got{
			Entries: []string{"192.0.2.32/32 (Dridex)", "198.51.100.8/32 (QakBot)", "203.0.113.77/32 (Emotet)", "2001:db8::77/128 (Botnet C&C)"},
			Lines:   []int{12, 13, 15}}},
		{"urlhaus-hostfile.txt", HostsFile, got{
			Entries: []string{"malware-drop.example", "payload.bad-host.example", "203.0.113.44/32", "cdn.evil.invalid", "zero-sink.example", "alias.zero-sink.example"},
			Lines:   []int{15, 16, 17, 18}}},
		{"threatfox-hostfile.txt", HostsFile, got{
			Entries: []string{"c2-panel.example", "beacon.c2.example", "2001:db8::bad/128", "payload.loader.invalid"},
			Lines:   []int{6, 8}}},
		{"mining-pools.txt", HostsFile, got{
			Entries: []string{"pool.mining.example", "xmr.pool.example", "eth-pool.example", "2001:db8::3/128", "198.51.100.200/32", "wildcard-pool.example", "203.0.113.0/28"},
			Lines:   []int{7, 8, 9}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", "feeds", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			l, errs, err := Parse(tt.format, strings.NewReader(string(in)), tt.file, 0)
			if err != nil {
				t.Fatalf("Parse(%s, %s): %v", tt.format, tt.file, err)
			}
			if l.Format != tt.format || l.Name != tt.file {
				t.Errorf("list = %q %q, want %q %q", l.Name, l.Format, tt.file, tt.format)
			}
			if diff := cmp.Diff(tt.want, summarize(l, errs)); diff != "" {
				t.Errorf("Parse(%s, %s) mismatch (-want +got):\n%s\nerrors: %v", tt.format, tt.file, diff, errs)
			}
			for _, e := range errs {
				if e.File != tt.file || !errors.Is(e, ErrInvalidValue) {
					t.Errorf("line error %v: want one naming %s and wrapping ErrInvalidValue", e, tt.file)
				}
			}
			checkList(t, l, errs, err)
		})
	}
}

// TestParseFeedLines covers details the files do not.
func TestParseFeedLines(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		in     string
		want   got
	}{
		{"tor bom crlf comment", TorExitList, "\uFEFF192.0.2.1\r\n# note\r\n\r\n::ffff:192.0.2.2\r\n", got{
			Entries: withThreat("Tor exit node", "192.0.2.1/32", "192.0.2.2/32")}},
		{"tor later keywords ignored", TorExitList, "ExitNode AB\nUptime 3 days\nExitAddress 192.0.2.3 2025-03-01 00:00:00\nExitAddress fe80::1%eth0 x y\n", got{
			Entries: withThreat("Tor exit node", "192.0.2.3/32"), Lines: []int{4}}},
		{"drop no sbl id", SpamhausDROP, "192.0.2.0/24\n198.51.100.7 ; SBL1\n# hash comment\n", got{
			Entries: []string{"192.0.2.0/24", "198.51.100.7/32 (SBL1)"}}},
		{"drop json types", SpamhausDROP, `{"cidr":"192.0.2.0/24","sblid":"SBL1"} trailing` + "\n" + `{"cidr":7}` + "\n" + `{"type":"metadata"}` + "\n" + `{"cidr":"192.0.2.0/25","sblid":"SBL2","rir":"arin","extra":[1,2]}` + "\n", got{
			Entries: []string{"192.0.2.0/25 (SBL2)"}, Lines: []int{1, 2}}},
		{"feodo uncommented header", FeodoTracker, "first_seen_utc,dst_ip,dst_port,malware\n2025-01-01 00:00:00,192.0.2.1,443,TrickBot\n", got{
			Entries: []string{"192.0.2.1/32 (TrickBot)"}}},
		{"feodo header moves columns", FeodoTracker, "# malware,ip\nHeodo,192.0.2.1\n,192.0.2.2\n", got{
			Entries: []string{"192.0.2.1/32 (Heodo)", "192.0.2.2/32 (Botnet C&C)"}}},
		{"feodo no header, old five columns", FeodoTracker, `"2020-01-01 00:00:00","192.0.2.9","447","2020-02-01","TrickBot"` + "\n" + `"x","192.0.2.10"` + "\n", got{
			Entries: []string{"192.0.2.9/32 (TrickBot)", "192.0.2.10/32 (Botnet C&C)"}}},
		{"feodo family named like a header", FeodoTracker, `"2020-01-01","192.0.2.9","447","IP"` + "\n", got{
			Entries: []string{"192.0.2.9/32 (IP)"}}},
		{"feodo rejects cidr and bad quotes", FeodoTracker, "192.0.2.0/24\n\"a\",\"192.0.2.1\"x\"\n", got{
			Lines: []int{1, 2}}},
		{"hosts ports and brackets", HostsFile, "[2001:db8::9]\n[2001:db8::9]x\nPool.Example.:0\n2001:db8::a\n192.0.2.5:65535\npool.example:\n", got{
			Entries: []string{"2001:db8::9/128", "pool.example", "2001:db8::a/128", "192.0.2.5/32"}, Lines: []int{2, 6}}},
		{"hosts local names", HostsFile, "::1 ip6-allnodes ip6-allrouters localhost6.localdomain6\n127.0.0.1 LOCALHOST. local\n0.0.0.0\n::\n127.0.0.2\nip6-evil.example\n", got{
			Entries: []string{"ip6-evil.example"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, errs, err := Parse(tt.format, strings.NewReader(tt.in), "feed", 0)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, summarize(l, errs)); diff != "" {
				t.Errorf("Parse(%s, %q) mismatch (-want +got):\n%s\nerrors: %v", tt.format, tt.in, diff, errs)
			}
		})
	}
}

func TestParseFeedLimit(t *testing.T) {
	inputs := map[Format]string{
		TorExitList:  "ExitAddress 192.0.2.1 d t\nbad\nExitAddress 192.0.2.2 d t\n192.0.2.3\n",
		SpamhausDROP: "192.0.2.0/28 ; SBL1\nbad ; SBL2\n{\"cidr\":\"192.0.2.16/28\",\"sblid\":\"SBL3\"}\n192.0.2.32/28 ; SBL4\n",
		FeodoTracker: "192.0.2.1\nbad\n\"d\",\"192.0.2.2\",\"1\",\"online\",\"d\",\"Dridex\"\n192.0.2.3\n",
		HostsFile:    "127.0.0.1 a.example\n127.0.0.1 bad!\n127.0.0.1 b.example c.example\n",
	}
	for _, f := range FeedFormats {
		l, errs, err := Parse(f, strings.NewReader(inputs[f]), "big", 2)
		if !errors.Is(err, ErrLimitExceeded) || !strings.Contains(err.Error(), "big") {
			t.Errorf("Parse(%s) error = %v, want ErrLimitExceeded naming big", f, err)
		}
		if l == nil || l.Len() != 2 || len(errs) != 1 {
			t.Errorf("Parse(%s) = %v, %v; want the 2 entries read before the limit and 1 line error", f, l, errs)
		}
		if l, _, err := Parse(f, strings.NewReader(inputs[f]), "big", 3); err != nil || l.Len() != 3 {
			t.Errorf("Parse(%s) at exactly the limit = %v, %v; want 3 entries, no error", f, l, err)
		}
	}
}

func TestParseFeedLongLine(t *testing.T) {
	in := strings.Repeat("x", maxLine+1)
	for _, f := range FeedFormats {
		if l, _, err := Parse(f, strings.NewReader(in), "long", 0); err == nil || l != nil || !strings.Contains(err.Error(), "long") {
			t.Errorf("Parse(%s) of a line over %d bytes = %v, %v; want nil list and an error naming the file", f, maxLine, l, err)
		}
	}
}

func TestFeedFormats(t *testing.T) {
	for _, f := range FeedFormats {
		if got, err := ParseFormat(" " + strings.ToLower(string(f))); got != f || err != nil {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", strings.ToLower(string(f)), got, err, f)
		}
		if f.GuardDuty() {
			t.Errorf("%s.GuardDuty() = true, want false", f)
		}
		if slices.Contains(Formats, f) {
			t.Errorf("Formats contains feed format %s", f)
		}
	}
	for _, f := range Formats {
		if !f.GuardDuty() {
			t.Errorf("%s.GuardDuty() = false, want true", f)
		}
	}
	if Format("TOR").GuardDuty() {
		t.Error(`Format("TOR").GuardDuty() = true, want false`)
	}
}

func TestFeedKinds(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range FeedKinds {
		if seen[k.Name] || k.Name != strings.ToLower(k.Name) {
			t.Errorf("feed kind %q: duplicate or not lower case", k.Name)
		}
		seen[k.Name] = true
		if !slices.Contains(FeedFormats, k.Format) || !slices.Contains(Families, k.Family) || k.Family == FamilyCustom || k.Description == "" {
			t.Errorf("feed kind %+v: want a feed format, a non-custom family and a description", k)
		}
		if got, ok := LookupFeedKind(strings.ToUpper(k.Name)); !ok || got != k {
			t.Errorf("LookupFeedKind(%q) = %+v, %v; want %+v", strings.ToUpper(k.Name), got, ok, k)
		}
	}
	want := map[string]Family{
		"tor": FamilyTor, "spamhaus_drop": FamilyMalicious, "spamhaus_edrop": FamilyMalicious, "feodo": FamilyC2,
		"urlhaus": FamilyMalicious, "threatfox": FamilyC2, "mining_pools": FamilyBitcoin,
	}
	for name, fam := range want {
		if k, ok := LookupFeedKind(name); !ok || k.Family != fam {
			t.Errorf("LookupFeedKind(%q) = %+v, %v; want family %s", name, k, ok, fam)
		}
	}
	if len(FeedKinds) != len(want) {
		t.Errorf("len(FeedKinds) = %d, want %d", len(FeedKinds), len(want))
	}
	if k, ok := LookupFeedKind("nope"); ok {
		t.Errorf("LookupFeedKind(nope) = %+v, true; want false", k)
	}
}
