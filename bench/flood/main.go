// Command flood writes VPC flow log delivery files in which N distinct
// public source addresses each send one packet to an instance's SSH port:
// the worst case for per-source state (a distributed scan), used by
// bench/network.sh to measure Vigil's peak memory on it.
//
// Usage: go run ./bench/flood -out DIR -sources 10000000 -per-file 500000
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/gzip"
)

func main() {
	out := flag.String("out", "", "output directory (required)")
	sources := flag.Int("sources", 10_000_000, "distinct source addresses")
	perFile := flag.Int("per-file", 500_000, "records per delivery file")
	flag.Parse()
	if *out == "" {
		log.Fatal("flood: -out is required")
	}
	const acct = "111122223333"
	dir := filepath.Join(*out, "AWSLogs", acct, "vpcflowlogs", "us-east-1", "2025", "06", "02")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	start := int64(1748822400)
	addr := uint32(0x0b000000) // 11.0.0.0: public space, counting up
	for file := 0; file*(*perFile) < *sources; file++ {
		name := filepath.Join(dir, fmt.Sprintf("%s_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20250602T%04dZ_flood%04d.log.gz", acct, file%2400, file))
		f, err := os.Create(name)
		if err != nil {
			log.Fatal(err)
		}
		zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
		w := bufio.NewWriterSize(zw, 1<<20)
		fmt.Fprintln(w, "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")
		for i := 0; i < *perFile && file*(*perFile)+i < *sources; i++ {
			addr++
			for isReserved(addr) {
				addr += 1 << 24
			}
			t := start + int64(file*(*perFile)+i)/2000
			fmt.Fprintf(w, "2 %s eni-0123456789abcdef0 %d.%d.%d.%d 10.0.1.20 %d 22 6 1 44 %d %d ACCEPT OK\n",
				acct, addr>>24, addr>>16&255, addr>>8&255, addr&255, 40000+i%20000, t, t+1)
		}
		if err := w.Flush(); err != nil {
			log.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			log.Fatal(err)
		}
		f.Close()
	}
}

// isReserved skips private and reserved /8s.
func isReserved(a uint32) bool {
	switch a >> 24 {
	case 0, 10, 100, 127, 169, 172, 192, 198, 203, 224, 240, 255:
		return true
	}
	return false
}
