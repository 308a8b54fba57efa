package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

func runFindings(ctx context.Context, args []string) error {
	sub := map[string]func(context.Context, []string) error{
		"list": findingsList, "show": findingsShow, "sample": findingsSample, "export": findingsExport,
		"archive":   func(ctx context.Context, a []string) error { return findingsArchive(ctx, a, true) },
		"unarchive": func(ctx context.Context, a []string) error { return findingsArchive(ctx, a, false) },
	}
	if len(args) == 0 || sub[args[0]] == nil {
		fmt.Fprintln(os.Stderr, "Usage: vigil findings list|show|archive|unarchive|sample|export [options]")
		if len(args) == 0 {
			return usagef("findings: give a subcommand")
		}
		return usagef("findings: unknown subcommand %q", args[0])
	}
	return sub[args[0]](ctx, args[1:])
}

func openStore(ctx context.Context, dataDir string) (*sqlite.DB, error) {
	if dataDir == "" {
		dataDir = config.DefaultDataDir
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	return sqlite.Open(ctx, filepath.Join(dataDir, "vigil.db"), nil)
}

func findingsList(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("findings list", flag.ContinueOnError)
	dataDir := fs.String("data-dir", config.DefaultDataDir, "the data dir of vigil serve")
	sev := fs.String("severity", "", "minimum severity: low, medium, high or critical")
	typ := fs.String("type", "", "only types starting with this prefix, e.g. Policy:IAMUser/ or Stealth:")
	archived := fs.Bool("archived", false, "list archived findings instead of current ones")
	asJSON := fs.Bool("json", false, "one GuardDuty finding JSON per line")
	limit := fs.Int("limit", 0, "at most this many findings (default all)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	q := finding.Query{TypePrefix: *typ, Archived: archived, SortBy: finding.SortSeverity, Desc: true, Limit: 1000}
	if *sev != "" {
		lv, err := finding.ParseLevel(*sev)
		if err != nil {
			return usageError{err}
		}
		q.MinSeverity = lv.Min()
	}
	db, err := openStore(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	var all []finding.Finding
	for {
		page, next, err := db.ListFindings(ctx, q)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if next == "" || (*limit > 0 && len(all) >= *limit) {
			break
		}
		q.PageToken = next
	}
	if *limit > 0 && len(all) > *limit {
		all = all[:*limit]
	}
	if *asJSON {
		return printJSONLines(os.Stdout, all)
	}
	return printTable(os.Stdout, all)
}

func findingsShow(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("findings show", flag.ContinueOnError)
	dataDir := fs.String("data-dir", config.DefaultDataDir, "the data dir of vigil serve")
	ids, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return usagef("findings show: give a finding ID")
	}
	db, err := openStore(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	for _, id := range ids {
		f, err := db.GetFinding(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("finding %s: not found", id)
		} else if err != nil {
			return err
		}
		if err := enc.Encode(f); err != nil {
			return err
		}
	}
	return nil
}

func findingsArchive(ctx context.Context, args []string, archived bool) error {
	fs := flag.NewFlagSet("findings archive", flag.ContinueOnError)
	dataDir := fs.String("data-dir", config.DefaultDataDir, "the data dir of vigil serve")
	ids, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return usagef("give at least one finding ID")
	}
	db, err := openStore(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, id := range ids {
		if _, err := db.GetFinding(ctx, id); err != nil {
			return fmt.Errorf("finding %s: %w", id, err)
		}
	}
	return db.SetArchived(ctx, ids, archived)
}

// findingsSample makes one sample finding of every type Vigil produces, as
// GuardDuty's CreateSampleFindings does, stores them and prints them.
func findingsSample(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("findings sample", flag.ContinueOnError)
	dataDir := fs.String("data-dir", config.DefaultDataDir, "the data dir to store the samples in")
	account := fs.String("account", "123456789012", "account id of the samples")
	region := fs.String("region", "us-east-1", "region of the samples")
	noStore := fs.Bool("no-store", false, "only print the samples; do not store them")
	asJSON := fs.Bool("json", false, "print the samples as JSON lines instead of a table")
	typ := fs.String("type", "", "only types starting with this prefix")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	detectorID := detect.DefaultDetectorID
	if !*noStore {
		if err := os.MkdirAll(*dataDir, 0o700); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		id, err := ensureDetectorID(&config.Config{DataDir: *dataDir})
		if err != nil {
			return err
		}
		detectorID = id
	}
	dets := detect.Registered()
	var samples []finding.Finding
	now := time.Now()
	for _, def := range detect.Definitions(dets) {
		if *typ != "" && !hasPrefix(def.Type, *typ) {
			continue
		}
		_, d, _ := detect.Lookup(dets, def.Type)
		samples = append(samples, detect.SampleFinding(d, def, *account, *region, detectorID, now))
	}
	if !*noStore {
		db, err := openStore(ctx, *dataDir)
		if err != nil {
			return err
		}
		defer db.Close()
		if _, err := db.UpsertFindings(ctx, samples); err != nil {
			return err
		}
	}
	if *asJSON {
		return printJSONLines(os.Stdout, samples)
	}
	return printTable(os.Stdout, samples)
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
