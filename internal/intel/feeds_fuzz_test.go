package intel

import (
	"bytes"
	"testing"
)

// FuzzParseFeeds parses input in the feed format which selects. Besides
// checkList's invariants: only HOSTS lists domains, Tor and Feodo Tracker
// list single addresses, and HOSTS never lists a local address. The seeds
// are short samples of each format (the files in testdata/feeds are long
// enough to make minimizing slow), each given to every format.
func FuzzParseFeeds(f *testing.F) {
	for _, seed := range []string{
		"192.0.2.1\n2001:db8::a1\nnot-an-ip\n",
		"ExitNode 0A1B\nPublished 2025-03-01 08:12:45\nLastStatus 2025-03-01 09:00:00\nExitAddress 192.0.2.10 2025-03-01 09:03:11\n",
		"; Spamhaus DROP\n192.0.2.0/26 ; SBL100001\n203.0.113.0/33 ; SBL1\n",
		`{"cidr":"2001:db8:1000::/36","sblid":"SBL3","rir":"arin"}` + "\n" + `{"type":"metadata","timestamp":1,"size":2,"records":1}` + "\n",
		"# DstIP\n192.0.2.15\n# END 1 entries\n",
		`# "first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"` + "\n" + `"2021-01-17 07:44:46","192.0.2.32","4643","online","2025-03-01","Dridex"` + "\n",
		"127.0.0.1\tlocalhost\n127.0.0.1\tevil.example # c\n0.0.0.0 a.example 203.0.113.4\n",
		"pool.example:3333\n[2001:db8::3]:3333\n198.51.100.0/28\n",
		"ExitAddress ::ffff:192.0.2.1 d t\n{\"cidr\":\"::ffff:192.0.2.0/120\"}\n# a,dst_ip\nx,192.0.2.1\n[::1]:1 ::ffff:127.0.0.1\n",
	} {
		for i := range FeedFormats {
			f.Add(uint8(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, in []byte) {
		format := FeedFormats[int(which)%len(FeedFormats)]
		l, errs, err := Parse(format, bytes.NewReader(in), "f", 100)
		checkList(t, l, errs, err)
		if err == nil {
			for _, e := range l.Entries {
				switch {
				case e.IsDomain() && format != HostsFile:
					t.Fatalf("Parse(%s) listed domain %q", format, e.Domain)
				case (format == TorExitList || format == FeodoTracker) && !e.Prefix.IsSingleIP():
					t.Fatalf("Parse(%s) listed CIDR %s", format, e.Prefix)
				case format == HostsFile && e.Prefix.IsSingleIP() && isLocalAddr(e.Prefix.Addr()):
					t.Fatalf("Parse(%s) listed local address %s", format, e.Prefix)
				}
			}
		}
	})
}
