package flowlogs_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	pqgzip "github.com/parquet-go/parquet-go/compress/gzip"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/source/flowlogs"
)

const (
	benchRecords = 10000
	v5Header     = "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"
)

// genRecords makes n varied records of the default format, or of a
// version 5 custom format with 29 fields, with a header line.
func genRecords(n int, v5 bool) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	if v5 {
		b.WriteString(v5Header + "\n")
	} else {
		b.WriteString("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n")
	}
	for i := range n {
		eni := fmt.Sprintf("eni-0%016x", rng.IntN(64))
		src := fmt.Sprintf("10.0.%d.%d", rng.IntN(4), rng.IntN(250)+1)
		dst := fmt.Sprintf("%d.%d.%d.%d", rng.IntN(223)+1, rng.IntN(256), rng.IntN(256), rng.IntN(254)+1)
		if i%10 == 0 {
			dst = fmt.Sprintf("2600:1f18:%x:%x::%x", rng.IntN(65536), rng.IntN(65536), rng.IntN(65536))
			src = "2600:1f18:1234:5678::10"
		}
		sport, dport := rng.IntN(28000)+32768, []int{22, 80, 443, 3389, 5432, 53}[rng.IntN(6)]
		proto := []int{6, 6, 6, 17}[rng.IntN(4)]
		pkts := rng.IntN(100) + 1
		start := 1714564800 + i/100
		action := []string{"ACCEPT", "ACCEPT", "ACCEPT", "REJECT"}[rng.IntN(4)]
		if !v5 {
			fmt.Fprintf(&b, "2 123456789012 %s %s %s %d %d %d %d %d %d %d %s OK\n",
				eni, src, dst, sport, dport, proto, pkts, pkts*120, start, start+60, action)
			continue
		}
		dir := []string{"ingress", "egress"}[rng.IntN(2)]
		fmt.Fprintf(&b, "5 vpc-0a1b2c3d4e5f60718 subnet-0a1b2c3d4e5f60718 i-0%016x %s 123456789012 IPv4 %s %s %d %d %s %s %d %d %d %d %d %s %d OK us-east-1 use1-az1 - - - - %s %d\n",
			rng.IntN(64), eni, src, dst, sport, dport, src, dst, proto, pkts*120, pkts, start, start+60, action, rng.IntN(32), dir, rng.IntN(8)+1)
	}
	return []byte(b.String())
}

// runParse parses data b.N times and reports records per second.
func runParse(b *testing.B, data []byte, parse func() (source.Stats, error)) {
	b.Helper()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	records := 0
	for b.Loop() {
		st, err := parse()
		if err != nil || st.Errors > 0 || st.Events != benchRecords {
			b.Fatalf("parse = %+v, %v", st, err)
		}
		records += st.Events
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(records), "ns/record")
}

func discard(*event.Event)               {}
func failOn(b *testing.B) source.OnError { return func(e *source.RecordError) { b.Fatal(e) } }

// BenchmarkParseText measures the parser on the default format and a
// version 5 custom format, and the default format end to end through
// source.Reader from a gzip file as delivered to S3.
func BenchmarkParseText(b *testing.B) {
	for _, tc := range []struct {
		name string
		v5   bool
	}{{"v2", false}, {"v5", true}} {
		data := genRecords(benchRecords, tc.v5)
		b.Run(tc.name, func(b *testing.B) {
			runParse(b, data, func() (source.Stats, error) {
				return flowlogs.Parse(data, deliveryFile, discard, failOn(b))
			})
		})
	}
	data := genRecords(benchRecords, false)
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write(data)
	zw.Close()
	b.Run("v2-reader-gzip", func(b *testing.B) {
		var r source.Reader
		runParse(b, data, func() (source.Stats, error) {
			return r.Read(bytes.NewReader(zipped.Bytes()), deliveryFile, discard, failOn(b))
		})
	})
}

// BenchmarkParseParquet measures the default format in Parquet with gzip
// pages, as AWS delivers it.
func BenchmarkParseParquet(b *testing.B) {
	data := v2Parquet(b, string(genRecords(benchRecords, false)), parquet.Compression(&pqgzip.Codec{}))
	b.Logf("%d records in %d bytes of Parquet", benchRecords, len(data))
	runParse(b, data, func() (source.Stats, error) {
		return flowlogs.Parse(data, deliveryFile, discard, failOn(b))
	})
}
