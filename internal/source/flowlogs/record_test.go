package flowlogs

import (
	"math"
	"net/netip"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

// TestParseIPv4 checks the hand-written IPv4 parser against netip.
func TestParseIPv4(t *testing.T) {
	for _, s := range []string{
		"0.0.0.0", "10.0.0.1", "255.255.255.255", "172.31.16.139", "1.2.3.4",
		"256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4a", "", "-", "1.2.3.-4", "1.2.3.1000",
		"::1", "2001:db8::1",
	} {
		got, ok := parseIPv4([]byte(s))
		want, err := netip.ParseAddr(s)
		wantOK := err == nil && want.Is4()
		if ok != wantOK || (ok && got != want) {
			t.Errorf("parseIPv4(%q) = %v, %v; netip says %v, %v", s, got, ok, want, err)
		}
	}
}

func FuzzParseIPv4(f *testing.F) {
	for _, s := range []string{"10.0.0.1", "01.2.3.4", "255.255.255.256"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseIPv4([]byte(s))
		want, err := netip.ParseAddr(s)
		if wantOK := err == nil && want.Is4(); ok != wantOK || (ok && got != want) {
			t.Errorf("parseIPv4(%q) = %v, %v; netip says %v, %v", s, got, ok, want, err)
		}
	})
}

func TestParseUint(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit uint64
		want  uint64
		ok    bool
	}{
		{"0", 10, 0, true},
		{"65535", math.MaxUint16, 65535, true},
		{"65536", math.MaxUint16, 0, false},
		{"9223372036854775807", math.MaxInt64, math.MaxInt64, true},
		{"9223372036854775808", math.MaxInt64, 0, false},
		{"99999999999999999999", math.MaxInt64, 0, false},
		{"", 10, 0, false},
		{"-1", 10, 0, false},
		{"1a", 10, 0, false},
	} {
		got, ok := parseUint([]byte(tc.in), tc.limit)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseUint(%q, %d) = %d, %v; want %d, %v", tc.in, tc.limit, got, ok, tc.want, tc.ok)
		}
	}
}

var sink *event.Event

// BenchmarkEventAlloc measures what every record costs before any parsing:
// allocating its event, flow and Raw (1,152 bytes for a default-format
// line) and copying the line. Compare with BenchmarkParseText.
func BenchmarkEventAlloc(b *testing.B) {
	line := []byte("2 123456789012 eni-0000000000000001a 10.0.2.17 198.51.100.7 49152 443 6 10 1200 1714564800 1714564860 ACCEPT OK")
	b.ReportAllocs()
	for b.Loop() {
		r, raw := newRec(len(line))
		copy(raw, line)
		r.ev.Flow, r.ev.Raw = &r.fl, raw
		sink = &r.ev
	}
}
