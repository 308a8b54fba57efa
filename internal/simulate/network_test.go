package simulate

import (
	"bufio"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// isNetworkLog reports whether a path is a flow-log or DNS-log file.
func isNetworkLog(path string) bool {
	p := filepath.ToSlash(path)
	return strings.Contains(p, "/vpcflowlogs/") || strings.Contains(p, "/vpcdnsquerylogs/")
}

// readNetworkLines returns the lines of every flow-log and DNS-log file.
func readNetworkLines(t *testing.T, dir string) (flows, dns []string) {
	t.Helper()
	err := filepath.WalkDir(filepath.Join(dir, "AWSLogs"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isNetworkLog(path) {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			if strings.Contains(path, "vpcflowlogs") {
				flows = append(flows, sc.Text())
			} else {
				dns = append(dns, sc.Text())
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return flows, dns
}

func TestNetworkLogs(t *testing.T) {
	o := small
	o.Flows, o.DNSQueries = 3000, 800
	for i, a := range netAttacks {
		o.Attacks = append(o.Attacks, Attack{Type: a.typ, Offset: time.Duration(i+1) * time.Minute})
	}
	m, dir := run(t, o)
	flows, dns := readNetworkLines(t, dir)
	headers := 0
	for _, l := range flows {
		if l == flowHeader {
			headers++
			continue
		}
		if f := strings.Fields(l); len(f) != 14 || f[0] != "2" {
			t.Fatalf("flow record %q is not version 2", l)
		}
	}
	if got := len(flows) - headers; got != m.FlowRecords || got < o.Flows {
		t.Errorf("%d flow records in files, manifest %d, want at least %d", got, m.FlowRecords, o.Flows)
	}
	if len(dns) != m.DNSRecords || len(dns) < o.DNSQueries {
		t.Errorf("%d DNS records in files, manifest %d, want at least %d", len(dns), m.DNSRecords, o.DNSQueries)
	}
	all := strings.Join(flows, "\n") + strings.Join(dns, "\n")
	for _, want := range []string{c2IP, miningIP, `"query_name":"guarddutyc2activityb.com."`, `"query_name":"` + miningDNS + `."`,
		`"Rdata":"169.254.169.254"`, ".tunnel.exfil-dns.example.", " 9001 6 ", " 3389 6 ", " 25 6 ", " 9999 17 "} {
		if !strings.Contains(all, want) {
			t.Errorf("no record with %q", want)
		}
	}
	n := 0
	for _, a := range m.Attacks {
		if a.EventName == "VPCFlow" || a.EventName == "DNSQuery" {
			n++
		}
	}
	if n != len(netAttacks) {
		t.Errorf("manifest lists %d network attacks, want %d", n, len(netAttacks))
	}
}

func TestWriteIntelNamesEveryInterface(t *testing.T) {
	o := small
	files, err := WriteIntel(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(files.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	o.Out = t.TempDir()
	e := newEstate(mustDefaults(t, o))
	for _, a := range e.accounts {
		for ri := range a.instances {
			for _, in := range a.instances[ri] {
				if !strings.Contains(string(b), `"`+eni(in.tag)+`"`) || !strings.Contains(string(b), `"`+in.id+`"`) {
					t.Fatalf("inventory lacks instance %s", in.id)
				}
			}
			for _, fn := range a.lambdas[ri] {
				if !strings.Contains(string(b), lambdaPrefix+fn.name) {
					t.Fatalf("inventory lacks function %s", fn.name)
				}
			}
		}
	}
}

func mustDefaults(t *testing.T, o Options) Options {
	t.Helper()
	o, err := o.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return o
}
