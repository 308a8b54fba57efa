package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/simulate"
)

func runSimulate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: vigil simulate --out DIR [options]\n\nWrites benign CloudTrail traffic of a simulated estate in AWS's delivery layout,\nwith attacks injected at chosen times, and DIR/manifest.json listing them.")
		fs.PrintDefaults()
	}
	var o simulate.Options
	var attacks multiFlag
	var regions, start string
	allAttacks := fs.Bool("all-attacks", false, "inject one attack of every supported type, spread over the span")
	listAttacks := fs.Bool("list-attacks", false, "print the supported attack types and exit")
	plain := fs.Bool("plain", false, "write plain .json files instead of .json.gz")
	fs.StringVar(&o.Out, "out", "", "output directory (required)")
	fs.IntVar(&o.Events, "events", 10000, "benign CloudTrail events in total")
	flows := fs.Int("flows", -1, "benign VPC flow log records in total (default: as many as --events; 0 for none)")
	dns := fs.Int("dns", -1, "benign Route 53 Resolver query log records in total (default: a quarter of --events; 0 for none)")
	fs.IntVar(&o.EventsPerFile, "events-per-file", 1000, "most events in one delivery file")
	fs.IntVar(&o.Accounts, "accounts", 3, "accounts in the estate")
	fs.IntVar(&o.UsersPerAccount, "users", 6, "IAM users per account")
	fs.StringVar(&regions, "regions", "us-east-1,us-west-2,eu-west-1", "comma-separated regions; the first is the home region")
	fs.StringVar(&start, "start", "2025-06-02T00:00:00Z", "time of the first event (RFC 3339)")
	fs.DurationVar(&o.Duration, "duration", time.Hour, "simulated time span")
	fs.StringVar(&o.OrgID, "org", "", "write an organization trail layout with this o-... id")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed; the same options and seed give the same files")
	fs.Var(&attacks, "attack", "inject an attack: TYPE, TYPE@RFC3339 or TYPE@+90m (repeatable)")
	intelOut := fs.String("intel-out", "", "where to write the threat lists, ip-ranges.json and vigil.yaml the threat-intelligence attacks need (default OUT/.intel, which log readers skip)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *listAttacks {
		for _, a := range simulate.SupportedAttacks() {
			fmt.Println(a)
		}
		return nil
	}
	if o.Out == "" {
		fs.Usage()
		return usagef("simulate: --out is required")
	}
	var err error
	if o.Start, err = time.Parse(time.RFC3339, start); err != nil {
		return usagef("simulate: --start: %v", err)
	}
	o.Regions = strings.Split(regions, ",")
	o.Flows, o.DNSQueries = *flows, *dns
	if o.Flows < 0 {
		o.Flows = o.Events
	}
	if o.DNSQueries < 0 {
		o.DNSQueries = o.Events / 4
	}
	o.Gzip = !*plain
	if *allAttacks {
		for _, t := range simulate.SupportedAttacks() {
			o.Attacks = append(o.Attacks, simulate.Attack{Type: t})
		}
	}
	for _, s := range attacks {
		a, err := simulate.ParseAttack(s)
		if err != nil {
			return usageError{err}
		}
		o.Attacks = append(o.Attacks, a)
	}
	if isTerminal(os.Stderr) {
		o.Progress = func(n int) { fmt.Fprintf(os.Stderr, "\rvigil: %d events written", n) }
	}
	m, err := simulate.Run(ctx, o)
	if o.Progress != nil {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "vigil: wrote %d CloudTrail events, %d flow records and %d DNS queries (%d injected attacks) in %d files, %s, to %s\n",
		m.Events, m.FlowRecords, m.DNSRecords, len(m.Attacks), m.Files, humanBytes(m.Bytes), o.Out)
	if *intelOut == "" {
		*intelOut = filepath.Join(o.Out, ".intel")
	}
	files, err := simulate.WriteIntel(*intelOut, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "vigil: threat lists for the attacks in %s; analyse with: vigil analyze --config %s %s\n",
		*intelOut, files.Config, o.Out)
	return nil
}
