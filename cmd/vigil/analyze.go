package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/detect"
	_ "github.com/vigil-sec/vigil/internal/detect/all" // built-in detectors
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/pipeline"
	"github.com/vigil-sec/vigil/internal/source"
	_ "github.com/vigil-sec/vigil/internal/source/cloudtrail" // log formats
	_ "github.com/vigil-sec/vigil/internal/source/flowlogs"
	_ "github.com/vigil-sec/vigil/internal/source/route53"
)

func runAnalyze(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: vigil analyze [options] PATH|s3://bucket/prefix ...\n\nReads the logs once (history included) and prints the findings, most severe first.")
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "print one GuardDuty finding JSON per line instead of a table")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "parallel file readers")
	minSev := fs.String("severity", "", "only print findings of this severity or higher: low, medium, high, critical")
	quiet := fs.Bool("quiet", false, "do not print the summary on stderr")
	maxBytes := fs.Int64("max-file-bytes", config.DefaultMaxFileBytes, "largest decompressed size of one log file; the rest of a larger one is reported and skipped")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file (for performance work)")
	showUsage := fs.Bool("usage", false, "also print on stderr the work done as GuardDuty meters it: per day, account, region and dimension")
	var lf logFlags
	var s3f s3Flags
	var inf intelFlags
	lf.register(fs)
	s3f.register(fs)
	inf.register(fs)
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		fs.Usage()
		return usagef("analyze: give at least one PATH or s3:// URL")
	}
	var min finding.Level
	if *minSev != "" {
		if min, err = finding.ParseLevel(*minSev); err != nil {
			return usageError{err}
		}
	}
	log, err := newLogger(os.Stderr, lf.level, lf.format)
	if err != nil {
		return err
	}
	cfg, err := inf.load()
	if err != nil {
		return err
	}
	s3o := s3OptionsFrom(cfg.S3)
	s3f.apply(&s3o)
	ti, err := loadIntel(ctx, cfg, s3o, log)
	if err != nil {
		return err
	}
	var listers []source.Lister
	for _, p := range paths {
		l, err := source.Open(ctx, p, s3o)
		if err != nil {
			return err
		}
		listers = append(listers, l)
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	inv, _, err := newInventory(ctx, cfg, s3o, log)
	if err != nil {
		return err
	}
	eo, err := engineOptions(cfg, log, nil, ti.Current, inv)
	if err != nil {
		return err
	}
	eng := detect.New(detect.Registered(), eo)
	start := time.Now()
	cpu0 := cpuTime()
	stopProgress := progress(*quiet, eng)
	var usage *pipeline.UsageTotals
	if *showUsage {
		usage = &pipeline.UsageTotals{}
	}
	fsOut, st, err := pipeline.Analyze(ctx, pipeline.AnalyzeOptions{
		Listers: listers, Engine: eng, Workers: *workers, Logger: log, MaxFileBytes: *maxBytes,
		Usage: usageStore(usage), Inventory: inv,
	})
	stopProgress()
	if err != nil {
		return err
	}
	var shown []finding.Finding
	for _, f := range fsOut {
		if min == 0 || finding.LevelOf(f.Severity) >= min {
			shown = append(shown, f)
		}
	}
	if *asJSON {
		err = printJSONLines(os.Stdout, shown)
	} else {
		err = printTable(os.Stdout, shown)
	}
	if err != nil {
		return err
	}
	if !*quiet {
		printSummary(os.Stderr, st, len(fsOut), time.Since(start), cpuTime()-cpu0)
	}
	if usage != nil {
		if err := printUsageTable(os.Stderr, usage.Records()); err != nil {
			return err
		}
	}
	if st.Errors > 0 || st.Failed > 0 {
		return statusError{code: exitError, msg: fmt.Sprintf("input not read completely: %s (see the warnings above); the rest was analysed",
			plural(st.Errors, "problem"))}
	}
	return nil
}

func printJSONLines(w io.Writer, fs []finding.Finding) error {
	enc := json.NewEncoder(w)
	for i := range fs {
		if err := enc.Encode(&fs[i]); err != nil {
			return err
		}
	}
	return nil
}

func printTable(w io.Writer, fs []finding.Finding) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tTYPE\tACCOUNT\tREGION\tCOUNT\tRESOURCE\tLAST SEEN\tID")
	for _, f := range fs {
		fmt.Fprintf(tw, "%s %.1f\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", finding.LevelOf(f.Severity), f.Severity, f.Type,
			f.AccountID, f.Region, f.Service.Count, resourceName(&f), f.Service.EventLastSeen, f.ID)
	}
	return tw.Flush()
}

// resourceName is a short human name for a finding's resource.
func resourceName(f *finding.Finding) string {
	r := f.Resource
	var parts []string
	if len(r.S3BucketDetails) > 0 {
		parts = append(parts, "bucket "+r.S3BucketDetails[0].Name)
	}
	if r.InstanceDetails != nil {
		parts = append(parts, r.InstanceDetails.InstanceID)
	}
	if k := r.AccessKeyDetails; k != nil {
		name := k.UserName
		if k.AccessKeyID != "" {
			name += " (" + k.AccessKeyID + ")"
		}
		parts = append(parts, strings.TrimSpace(name))
	}
	if len(parts) == 0 {
		return r.ResourceType
	}
	return strings.Join(parts, ", ")
}

func printSummary(w io.Writer, st pipeline.Stats, findings int, wall, cpu time.Duration) {
	rate := func(d time.Duration) float64 {
		if d <= 0 {
			return 0
		}
		return float64(st.Events) / d.Seconds()
	}
	fmt.Fprintf(w, "vigil: %s read (%s failed), %d records, %d events, %s, %s; %s in %.2fs (%.0f events/s, %.0f events/s per CPU-second)\n",
		plural(st.Files, "file"), plural(st.Failed, "file"), st.Records, st.Events, plural(st.Errors, "problem"),
		humanBytes(st.Bytes), plural(findings, "finding"), wall.Seconds(), rate(wall), rate(cpu))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// progress prints the events processed every few seconds on a terminal.
func progress(quiet bool, eng *detect.Engine) func() {
	if quiet || !isTerminal(os.Stderr) {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(os.Stderr, "\rvigil: %d events analysed...", eng.Stats().Events)
			}
		}
	}()
	return func() { close(done); fmt.Fprint(os.Stderr, "\r\033[K") }
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
