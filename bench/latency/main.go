// Command latency measures Malware Protection for S3's upload-to-tag
// latency on loopback: it starts "vigil serve" with a protection plan for
// one bucket, then versitygw with --event-webhook-url pointing at Vigil's
// /s3-events (Vigil first: versitygw posts a test event at start and exits
// if nobody answers), uploads objects of several sizes with the AWS SDK for
// Go v2, one at a time, and for each measures the time from PutObject
// returning to the GuardDutyMalwareScanStatus tag being visible, polling
// GetObjectTagging. Half the objects are clean (random bytes), half carry
// the EICAR string at a random offset; each tag is checked against that.
//
//	go run ./bench/latency [-vigil bench/out/vigil] [-db SIGDIR] [-n 50] [-sizes 1KB,100KB,1MB,10MB] [-poll 10ms]
//
// -db is the signature folder Vigil loads (its files are linked into a
// private folder, next to an .ndb body signature for EICAR, so that EICAR
// inside a larger object is found as well as the built-in EICAR-file check
// would find the bare 68 bytes). It prints p50, p90, p99 and max per size
// and exits 1 when a tag is wrong or missing.
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const (
	tagKey    = "GuardDutyMalwareScanStatus"
	bucket    = "latency"
	accessKey = "benchkey"
	secretKey = "benchsecret123"
)

// eicar is the EICAR test string, joined at run time so that this source
// file is not itself flagged by scanners.
func eicar() []byte {
	return []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$` + "EICAR-STANDARD-ANTIVIRUS-" + `TEST-FILE!$H+H*`)
}

type options struct {
	vigil, versitygw, db, work string
	n                          int
	sizes                      []int
	poll, timeout              time.Duration
	keep                       bool
}

func main() {
	var o options
	var sizes string
	flag.StringVar(&o.vigil, "vigil", "bench/out/vigil", "vigil binary")
	flag.StringVar(&o.versitygw, "versitygw", "", "versitygw binary (default: on PATH, else ~/go/bin/versitygw)")
	flag.StringVar(&o.db, "db", "", "signature folder for Vigil (default: the built-in EICAR check only, plus the EICAR body signature)")
	flag.StringVar(&o.work, "work", "", "working folder (default: a temporary one, removed at the end)")
	flag.IntVar(&o.n, "n", 100, "objects per size (half clean, half with EICAR)")
	flag.StringVar(&sizes, "sizes", "1KB,100KB,1MB,10MB", "object sizes (KB = 1024 bytes)")
	flag.DurationVar(&o.poll, "poll", 10*time.Millisecond, "GetObjectTagging polling interval")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "longest wait for one tag")
	flag.BoolVar(&o.keep, "keep", false, "keep the working folder")
	flag.Parse()
	var err error
	if o.sizes, err = parseSizes(sizes); err != nil {
		fatal(err)
	}
	if o.versitygw == "" {
		o.versitygw = findVersitygw()
	}
	if err := run(o); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "latency:", err)
	os.Exit(1)
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.ToUpper(strings.TrimSpace(f))
		mult := 1
		for suf, m := range map[string]int{"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30} {
			if strings.HasSuffix(f, suf) {
				f, mult = strings.TrimSuffix(f, suf), m
				break
			}
		}
		n, err := strconv.Atoi(strings.TrimSuffix(f, "B"))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad size %q", f)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

func findVersitygw() string {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "bin", "versitygw")
	}
	return "versitygw"
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// process is a started server whose output goes to a log file.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan error
}

func start(name, logPath string, env []string, bin string, args ...string) (*process, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait(); lf.Close() }()
	return p, nil
}

func (p *process) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// waitHTTP waits until url answers 200, or the process exits.
func (p *process) waitHTTP(url string, within time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-p.done:
			out, _ := os.ReadFile(p.log)
			return fmt.Errorf("%s exited (%v):\n%s", p.name, err, out)
		default:
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	out, _ := os.ReadFile(p.log)
	return fmt.Errorf("%s: %s did not answer within %s:\n%s", p.name, url, within, out)
}

// signatureFolder links the files of db (if any) into dir and adds an
// .ndb body signature for the EICAR string.
func signatureFolder(db, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if db != "" {
		entries, err := os.ReadDir(db)
		if err != nil {
			return err
		}
		for _, e := range entries {
			abs, err := filepath.Abs(filepath.Join(db, e.Name()))
			if err != nil {
				return err
			}
			if err := os.Symlink(abs, filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	line := "Bench.EICAR.Body:0:*:" + hex.EncodeToString(eicar()) + "\n"
	return os.WriteFile(filepath.Join(dir, "bench-eicar.ndb"), []byte(line), 0o644)
}

func run(o options) error {
	work := o.work
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "vigil-latency-"); err != nil {
			return err
		}
	}
	if !o.keep && o.work == "" {
		defer os.RemoveAll(work)
	}
	sigs, data, root := filepath.Join(work, "signatures"), filepath.Join(work, "vigil-data"), filepath.Join(work, "s3")
	for _, d := range []string{data, root} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := signatureFolder(o.db, sigs); err != nil {
		return err
	}
	vigilAddr, err := freePort()
	if err != nil {
		return err
	}
	s3Addr, err := freePort()
	if err != nil {
		return err
	}
	endpoint := "http://" + s3Addr
	cfg := fmt.Sprintf(`data_dir: %s
listen: %s
log: {level: warn}
s3: {endpoint: %s, region: us-east-1, path_style: true, access_key_id: %s, secret_access_key: %s}
malware_protection:
  signatures: %s
  plans:
    - bucket: %s
      key_decoding: raw
`, data, vigilAddr, endpoint, accessKey, secretKey, sigs, bucket)
	cfgPath := filepath.Join(work, "vigil.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}

	t0 := time.Now()
	vigil, err := start("vigil serve", filepath.Join(work, "vigil.log"), nil, o.vigil, "serve", "--config", cfgPath)
	if err != nil {
		return err
	}
	defer vigil.stop()
	if err := vigil.waitHTTP("http://"+vigilAddr+"/healthz", 60*time.Second); err != nil {
		return err
	}
	fmt.Printf("vigil serve up in %.2f s (signatures: %s)\n", time.Since(t0).Seconds(), cmpOr(o.db, "built-in only"))
	gw, err := start("versitygw", filepath.Join(work, "versitygw.log"),
		[]string{"ROOT_ACCESS_KEY_ID=" + accessKey, "ROOT_SECRET_ACCESS_KEY=" + secretKey},
		o.versitygw, "--port", s3Addr, "--health", "/health", "--quiet",
		"--event-webhook-url", "http://"+vigilAddr+"/s3-events", "posix", root)
	if err != nil {
		return err
	}
	defer gw.stop()
	if err := gw.waitHTTP(endpoint+"/health", 15*time.Second); err != nil {
		return err
	}

	ctx := context.Background()
	client := s3.New(s3.Options{
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               true,
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		DisableLogOutputChecksumValidationSkipped: true,
	})
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return fmt.Errorf("create bucket: %w", err)
	}
	r := rand.New(rand.NewChaCha8([32]byte{1}))
	// Warm up: connections, the scanner's first allocations.
	for i := range 4 {
		if _, _, err := measure(ctx, client, o, fmt.Sprintf("warmup/%d", i), object(r, 1<<10, i%2 == 1), i%2 == 1); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	fmt.Printf("%d objects per size, one at a time, half with EICAR; tag polled every %s\n\n", o.n, o.poll)
	fmt.Printf("| size | objects | PutObject p50 | tag p50 | tag p90 | tag p99 | tag max |\n|---|---|---|---|---|---|---|\n")
	var bad []string
	var samples []sample
	worst := time.Duration(0)
	for _, size := range o.sizes {
		var puts, lats []time.Duration
		for i := range o.n {
			infected := i%2 == 1
			key := fmt.Sprintf("lat/%s/%03d.bin", sizeName(size), i)
			put, lat, err := measure(ctx, client, o, key, object(r, size, infected), infected)
			if err != nil {
				bad = append(bad, err.Error())
				continue
			}
			puts, lats = append(puts, put), append(lats, lat)
			samples = append(samples, sample{key: key, size: size, uploaded: time.Now().Add(-lat), lat: lat})
		}
		slices.Sort(puts)
		slices.Sort(lats)
		if len(lats) == 0 {
			continue
		}
		worst = max(worst, pct(lats, 99))
		fmt.Printf("| %s | %d | %s | %s | %s | **%s** | %s |\n", sizeName(size), len(lats),
			ms(pct(puts, 50)), ms(pct(lats, 50)), ms(pct(lats, 90)), ms(pct(lats, 99)), ms(lats[len(lats)-1]))
	}
	fmt.Println()
	verdict := "met"
	if worst >= time.Second {
		verdict = "NOT met"
	}
	fmt.Printf("target p99 < 1 s: %s (worst p99 %s)\n", verdict, ms(worst))
	if err := breakdown(o.vigil, data, samples); err != nil {
		fmt.Fprintln(os.Stderr, "latency: breakdown:", err)
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d objects without the right tag:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	return nil
}

// sample is one measured object.
type sample struct {
	key      string
	size     int
	uploaded time.Time // when PutObject returned
	lat      time.Duration
}

// breakdown splits each latency with Vigil's scan records (vigil scans
// list): from PutObject returning to the scan starting (notification,
// queue), the scan itself (GetObject, scan, PutObjectTagging), and from the
// scan's end to the poll seeing the tag. Scan records have millisecond
// precision.
func breakdown(vigil, data string, samples []sample) error {
	out, err := exec.Command(vigil, "scans", "list", "--data-dir", data, "--json", "--limit", strconv.Itoa(len(samples)+100)).Output()
	if err != nil {
		return err
	}
	type record struct {
		Key         string    `json:"key"`
		StartedAt   time.Time `json:"startedAt"`
		CompletedAt time.Time `json:"completedAt"`
	}
	recs := map[string]record{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var r record
		if err := dec.Decode(&r); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if _, dup := recs[r.Key]; dup {
			return fmt.Errorf("%s scanned more than once", r.Key)
		}
		recs[r.Key] = r
	}
	type parts struct{ wait, scan, seen []time.Duration }
	bySize := map[int]*parts{}
	var sizes []int
	type slow struct {
		s                sample
		wait, scan, seen time.Duration
	}
	var slowest []slow
	for _, s := range samples {
		r, ok := recs[s.key]
		if !ok {
			return fmt.Errorf("no scan record for %s", s.key)
		}
		p := bySize[s.size]
		if p == nil {
			p = &parts{}
			bySize[s.size] = p
			sizes = append(sizes, s.size)
		}
		w, sc, se := r.StartedAt.Sub(s.uploaded), r.CompletedAt.Sub(r.StartedAt), s.uploaded.Add(s.lat).Sub(r.CompletedAt)
		p.wait, p.scan, p.seen = append(p.wait, w), append(p.scan, sc), append(p.seen, se)
		slowest = append(slowest, slow{s, w, sc, se})
	}
	fmt.Printf("\nWhere the time goes (Vigil's scan records, ms precision): PutObject return -> scan start (notification, queue); scan start -> end (GetObject, scan, PutObjectTagging); scan end -> tag seen by the poll\n\n")
	fmt.Printf("| size | to scan start p50 / p99 | scan p50 / p99 | to tag seen p50 / p99 |\n|---|---|---|---|\n")
	for _, size := range sizes {
		p := bySize[size]
		for _, d := range [][]time.Duration{p.wait, p.scan, p.seen} {
			slices.Sort(d)
		}
		fmt.Printf("| %s | %s / %s | %s / %s | %s / %s |\n", sizeName(size), ms(pct(p.wait, 50)), ms(pct(p.wait, 99)),
			ms(pct(p.scan, 50)), ms(pct(p.scan, 99)), ms(pct(p.seen, 50)), ms(pct(p.seen, 99)))
	}
	slices.SortFunc(slowest, func(a, b slow) int { return cmp.Compare(b.s.lat, a.s.lat) })
	fmt.Printf("\nslowest objects:\n")
	for _, s := range slowest[:min(5, len(slowest))] {
		fmt.Printf("  %s: %s = %s to scan start + %s scan + %s to tag seen\n", s.s.key, ms(s.s.lat), ms(s.wait), ms(s.scan), ms(s.seen))
	}
	return nil
}

// object is size random bytes; infected ones carry EICAR at a random
// offset.
func object(r *rand.Rand, size int, infected bool) []byte {
	b := make([]byte, size)
	for i := 0; i < len(b); i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < len(b); j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	if infected {
		e := eicar()
		copy(b[r.IntN(len(b)-len(e)+1):], e)
	}
	return b
}

// measure uploads one object and returns how long PutObject took and the
// time from its return to the scan tag being visible, checking the tag.
func measure(ctx context.Context, c *s3.Client, o options, key string, data []byte, infected bool) (put, lat time.Duration, err error) {
	start := time.Now()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)}); err != nil {
		return 0, 0, fmt.Errorf("put %s: %w", key, err)
	}
	uploaded := time.Now()
	want := "NO_THREATS_FOUND"
	if infected {
		want = "THREATS_FOUND"
	}
	for {
		out, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return 0, 0, fmt.Errorf("get tags of %s: %w", key, err)
		}
		for _, t := range out.TagSet {
			if aws.ToString(t.Key) == tagKey {
				lat = time.Since(uploaded)
				if v := aws.ToString(t.Value); v != want {
					return 0, 0, fmt.Errorf("%s: %s=%s, want %s", key, tagKey, v, want)
				}
				return uploaded.Sub(start), lat, nil
			}
		}
		if time.Since(uploaded) > o.timeout {
			return 0, 0, errors.New(key + ": no scan tag after " + o.timeout.String())
		}
		time.Sleep(o.poll)
	}
}

// pct is the p-th percentile of sorted d (nearest rank).
func pct(d []time.Duration, p int) time.Duration {
	i := (p*len(d) + 99) / 100
	return d[min(max(i-1, 0), len(d)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
