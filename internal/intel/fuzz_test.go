package intel

import (
	"bytes"
	"net/netip"
	"testing"
)

// checkList checks invariants of any parse result.
func checkList(t *testing.T, l *List, errs []*LineError, err error) {
	if err != nil {
		return
	}
	for _, e := range l.Entries {
		if e.IsDomain() == e.Prefix.IsValid() {
			t.Fatalf("entry %+v is neither or both a domain and a prefix", e)
		}
	}
	for _, e := range errs {
		if e.Line < 1 {
			t.Fatalf("line error %v has no line", e)
		}
	}
	s := NewSet(l)
	for _, e := range l.Entries {
		if e.IsDomain() {
			if len(s.LookupDomain(e.Domain)) == 0 {
				t.Fatalf("LookupDomain(%q) on its own list found nothing", e.Domain)
			}
		} else if len(s.LookupIP(e.Prefix.Addr())) == 0 {
			t.Fatalf("LookupIP(%s) on its own list found nothing", e.Prefix.Addr())
		}
	}
}

func FuzzParseTXT(f *testing.F) {
	f.Add([]byte("# c\n1.2.3.4\n10.0.0.0/8\nevil.example\n2001:db8::/32\n::ffff:1.2.3.4\n"))
	f.Add([]byte("1.2.3.4#1#1#Scanning Host#US##0,0#1\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, format := range []Format{TXT, AlienVault} {
			l, errs, err := Parse(format, bytes.NewReader(in), "f", 100)
			checkList(t, l, errs, err)
		}
	})
}

func FuzzParseSTIX(f *testing.F) {
	f.Add([]byte(stixBundle))
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"indicator","pattern":"[domain-name:value = 'a.example'] OR ([ipv4-addr:value = '1.2.3.0/24'])"}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		l, errs, err := Parse(STIX, bytes.NewReader(in), "f", 100)
		checkList(t, l, errs, err)
	})
}

func FuzzParseCSV(f *testing.F) {
	f.Add(uint8(0), []byte("Indicator type,Indicator,Description\nIPv4,1.2.3.4,x\ndomain,evil.example,\n"))
	f.Add(uint8(1), []byte("ip,category,score\n1.2.3.4,CnC,127\n\"a\"b,\"\n"))
	f.Add(uint8(2), []byte("reportId,title,ThreatScape,ip,domain\n1,T,Crime,1.2.3.4,evil.example\n"))
	formats := []Format{OTXCSV, ProofPoint, FireEye}
	f.Fuzz(func(t *testing.T, which uint8, in []byte) {
		l, errs, err := Parse(formats[int(which)%len(formats)], bytes.NewReader(in), "f", 100)
		checkList(t, l, errs, err)
	})
}

// FuzzLookupIP compares the range tables with a linear scan.
func FuzzLookupIP(f *testing.F) {
	f.Add([]byte("10.0.0.0/8\n10.1.0.0/16\n10.1.2.3\n::/0\n2001:db8::/32\n"), []byte{10, 1, 2, 3})
	f.Fuzz(func(t *testing.T, list, addr []byte) {
		l, _, err := Parse(TXT, bytes.NewReader(list), "f", 50)
		if err != nil {
			return
		}
		var a netip.Addr
		switch {
		case len(addr) >= 16:
			a = netip.AddrFrom16([16]byte(addr[:16]))
		case len(addr) >= 4:
			a = netip.AddrFrom4([4]byte(addr[:4]))
		default:
			return
		}
		want := 0
		for _, e := range l.Entries {
			if !e.IsDomain() && e.Prefix.Contains(a.Unmap()) {
				want++
			}
		}
		got := 0
		for range NewSet(l).LookupIP(a) {
			got++
		}
		if want > 0 != (got > 0) || got > want {
			t.Fatalf("LookupIP(%s) found %d matches, linear scan %d", a, got, want)
		}
	})
}
