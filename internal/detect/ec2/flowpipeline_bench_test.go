package ec2

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/source/flowlogs"
)

// flowBenchLog renders the benchmark mix as a version 2 delivery file.
func flowBenchLog(evs []*event.Event) []byte {
	var b bytes.Buffer
	b.WriteString("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n")
	for _, ev := range evs {
		f := ev.Flow
		fmt.Fprintf(&b, "2 %s %s %s %s %d %d %d %d %d %d %d %s %s\n", f.AccountID, f.InterfaceID, f.SrcAddr, f.DstAddr,
			f.SrcPort, f.DstPort, f.Protocol, f.Packets, f.Bytes, f.Start.Unix(), f.End.Unix(), f.Action, f.LogStatus)
	}
	return b.Bytes()
}

// BenchmarkFlowPipeline parses a flow log file of the benchmark mix with
// the flow-log parser and runs every flow detector on each record, in one
// goroutine (run with -cpu 1 for a per-core figure: allocation and garbage
// collection then count on that core too). One op is one record.
func BenchmarkFlowPipeline(b *testing.B) {
	const perFile = 200_000
	data := flowBenchLog(flowBenchEvents(perFile))
	in := flowBenchIntel(b)
	e := detect.New(flowDetectors(), detect.Options{Intel: func() *intel.Intel { return in }, Inventory: flowBenchInventory()})
	report := func(finding.Finding) {}
	emit := func(ev *event.Event) { e.Process(ev, report) }
	onErr := func(err *source.RecordError) { b.Fatal(err) }
	b.SetBytes(int64(len(data)) / perFile)
	b.ReportAllocs()
	b.ResetTimer()
	records := 0
	for records < b.N {
		st, err := flowlogs.Parse(data, "AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/f.log", emit, onErr)
		if err != nil || st.Events != perFile {
			b.Fatalf("Parse: %d events, %v", st.Events, err)
		}
		records += st.Events
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
