package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/malware"
	"github.com/vigil-sec/vigil/internal/malware/clamd"
	"github.com/vigil-sec/vigil/internal/malware/signature"
	"github.com/vigil-sec/vigil/internal/malware/yara"
	"github.com/vigil-sec/vigil/internal/protect"
	"github.com/vigil-sec/vigil/internal/source"
)

// scanFlags are the options of "vigil scan".
type scanFlags struct {
	db, yaraDir, clamdAddr string
	dbInfo, asJSON         bool
	infectedOnly, quiet    bool
	excludes               multiFlag
	instanceID             string
	account, region        string
	dataDir                string
	tag                    bool
	workers                int
	limits                 malware.Limits
	log                    logFlags
	s3                     s3Flags
}

func (f *scanFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.db, "db", "", "signature folder: ClamAV .hdb .hsb .mdb .ndb and hash lists (default DATA-DIR/signatures when it exists)")
	fs.StringVar(&f.db, "d", "", "short for --db")
	fs.BoolVar(&f.dbInfo, "db-info", false, "print what the signature folder holds and exit")
	fs.StringVar(&f.yaraDir, "yara", "", "folder of YARA rules (*.yar, *.yara); needs a build with -tags yara")
	fs.StringVar(&f.clamdAddr, "clamd", "", "also scan with clamd at unix:/path or tcp:host:port")
	fs.BoolVar(&f.asJSON, "json", false, "one JSON result per scanned file or object instead of text")
	fs.BoolVar(&f.infectedOnly, "infected", false, "print only infected files (as clamscan -i)")
	fs.BoolVar(&f.infectedOnly, "i", false, "short for --infected")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar and no summary")
	fs.Var(&f.excludes, "exclude", "skip files and folders whose path or name matches this glob (repeatable)")
	fs.StringVar(&f.instanceID, "instance-id", "", "the folders are this EC2 instance's volumes: store an Execution:EC2/MaliciousFile finding when threats are found, and the bytes scanned as usage")
	fs.StringVar(&f.account, "account", "000000000000", "account id of findings")
	fs.StringVar(&f.region, "region", "us-east-1", "region of findings")
	fs.StringVar(&f.dataDir, "data-dir", config.DefaultDataDir, "data dir: default signatures, scan records and findings")
	fs.BoolVar(&f.tag, "tag", false, "s3:// scans: write the GuardDutyMalwareScanStatus tag on each object")
	fs.IntVar(&f.workers, "workers", 2, "files scanned at once")
	fs.Int64Var(&f.limits.MaxObjectBytes, "max-object-bytes", 0, "larger objects are UNSUPPORTED (default 100 GiB)")
	fs.IntVar(&f.limits.MaxDepth, "max-depth", 0, "deepest archive nesting opened (default 5)")
	fs.IntVar(&f.limits.MaxFiles, "max-files", 0, "most files extracted from one object (default 10000)")
	fs.Int64Var(&f.limits.MaxExtractedBytes, "max-extracted-bytes", 0, "most bytes extracted from one object (default 16 GiB)")
	fs.Int64Var(&f.limits.MaxRatio, "max-ratio", 0, "highest compression ratio before an archive counts as a bomb (default 250)")
	f.log.register(fs)
	f.s3.register(fs)
}

func runScan(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: vigil scan [options] FILE|DIR|s3://bucket[/prefix] ...\n\nScans files, folders (mounted volumes) and S3 objects for malware, inside archives too.\nExit status: 0 no threats, 1 threats found, 2 errors.")
		fs.PrintDefaults()
	}
	var f scanFlags
	f.register(fs)
	targets, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	log, err := newLogger(os.Stderr, cmpOr(f.log.level, "warn"), f.log.format)
	if err != nil {
		return err
	}
	db, err := f.loadDB(log)
	if err != nil {
		return err
	}
	if f.dbInfo {
		return printDBInfo(os.Stdout, db, f.asJSON)
	}
	if len(targets) == 0 {
		fs.Usage()
		return usagef("scan: give at least one FILE, DIR or s3:// URL")
	}
	engines, closeEngines, err := f.engines(db)
	if err != nil {
		return err
	}
	defer closeEngines()
	sc, err := malware.NewScanner(malware.ScannerOptions{
		Engines: func() []malware.Engine { return engines }, Limits: f.limits, Logger: log,
	})
	if err != nil {
		return err
	}
	run := &scanRun{f: &f, sc: sc, out: os.Stdout, start: time.Now(), known: db.Info().Signatures() + 1} // + the built-in EICAR signature
	for _, t := range targets {
		if source.IsS3URL(t) {
			err = run.scanS3(ctx, t, log)
		} else {
			err = run.scanLocal(ctx, []string{t})
		}
		if err != nil {
			return err
		}
	}
	return run.finish(ctx)
}

// loadDB loads the signature folder: --db, else DATA-DIR/signatures when
// it exists; the built-in EICAR signature is always there.
func (f *scanFlags) loadDB(log *slog.Logger) (*signature.DB, error) {
	dir := f.db
	if dir == "" {
		def := filepath.Join(f.dataDir, "signatures")
		if st, err := os.Stat(def); err == nil && st.IsDir() {
			dir = def
		}
	}
	if dir == "" {
		return signature.Builtin(), nil
	}
	db, err := signature.Load(dir)
	if db == nil {
		return nil, fmt.Errorf("signatures: %w", err)
	}
	if err != nil {
		log.Warn("some signatures were not loaded", "db", dir, "err", err)
	}
	return db, nil
}

// engines returns the signature engines plus YARA and clamd when asked.
func (f *scanFlags) engines(db *signature.DB) ([]malware.Engine, func(), error) {
	engines := db.Engines()
	var closers []func()
	if f.yaraDir != "" {
		y, err := yara.Load(f.yaraDir, yara.Options{})
		if y == nil {
			return nil, nil, err
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "vigil: some YARA rules were not loaded: %v\n", err)
		}
		engines = append(engines, y)
		closers = append(closers, func() { y.Close() })
	}
	if f.clamdAddr != "" {
		c, err := clamd.New(clamd.Options{Address: f.clamdAddr})
		if err != nil {
			return nil, nil, err
		}
		engines = append(engines, c)
	}
	return engines, func() {
		for _, c := range closers {
			c()
		}
	}, nil
}

func printDBInfo(w io.Writer, db *signature.DB, asJSON bool) error {
	info := db.Info()
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	fmt.Fprintf(w, "Signature folder: %s (loaded in %v)\n", cmpOr(info.Dir, "(none: built-in only)"), info.LoadTime.Round(time.Millisecond))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tKIND\tSIGNATURES\tSKIPPED\tNOTE")
	for _, f := range info.Files {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", f.Name, f.Kind, f.Signatures, f.Skipped, f.Note)
	}
	tw.Flush()
	fmt.Fprintf(w, "Total: %d signatures (%d hash, %d PE section, %d body; %d body signatures on the slow path) plus the built-in EICAR signature\n",
		info.Signatures(), info.HashSignatures, info.SectionSignatures, info.BodySignatures, info.Body.Slow+info.Body.SlowFloat)
	for _, p := range info.Problems {
		fmt.Fprintf(w, "Problem: %v\n", p)
	}
	if info.MoreProblems > 0 {
		fmt.Fprintf(w, "Problem: ... and %d more\n", info.MoreProblems)
	}
	fmt.Fprintf(w, "Container formats opened: %s\n", strings.Join(malware.ContainerFormats(), ", "))
	return nil
}

// scanRun accumulates the results of one "vigil scan".
type scanRun struct {
	f     *scanFlags
	sc    *malware.Scanner
	out   io.Writer
	start time.Time
	known int

	mu                  sync.Mutex
	files, infected     int
	unsupported, errors int
	bytes               int64
	infectedFiles       []protect.FileResult
	roots               []string
}

// report prints and counts one result.
func (r *scanRun) report(name string, res malware.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files++
	r.bytes += res.Bytes
	switch res.Status {
	case malware.ThreatsFound:
		r.infected++
		r.infectedFiles = append(r.infectedFiles, protect.FileResult{Path: name, Result: res})
	case malware.Unsupported:
		r.unsupported++
	case malware.AccessDenied, malware.Failed:
		r.errors++
	}
	if r.f.asJSON {
		json.NewEncoder(r.out).Encode(struct {
			Path string `json:"path"`
			malware.Result
		}{name, res})
		return
	}
	switch {
	case res.Status == malware.ThreatsFound:
		for _, t := range res.Threats {
			fmt.Fprintf(r.out, "%s: %s FOUND\n", cmpOr(t.Path, name), t.Name)
		}
	case r.f.infectedOnly:
	case res.Status == malware.NoThreatsFound:
		fmt.Fprintf(r.out, "%s: OK\n", name)
	default:
		fmt.Fprintf(r.out, "%s: %s (%s)\n", name, res.Status, res.Reason)
	}
}

// scanLocal scans files and folders with a progress bar.
func (r *scanRun) scanLocal(ctx context.Context, paths []string) error {
	files, total, errs := walkFiles(paths, r.f.excludes)
	for _, err := range errs {
		fmt.Fprintf(os.Stderr, "vigil: %v\n", err)
		r.mu.Lock()
		r.errors++
		r.mu.Unlock()
	}
	r.roots = append(r.roots, paths...)
	bar := startProgress(len(files), total, !r.f.quiet && !r.f.asJSON)
	defer bar.finish()
	jobs := make(chan scanFile)
	var wg sync.WaitGroup
	for range max(r.f.workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sf := range jobs {
				res := r.sc.ScanFile(ctx, sf.path)
				bar.add(sf.size)
				r.report(sf.path, res)
			}
		}()
	}
	for _, sf := range files {
		select {
		case jobs <- sf:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	return ctx.Err()
}

// scanS3 scans existing objects under an s3:// prefix on demand.
func (r *scanRun) scanS3(ctx context.Context, url string, log *slog.Logger) error {
	bucket, prefix, err := source.ParseURL(url)
	if err != nil {
		return usageError{err}
	}
	o := source.S3Options{}
	r.f.s3.apply(&o)
	client, err := protect.NewS3Client(ctx, o)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, r.f.dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := protect.New(protect.Options{S3: client, Scanner: r.sc, Store: db, AccountID: r.f.account,
		Region: r.f.region, Workers: r.f.workers, Logger: log, DetectorID: ensureIDOrEmpty(r.f.dataDir)})
	if err != nil {
		return err
	}
	for rec, err := range p.ScanPrefix(ctx, bucket, prefix, protect.OnDemand{Tagging: r.f.tag, Workers: r.f.workers}) {
		if err != nil {
			return err
		}
		res := malware.Result{Status: malware.Status(rec.Status), Reason: rec.Reason, Bytes: rec.Size, SHA256: rec.SHA256}
		for _, t := range rec.Threats {
			path := t.Path // the key, or "key!member" inside an archive
			if path != "" {
				path = "s3://" + rec.Bucket + "/" + path
			}
			res.Threats = append(res.Threats, malware.Threat{Name: t.Name, Path: path, SHA256: t.SHA256, Engine: t.Engine})
		}
		r.report("s3://"+rec.Bucket+"/"+rec.Key, res)
	}
	return nil
}

// finish stores the volume finding, prints the summary and sets the exit
// status: 1 when threats were found, 2 when something could not be scanned.
func (r *scanRun) finish(ctx context.Context) error {
	if r.f.instanceID != "" {
		if err := r.recordVolumeUsage(ctx); err != nil {
			return err
		}
	}
	if r.f.instanceID != "" && len(r.infectedFiles) > 0 {
		if err := r.storeVolumeFinding(ctx); err != nil {
			return err
		}
	}
	if !r.f.quiet && !r.f.asJSON {
		el := time.Since(r.start)
		fmt.Fprintf(r.out, "\n----------- SCAN SUMMARY -----------\nKnown viruses: %d\nEngine version: vigil %s\nScanned files: %d\nInfected files: %d\nUnsupported files: %d\nErrors: %d\nData scanned: %.2f MB\nTime: %.3f sec (%d m %d s)\n",
			r.known, versionString(), r.files, r.infected, r.unsupported, r.errors, float64(r.bytes)/1e6,
			el.Seconds(), int(el.Minutes()), int(el.Seconds())%60)
	}
	switch {
	case r.infected > 0:
		return statusError{code: 1}
	case r.errors > 0:
		return statusError{code: 2}
	}
	return nil
}

func (r *scanRun) storeVolumeFinding(ctx context.Context) error {
	db, err := openStore(ctx, r.f.dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	id, err := ensureDetectorID(&config.Config{DataDir: r.f.dataDir})
	if err != nil {
		return err
	}
	var raw [16]byte
	rand.Read(raw[:])
	f := protect.VolumeFinding(protect.VolumeScan{
		ScanID: hex.EncodeToString(raw[:]), InstanceID: r.f.instanceID, AccountID: r.f.account, Region: r.f.region,
		Sources: r.roots, Started: r.start, Completed: time.Now(), Files: r.files, Bytes: r.bytes,
	}, r.infectedFiles, id)
	if _, err := db.UpsertFindings(ctx, []finding.Finding{f}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "vigil: stored finding %s (%s)\n", f.ID, f.Type)
	return nil
}

// ensureIDOrEmpty returns the data dir's detector id, making one if
// needed; on failure it returns "" (no findings).
func ensureIDOrEmpty(dataDir string) string {
	id, err := ensureDetectorID(&config.Config{DataDir: dataDir})
	if err != nil {
		return ""
	}
	return id
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
