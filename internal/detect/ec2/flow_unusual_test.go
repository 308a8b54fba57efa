package ec2

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// flowBaselineOf returns 26 hours of an interface's usual traffic: every
// 10 minutes, bytes to a web API on 443 and a query to a database on 5432.
func flowBaselineOf(eni, local string, bytes int64) []*event.Event {
	var out []*event.Event
	for i := range 26 * 6 {
		at := time.Duration(i) * 10 * time.Minute
		out = append(out,
			flowEv(at, eni, local+":40000", "203.0.113.150:443", flowPk(bytes/1400+1, bytes)),
			flowEv(at, eni, local+":40001", "10.0.5.5:5432", flowDir("egress")))
	}
	return out
}

func TestFlowUnusual(t *testing.T) {
	const port, volume = flowTypePortUnusual + " 5", flowTypeVolumeUnusual + " 5"
	base := flowBaselineOf("eni-web", "10.0.1.10", 10_000_000)
	after := 26*time.Hour + 5*time.Minute
	to := func(at time.Duration, dst string, opts ...flowOpt) *event.Event {
		return flowEv(at, "eni-web", "10.0.1.10:41000", dst, opts...)
	}
	const mib = 1 << 20
	// big is 600 MiB: two make more than min_bytes (1 GiB), one does not.
	big := func(at time.Duration, dst string) *event.Event { return to(at, dst, flowPk(600*mib/1400, 600*mib)) }
	// busy sends 1.8 GB an hour; burst 2.4 GiB in minutes.
	busy := flowBaselineOf("eni-web", "10.0.1.10", 300_000_000)
	burst := flowEvs(4, func(i int) *event.Event { return big(after+time.Duration(i)*time.Minute, "203.0.113.170:443") })
	manyPorts := flowEvs(70, func(i int) *event.Event {
		return to(time.Hour, "198.51.100."+strconv.Itoa(100+i)+":"+strconv.Itoa(2000+i))
	})
	flowTable(t, []flowCase{
		{"baseline only", base, nil, nil},
		{"new port after learning", flowCat(base, flowOne(to(after, "203.0.113.160:6667"))), []string{port}, nil},
		{"new port twice in a window", flowCat(base, flowOne(to(after, "203.0.113.160:6667"), to(after+time.Minute, "203.0.113.161:6667"))),
			[]string{port}, nil},
		{"new port in two windows", flowCat(base, flowOne(to(after, "203.0.113.160:6667"), to(after+2*time.Hour, "203.0.113.160:6667"))),
			[]string{port, port}, nil},
		{"learned port", flowCat(base, flowOne(to(after, "10.0.5.6:5432", flowDir("egress")))), nil, nil},
		{"common ports", flowCat(base, flowOne(to(after, "203.0.113.160:80"), to(after, "203.0.113.160:53", flowProto(flowUDP)),
			to(after, "203.0.113.160:123", flowProto(flowUDP)))), nil, nil},
		{"port used while learning", flowCat(flowOne(to(time.Hour, "203.0.113.160:6667")), base,
			flowOne(to(after, "203.0.113.160:6667"))), nil, nil},
		{"new port before learning ends", flowCat(base[:100], flowOne(to(2*time.Hour, "203.0.113.160:6667"))), nil, nil},
		{"new port, blocked", flowCat(base, flowOne(to(after, "203.0.113.160:6667", flowRejected))), nil, nil},
		{"new port, inbound", flowCat(base, flowOne(flowEv(after, "eni-web", "203.0.113.160:41000", "10.0.1.10:6667"))), nil, nil},
		{"answer to a client", flowCat(base, flowOne(flowEv(after, "eni-web", "10.0.1.10:443", "203.0.113.160:6667", flowFlags(18)))), nil, nil},
		{"too diverse while learning", flowCat(manyPorts, base, flowOne(to(after, "203.0.113.160:6667"))), nil, nil},
		{"too few flows", flowCat(base, flowOne(to(after, "203.0.113.160:6667"))), nil,
			map[string]map[string]string{"ec2.unusual_traffic": {"min_baseline_flows": "1000"}}},
		{"learning 1h and 20 flows", flowCat(base[:30], flowOne(to(2*time.Hour, "203.0.113.160:6667"))), []string{port},
			map[string]map[string]string{"ec2.unusual_traffic": {"learning": "1h", "min_baseline_flows": "20"}}},
		{"70 ports with max_ports_per_instance 100", flowCat(manyPorts, base, flowOne(to(after, "203.0.113.160:6667"))), []string{port},
			map[string]map[string]string{"ec2.unusual_traffic": {"max_ports_per_instance": "100"}}},
		{"Lambda interface", flowCat(flowBaselineOf("eni-fn", "10.0.3.30", 1000),
			flowOne(flowEv(after, "eni-fn", "10.0.3.30:41000", "203.0.113.160:6667"))), nil, nil},

		{"1.2 GiB to one host", flowCat(base, flowOne(big(after, "203.0.113.170:443"), big(after+time.Minute, "203.0.113.170:443"))),
			[]string{volume}, nil},
		{"1.8 GiB report once", flowCat(base, flowOne(big(after, "203.0.113.170:443"), big(after+time.Minute, "203.0.113.170:443"),
			big(after+2*time.Minute, "203.0.113.170:443"))), []string{volume}, nil},
		{"1.2 GiB over two windows", flowCat(base, flowOne(big(after, "203.0.113.170:443"), big(after+2*time.Hour, "203.0.113.170:443"))),
			nil, nil},
		{"1.2 GiB to each of two hosts", flowCat(base, flowOne(big(after, "203.0.113.170:443"), big(after, "203.0.113.171:443"),
			big(after, "203.0.113.170:443"), big(after, "203.0.113.171:443"))),
			[]string{volume, volume}, nil},
		{"900 MB", flowCat(base, flowOne(to(after, "203.0.113.170:443", flowPk(1000, 900_000_000)))), nil, nil},
		{"1.2 GiB while learning", flowCat(flowOne(big(time.Hour, "203.0.113.170:443"), big(time.Hour, "203.0.113.170:443")), base), nil, nil},
		{"2.4 GiB from a busy instance", flowCat(busy, burst), nil, nil},
		{"2 GiB inbound", flowCat(base, flowOne(flowEv(after, "eni-web", "203.0.113.170:443", "10.0.1.10:41000", flowPk(mib, 2048*mib)))),
			nil, nil},
		{"800 MB with min_bytes 100000000", flowCat(base, flowOne(to(after, "203.0.113.170:443", flowPk(1000, 800_000_000)))),
			[]string{volume}, map[string]map[string]string{"ec2.unusual_traffic": {"min_bytes": "100000000"}}},
		{"2.4 GiB from a busy instance with factor 1.2", flowCat(busy, burst), []string{volume},
			map[string]map[string]string{"ec2.unusual_traffic": {"factor": "1.2"}}},
	})
}

func TestFlowUnusualFinding(t *testing.T) {
	base := flowBaselineOf("eni-web", "10.0.1.10", 10_000_000)
	at := 26*time.Hour + 5*time.Minute
	fs := flowRun(t, nil, base, flowOne(
		flowEv(at, "eni-web", "10.0.1.10:41000", "203.0.113.160:6667"),
		flowEv(at, "eni-web", "10.0.1.10:41001", "203.0.113.170:443", flowPk(1<<20, 2<<30)),
	))
	if len(fs) != 2 {
		t.Fatalf("%d findings, want 2", len(fs))
	}
	p, v := fs[0], fs[1]
	c := p.Service.Action.NetworkConnectionAction
	if p.Type != flowTypePortUnusual || p.Service.ResourceRole != finding.RoleActor || c.RemotePortDetails.Port != 6667 ||
		p.AggregationKey != "i-0web|6667" {
		t.Errorf("port finding %s role %q key %q action %+v", p.Type, p.Service.ResourceRole, p.AggregationKey, c)
	}
	if v.Type != flowTypeVolumeUnusual || v.Service.ResourceRole != finding.RoleActor || v.AggregationKey != "i-0web|203.0.113.170" {
		t.Errorf("volume finding %s role %q key %q", v.Type, v.Service.ResourceRole, v.AggregationKey)
	}
	t.Log(p.Description)
	t.Log(v.Description)
}

func TestFlowHeavyHitters(t *testing.T) {
	s := &flowUnusualState{window: int64(time.Hour), emaWeight: 0.1}
	var b flowBaseline
	add := func(remote string, bytes int64) *flowHeavy[netip.Addr] {
		v := flowView{t: 1}
		v.Remote = netip.MustParseAddr(remote)
		return s.volume(&b, &v, bytes)
	}
	for i := range 20 {
		add("198.51.100."+strconv.Itoa(i), 100)
	}
	h := add("203.0.113.1", 5000)
	for range 3 {
		add("198.51.100.99", 50)
		h = add("203.0.113.1", 5000)
	}
	if h.low() != 20000 || h.sum < 20000 {
		t.Errorf("heavy hitter sum %v, err %v: lower bound %v, want 20000", h.sum, h.err, h.low())
	}
}
