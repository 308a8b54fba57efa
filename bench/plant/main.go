// Command plant writes the detection check of the malware-scan benchmark:
// a small corpus of files that carry known signatures of a benchmark
// database, so that clamscan and vigil scan can be shown to report the same
// detections before their speeds are compared.
//
//	go run ./bench/plant --db DIR --out DIR [--seed 1] [--big]
//
// It reads DIR/*.ndb and writes into --out:
//
//   - files/: body-*.bin, each with the body of one .ndb signature (the
//     signature's wildcards filled in: "??" a random byte, "{n-m}" n random
//     bytes, "*" a few random bytes) at a chosen offset in random or
//     text-like filler: at the start, in the middle, across a 64 KiB and a
//     1 MiB boundary, at the very end; hash-*.bin, random files whose MD5
//     and size are written to planted.hdb; and files that must stay clean:
//     a signature body with its last byte changed, a hashed file with one
//     byte appended, plain random and text files;
//   - planted.hdb: the MD5 signatures of the hash-*.bin files;
//   - expected.txt: "files/NAME: SIGNATURE" for every file that must be
//     detected, sorted.
//
// With --big it also writes big-tail.bin, 100 MiB (the corpus's largest
// size) with a signature body in its last bytes, to check that both tools
// scan large files to their end.
package main

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

func main() {
	db := flag.String("db", "", "benchmark signature folder (its .ndb files are read)")
	out := flag.String("out", "", "output folder")
	seed := flag.Uint64("seed", 1, "random seed")
	big := flag.Bool("big", false, "also write a 100 MiB file with a signature at its end")
	flag.Parse()
	if *db == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: plant --db DIR --out DIR [--seed N] [--big]")
		os.Exit(2)
	}
	if err := run(*db, *out, *seed, *big); err != nil {
		fmt.Fprintln(os.Stderr, "plant:", err)
		os.Exit(1)
	}
}

type sig struct{ name, hex string }

func run(db, out string, seed uint64, big bool) error {
	sigs, err := readNDB(db)
	if err != nil {
		return err
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%s: no .ndb signatures", db)
	}
	files := filepath.Join(out, "files")
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(files, 0o755); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(seed, 7))
	var expected []string
	write := func(name string, data []byte, threat string) error {
		if threat != "" {
			expected = append(expected, "files/"+name+": "+threat)
		}
		return os.WriteFile(filepath.Join(files, name), data, 0o644)
	}

	// One signature of each shape the generator makes, plus the first and
	// the last of the file.
	picks := []sig{sigs[0], sigs[len(sigs)-1]}
	for _, shape := range []string{"??", "{", "*"} {
		for _, s := range sigs[1:] {
			if strings.Contains(s.hex, shape) {
				picks = append(picks, s)
				break
			}
		}
	}
	for _, s := range sigs[1:] {
		if !strings.ContainsAny(s.hex, "?{*(") {
			picks = append(picks, s)
			break
		}
	}
	// Where the body goes: offset in a file of the given size (-1: end).
	places := []struct {
		name string
		size int
		off  int
		text bool
	}{
		{"start", 4 << 10, 0, false},
		{"middle", 300 << 10, 150 << 10, false},
		{"text", 200 << 10, 100<<10 + 3, true},
		{"across-64k", 256 << 10, 64<<10 - 7, false},
		{"across-1m", 3 << 20, 1<<20 - 9, false},
		{"end", 2<<20 + 123, -1, false},
	}
	for i, s := range picks {
		body, err := instantiate(r, s.hex)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		p := places[i%len(places)]
		data := filler(r, max(p.size, len(body)+1), p.text)
		off := p.off
		if off < 0 || off+len(body) > len(data) {
			off = len(data) - len(body)
		}
		copy(data[off:], body)
		if err := write(fmt.Sprintf("body-%d-%s.bin", i, p.name), data, s.name); err != nil {
			return err
		}
	}
	// A near miss: a plain signature with its last byte changed.
	if i := slices.IndexFunc(sigs, func(s sig) bool { return !strings.ContainsAny(s.hex, "?{*(") }); i >= 0 {
		body, _ := instantiate(r, sigs[i].hex)
		body[len(body)-1] ^= 0x5a
		data := filler(r, 64<<10, false)
		copy(data[1000:], body)
		if err := write("clean-near-miss.bin", data, ""); err != nil {
			return err
		}
	}

	// Hash signatures: MD5:size:name of random files.
	var hdb bytes.Buffer
	for i, size := range []int{1 << 10, 37_000, 1 << 20} {
		data := filler(r, size, i%2 == 1)
		sum := md5.Sum(data)
		name := fmt.Sprintf("Bench.Planted.Hash-%d", i)
		fmt.Fprintf(&hdb, "%s:%d:%s\n", hex.EncodeToString(sum[:]), size, name)
		if err := write(fmt.Sprintf("hash-%d.bin", i), data, name); err != nil {
			return err
		}
		if i == 0 { // the same bytes plus one: a different MD5 and size
			if err := write("clean-hash-plus-one.bin", append(data, 'x'), ""); err != nil {
				return err
			}
		}
	}
	if err := os.WriteFile(filepath.Join(out, "planted.hdb"), hdb.Bytes(), 0o644); err != nil {
		return err
	}
	for i, text := range []bool{false, true} {
		if err := write(fmt.Sprintf("clean-%d.bin", i), filler(r, 500<<10, text), ""); err != nil {
			return err
		}
	}
	if big {
		s := picks[len(picks)-1]
		body, _ := instantiate(r, s.hex)
		data := filler(r, 100<<20, false)
		copy(data[len(data)-len(body):], body)
		if err := write("big-tail.bin", data, s.name); err != nil {
			return err
		}
	}
	slices.Sort(expected)
	return os.WriteFile(filepath.Join(out, "expected.txt"), []byte(strings.Join(expected, "\n")+"\n"), 0o644)
}

// readNDB returns the signatures of every .ndb file in dir, in order.
func readNDB(dir string) ([]sig, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.ndb"))
	if err != nil {
		return nil, err
	}
	var sigs []sig
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Split(sc.Text(), ":")
			if len(fields) >= 4 && fields[1] == "0" && fields[2] == "*" {
				sigs = append(sigs, sig{fields[0], fields[3]})
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return sigs, nil
}

// instantiate returns bytes that the hex signature matches: "??" and
// nibble wildcards become random, "{n-m}" n random bytes, "{n-}" and "*"
// three, "(a|b)" the first alternative.
func instantiate(r *rand.Rand, s string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '*':
			out = append(out, randBytes(r, 3)...)
			i++
		case c == '{':
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				return nil, fmt.Errorf("unclosed {")
			}
			lo, _, _ := strings.Cut(s[i+1:i+j], "-")
			n, err := strconv.Atoi(lo)
			if err != nil {
				n = 0
			}
			out = append(out, randBytes(r, n)...)
			i += j + 1
		case c == '(':
			j := strings.IndexByte(s[i:], ')')
			if j < 0 {
				return nil, fmt.Errorf("unclosed (")
			}
			alt, _, _ := strings.Cut(s[i+1:i+j], "|")
			b, err := instantiate(r, alt)
			if err != nil {
				return nil, err
			}
			out = append(out, b...)
			i += j + 1
		case i+1 < len(s):
			hi, lo := s[i], s[i+1]
			v := byte(r.Uint32())
			if hi != '?' {
				h, err := strconv.ParseUint(string(hi), 16, 8)
				if err != nil {
					return nil, fmt.Errorf("bad hex %q", s[i:i+2])
				}
				v = v&0x0f | byte(h)<<4
			}
			if lo != '?' {
				l, err := strconv.ParseUint(string(lo), 16, 8)
				if err != nil {
					return nil, fmt.Errorf("bad hex %q", s[i:i+2])
				}
				v = v&0xf0 | byte(l)
			}
			out = append(out, v)
			i += 2
		default:
			return nil, fmt.Errorf("odd hex length")
		}
	}
	return out, nil
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// filler is random bytes or text-like bytes, as the benchmark corpus.
func filler(r *rand.Rand, n int, text bool) []byte {
	if !text {
		return randBytes(r, n)
	}
	const words = "the quick brown fox jumps over lazy dog GET /index.html HTTP/1.1 200 user=alice error timeout\n"
	b := make([]byte, n)
	for i := range b {
		b[i] = words[r.IntN(len(words))]
	}
	return b
}
