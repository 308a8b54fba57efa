package ec2

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/detect/detecttest"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// flowBenchENIs is the number of instances of the benchmark's VPC.
const flowBenchENIs = 200

// flowBenchAddr returns the i-th address of a /8 (base.0.0.0 + i).
func flowBenchAddr(base byte, i int) netip.Addr {
	return netip.AddrFrom4([4]byte{base, byte(i >> 16), byte(i >> 8), byte(i)})
}

// flowBenchIntel returns 10,000 listed addresses in five families (none
// of them a benign remote of the benchmark) and a small trusted list.
func flowBenchIntel(t testing.TB) *intel.Intel {
	lists := map[string]string{}
	fams := []struct {
		name string
		n    int
	}{{"custom", 2000}, {"malicious", 4000}, {"tor", 2000}, {"c2", 1000}, {"bitcoin", 1000}}
	for k, fam := range fams {
		var b strings.Builder
		for i := range fam.n {
			b.WriteString(flowBenchAddr(185, k<<16+i*7).String())
			b.WriteByte('\n')
		}
		lists[fam.name+":"+fam.name+"-list"] = b.String()
	}
	// Ten scanners of the benchmark are listed.
	var scanners strings.Builder
	for i := range 10 {
		scanners.WriteString(flowBenchAddr(45, i).String() + "\n")
	}
	lists["malicious:scanners"] = scanners.String()
	lists["trusted:partners"] = "192.0.2.0/24\n"
	return detecttest.Intel(t, lists, "")
}

// flowBenchInventory knows every ENI of the benchmark.
func flowBenchInventory() flowTestInventory {
	inv := flowTestInventory{}
	for i := range flowBenchENIs {
		id := "eni-" + strconv.Itoa(100000+i)
		inv[id] = detect.NetworkInterface{ID: id, InstanceID: "i-" + strconv.Itoa(100000+i),
			PrivateIPs: []string{flowBenchLocal(i).String()}, SubnetID: "subnet-1", VpcID: "vpc-1"}
	}
	return inv
}

func flowBenchLocal(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}) }

// flowBenchEvents returns n records of a busy VPC over two hours: 200
// instances calling 3,000 web APIs (and getting the answers), serving
// 50,000 web clients, talking to each other, and 20 scanners probing them.
func flowBenchEvents(n int) []*event.Event {
	r := rand.New(rand.NewPCG(7, 11))
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	step := 2 * time.Hour / time.Duration(n)
	evs := make([]*event.Event, n)
	flows := make([]event.Flow, n)
	for i := range evs {
		inst := r.IntN(flowBenchENIs)
		eni := "eni-" + strconv.Itoa(100000+inst)
		local := flowBenchLocal(inst)
		eph := 32768 + r.IntN(28000)
		f := &flows[i]
		*f = event.Flow{Version: 5, AccountID: "111122223333", InterfaceID: eni, Protocol: flowTCP,
			Packets: int64(5 + r.IntN(40)), Action: "ACCEPT", LogStatus: "OK"}
		f.Bytes = f.Packets * int64(60+r.IntN(1300))
		f.End = t0.Add(time.Duration(i) * step)
		f.Start = f.End.Add(-time.Minute)
		switch x := r.IntN(100); {
		case x < 65: // an API call (35%) or its answer (30%)
			api := flowBenchAddr(52, r.IntN(3000)*97)
			port := 443
			switch y := r.IntN(20); {
			case y < 4:
				port = 80
			case y < 5:
				port, f.Protocol, api = 53, flowUDP, flowBenchAddr(8, r.IntN(4))
				f.Packets, f.Bytes = 1, 70
			case y < 6:
				port, f.Protocol, api = 123, flowUDP, flowBenchAddr(9, r.IntN(4))
				f.Packets, f.Bytes = 1, 76
			case y < 8: // an idle interval of a long connection
				f.Packets, f.Bytes = int64(1+r.IntN(3)), 52
			}
			f.SrcAddr, f.SrcPort, f.DstAddr, f.DstPort, f.FlowDirection, f.TCPFlags = local, eph, api, port, "egress", 3
			if x >= 35 {
				f.SrcAddr, f.SrcPort, f.DstAddr, f.DstPort, f.FlowDirection, f.TCPFlags = api, port, local, eph, "ingress", 19
			}
		case x < 95: // a web client (15%) or the server's answer (15%)
			client := flowBenchAddr(81, r.IntN(50000)*13)
			f.SrcAddr, f.SrcPort, f.DstAddr, f.DstPort, f.TCPFlags = client, eph, local, 443, 3
			if x >= 80 {
				f.SrcAddr, f.SrcPort, f.DstAddr, f.DstPort, f.TCPFlags = local, 443, client, eph, 19
			}
		case x < 99: // east-west
			f.SrcAddr, f.SrcPort, f.DstAddr, f.DstPort = local, eph, flowBenchLocal(r.IntN(flowBenchENIs)), 5432
		default: // a scanner
			f.SrcAddr, f.SrcPort, f.DstAddr, f.DstPort = flowBenchAddr(45, r.IntN(20)), eph, local, 1+r.IntN(10000)
			f.Packets, f.Bytes, f.TCPFlags = 1, 44, 2
			if r.IntN(2) == 0 {
				f.Action = "REJECT"
			}
		}
		if r.IntN(2) == 0 {
			f.FlowDirection = "" // a version 2 or 3 record
		}
		evs[i] = &event.Event{Kind: event.KindFlow, Time: f.Start, Account: "111122223333", Region: "us-east-1",
			Source: "vpcflowlogs", SourceIP: f.SrcAddr, Flow: f}
	}
	return evs
}

// BenchmarkFlowDetectors measures every flow detector (and, apart, the
// engine alone) on a million records of a busy VPC with a 10,000-address
// threat set. Each op is one pass over the records with a fresh engine.
func BenchmarkFlowDetectors(b *testing.B) {
	evs := flowBenchEvents(1_000_000)
	in := flowBenchIntel(b)
	inv := flowBenchInventory()
	run := func(b *testing.B, dets []*detect.Detector) {
		findings := 0
		report := func(finding.Finding) { findings++ }
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			e := detect.New(dets, detect.Options{Intel: func() *intel.Intel { return in }, Inventory: inv})
			b.StartTimer()
			for _, ev := range evs {
				e.Process(ev, report)
			}
		}
		ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N*len(evs))
		b.ReportMetric(ns, "ns/flow")
		b.ReportMetric(1e9/ns, "flows/s")
		b.ReportMetric(float64(findings)/float64(b.N), "findings/op")
	}
	b.Run("engine-only", func(b *testing.B) { run(b, nil) })
	b.Run("flow-detectors", func(b *testing.B) { run(b, flowDetectors()) })
	if testing.Verbose() {
		for _, d := range flowDetectors() {
			b.Run(d.Name, func(b *testing.B) { run(b, []*detect.Detector{d}) })
		}
	}
}
