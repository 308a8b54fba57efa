// Command gen writes the inputs of the malware-scan benchmarks: signature
// databases in ClamAV's formats (.ndb body signatures with wildcards, .hdb
// MD5 hashes) and a corpus of files from 1 KB to 100 MB. The same database
// folder is given to clamscan and to vigil scan, so both do the same work.
//
//	go run ./bench/gen sigs   --out DIR --ndb 10000 --hashes 1000000 [--seed 1]
//	go run ./bench/gen corpus --out DIR --total-mb 512 [--seed 1]
package main

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gen sigs|corpus [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "sigs":
		err = sigs(os.Args[2:])
	case "corpus":
		err = corpus(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func sigs(args []string) error {
	fs := flag.NewFlagSet("sigs", flag.ExitOnError)
	out := fs.String("out", "", "output folder")
	ndb := fs.Int("ndb", 10000, "body signatures")
	hashes := fs.Int("hashes", 1000000, "MD5 hash signatures")
	seed := fs.Uint64("seed", 1, "random seed")
	fs.Parse(args)
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(*seed, 2))
	if err := writeLines(filepath.Join(*out, "bench.ndb"), *ndb, func(i int) string { return ndbLine(r, i) }); err != nil {
		return err
	}
	return writeLines(filepath.Join(*out, "bench.hdb"), *hashes, func(i int) string {
		var b [16]byte
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		sum := md5.Sum(b[:])
		return fmt.Sprintf("%s:%d:Bench.Hash-%d", hex.EncodeToString(sum[:]), 1024+r.IntN(1<<20), i)
	})
}

// ndbLine is a body signature like real ones: mostly hex bytes, sometimes
// with a ?? byte wildcard, a {n-m} gap or a * gap between two parts.
func ndbLine(r *rand.Rand, i int) string {
	part := func(n int) string {
		b := make([]byte, n)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		return hex.EncodeToString(b)
	}
	sig := part(8 + r.IntN(16))
	switch r.IntN(4) {
	case 0:
		sig += "??" + part(4+r.IntN(8))
	case 1:
		sig += fmt.Sprintf("{%d-%d}", r.IntN(8), 8+r.IntN(32)) + part(4+r.IntN(8))
	case 2:
		sig += "*" + part(6+r.IntN(8))
	}
	return fmt.Sprintf("Bench.Body-%d:0:*:%s", i, sig)
}

func writeLines(path string, n int, line func(int) string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range n {
		fmt.Fprintln(w, line(i))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// corpus writes files from 1 KB to 100 MB, half random bytes and half
// text-like, until the total is reached.
func corpus(args []string) error {
	fs := flag.NewFlagSet("corpus", flag.ExitOnError)
	out := fs.String("out", "", "output folder")
	totalMB := fs.Int("total-mb", 512, "total size in MB")
	seed := fs.Uint64("seed", 1, "random seed")
	fs.Parse(args)
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(*seed, 3))
	sizes := []int{1 << 10, 10 << 10, 100 << 10, 1 << 20, 10 << 20, 100 << 20}
	total, limit := 0, *totalMB<<20
	for i := 0; total < limit; i++ {
		size := min(sizes[i%len(sizes)], limit-total)
		if err := os.WriteFile(filepath.Join(*out, fmt.Sprintf("file-%04d.bin", i)), content(r, size, i%2 == 1), 0o644); err != nil {
			return err
		}
		total += size
	}
	return nil
}

func content(r *rand.Rand, n int, text bool) []byte {
	b := make([]byte, n)
	const words = "the quick brown fox jumps over lazy dog GET /index.html HTTP/1.1 200 user=alice error timeout\n"
	for i := range b {
		if text {
			b[i] = words[r.IntN(len(words))]
		} else {
			b[i] = byte(r.Uint32())
		}
	}
	return b
}
