package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/cost"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/store"
)

// runCost is "vigil cost estimate|prices".
func runCost(ctx context.Context, args []string) error {
	sub := map[string]func(context.Context, []string) error{"estimate": costEstimate, "prices": costPrices}
	if len(args) == 0 || sub[args[0]] == nil {
		fmt.Fprintln(os.Stderr, "Usage: vigil cost estimate|prices [options]")
		if len(args) == 0 {
			return usagef("cost: give a subcommand")
		}
		return usagef("cost: unknown subcommand %q", args[0])
	}
	return sub[args[0]](ctx, args[1:])
}

// costFlags are "vigil cost estimate"'s options. Quantities are monthly.
type costFlags struct {
	region, config, dataDir string
	qty                     map[cost.Dimension]*float64
	buckets, inventories    multiFlag
	fromUsage, asJSON       bool
	freeTrial, freeTier     bool
	days                    int
	s3                      s3Flags
}

// costQuantityFlags maps each quantity flag to its dimension and the
// factor from the flag's unit to the dimension's.
var costQuantityFlags = []struct {
	name   string
	dim    cost.Dimension
	factor float64
	help   string
}{
	{"cloudtrail-events", cost.CloudTrailEvents, 1, "CloudTrail management events a month"},
	{"s3-data-events", cost.S3DataEvents, 1, "CloudTrail S3 data events a month"},
	{"eks-audit-events", cost.EKSAuditEvents, 1, "EKS audit log events a month"},
	{"flow-logs-gb", cost.FlowLogBytes, cost.BytesPerGB, "GB of VPC flow logs a month"},
	{"dns-logs-gb", cost.DNSLogBytes, cost.BytesPerGB, "GB of DNS query logs a month"},
	{"lambda-logs-gb", cost.LambdaNetworkBytes, cost.BytesPerGB, "GB of Lambda network activity logs a month"},
	{"s3-malware-gb", cost.S3MalwareBytes, cost.BytesPerGB, "GB scanned by Malware Protection for S3 a month"},
	{"s3-malware-objects", cost.S3MalwareObjects, 1, "objects evaluated by Malware Protection for S3 a month"},
	{"ebs-malware-gb", cost.EBSMalwareBytes, cost.BytesPerGB, "GB of EBS volumes scanned a month"},
	{"runtime-vcpus", cost.RuntimeVCPUHours, cost.HoursPerMonth, "vCPUs under Runtime Monitoring (monthly average)"},
	{"rds-vcpus", cost.RDSVCPUHours, cost.HoursPerMonth, "provisioned RDS vCPUs under RDS Protection (monthly average)"},
	{"rds-acus", cost.RDSACUHours, cost.HoursPerMonth, "Aurora Serverless ACUs under RDS Protection (monthly average)"},
}

func (f *costFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.region, "region", "", "the AWS region whose prices apply (see 'vigil cost prices')")
	fs.StringVar(&f.config, "config", "", "vigil.yaml, for cost.prices overrides, cost.monitored and the s3 section")
	fs.StringVar(&f.dataDir, "data-dir", config.DefaultDataDir, "the data dir of vigil serve, for --from-usage")
	f.qty = map[cost.Dimension]*float64{}
	for _, q := range costQuantityFlags {
		f.qty[q.dim] = fs.Float64(q.name, 0, q.help)
	}
	fs.Var(&f.buckets, "bucket", "measure s3://bucket/prefix by listing it and project a month of uploads (repeatable)")
	fs.Var(&f.inventories, "inventory", "measure a bucket from an S3 Inventory report: s3://bucket/.../manifest.json (CSV; repeatable)")
	fs.BoolVar(&f.fromUsage, "from-usage", false, "project the month from the usage Vigil recorded in --data-dir")
	fs.IntVar(&f.days, "days", cost.DaysPerMonth, "with --from-usage: read the last N days (today included)")
	fs.BoolVar(&f.asJSON, "json", false, "print the estimate as JSON")
	fs.BoolVar(&f.freeTrial, "free-trial", false, "show the 30-day free trial as an allowance (the whole month inside it)")
	fs.BoolVar(&f.freeTier, "free-tier", false, "show the 12-month free tier of Malware Protection for S3 as an allowance")
	f.s3.register(fs)
}

// costReport is everything an estimate prints.
type costReport struct {
	Estimates []cost.Estimate    `json:"estimates"`
	TotalUSD  float64            `json:"totalUSD"` // list price, all regions
	FreeUSD   float64            `json:"freeUSD"`  // allowances, shown apart
	NetUSD    float64            `json:"netUSD"`   // TotalUSD less FreeUSD
	Buckets   []cost.BucketStats `json:"buckets,omitempty"`
	Observed  *cost.Observed     `json:"observed,omitempty"`
}

func costEstimate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("cost estimate", flag.ContinueOnError)
	var f costFlags
	f.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("cost estimate: unexpected argument %q", pos[0])
	}
	if err := f.check(fs); err != nil {
		return err
	}
	cfg := config.Default()
	if f.config != "" {
		if cfg, err = config.Load(f.config); err != nil {
			return err
		}
	}
	prices, err := cost.DefaultPrices().WithOverrides(cfg.Cost)
	if err != nil {
		return err
	}
	opt := cost.EstimateOptions{FreeTier: f.freeTier || cfg.Cost.FreeTier}
	if f.freeTrial || cfg.Cost.FreeTrial {
		opt.FreeTrialDays = prices.FreeTrialDays
	}
	var rep costReport
	if f.fromUsage {
		err = f.estimateObserved(ctx, prices, cfg, opt, &rep)
	} else {
		err = f.estimateGiven(ctx, prices, cfg, opt, &rep)
	}
	if err != nil {
		return err
	}
	for _, e := range rep.Estimates {
		rep.TotalUSD += e.TotalUSD
		rep.FreeUSD += e.FreeUSD
	}
	rep.TotalUSD, rep.FreeUSD = roundCents(rep.TotalUSD), roundCents(rep.FreeUSD)
	rep.NetUSD = roundCents(rep.TotalUSD - rep.FreeUSD)
	if f.asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return printCostReport(os.Stdout, rep)
}

// check refuses contradictory or impossible flags before any work.
func (f *costFlags) check(fs *flag.FlagSet) error {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	anyQty := false
	for _, q := range costQuantityFlags {
		v := *f.qty[q.dim]
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return usagef("--%s %v: want a non-negative number", q.name, v)
		}
		anyQty = anyQty || given[q.name]
	}
	measured := len(f.buckets) > 0 || len(f.inventories) > 0
	switch {
	case f.fromUsage && (anyQty || measured):
		return usagef("cost estimate: --from-usage projects recorded usage; give no quantities, --bucket or --inventory with it")
	case f.fromUsage && f.days < 1:
		return usagef("--days %d: want at least 1", f.days)
	case !f.fromUsage && given["days"]:
		return usagef("--days goes with --from-usage")
	case !f.fromUsage && f.region == "":
		return usagef("cost estimate: give --region (%s), or --from-usage", strings.Join(cost.DefaultPrices().RegionNames(), ", "))
	case !f.fromUsage && !anyQty && !measured:
		return usagef("cost estimate: give monthly quantities (such as --s3-malware-gb 100), --bucket, --inventory or --from-usage")
	case measured && (given["s3-malware-gb"] || given["s3-malware-objects"]):
		return usagef("cost estimate: --bucket and --inventory measure Malware Protection for S3 usage; leave out --s3-malware-gb and --s3-malware-objects")
	}
	return nil
}

// estimateGiven prices the quantities on the command line plus the
// buckets measured.
func (f *costFlags) estimateGiven(ctx context.Context, prices *cost.Prices, cfg *config.Config, opt cost.EstimateOptions, rep *costReport) error {
	u := cost.Usage{}
	for _, q := range costQuantityFlags {
		if v := *f.qty[q.dim]; v > 0 {
			u[q.dim] = math.Round(v * q.factor) // whole bytes, events, objects; vCPU-hours to the hour
		}
	}
	addMonitored(u, cfg.Cost.Monitored[f.region])
	if len(f.buckets) > 0 || len(f.inventories) > 0 {
		stats, err := f.measure(ctx, cfg)
		if err != nil {
			return err
		}
		rep.Buckets = stats
		for _, s := range stats {
			u[cost.S3MalwareBytes] += math.Round(s.MonthlyBytes)
			u[cost.S3MalwareObjects] += math.Round(s.MonthlyObjects)
		}
	}
	e, err := prices.Estimate(f.region, u, opt)
	if err != nil {
		return err
	}
	rep.Estimates = []cost.Estimate{e}
	return nil
}

// addMonitored adds vigil.yaml's monitored vCPUs and ACUs where the
// usage has none.
func addMonitored(u cost.Usage, m config.CostMonitored) {
	for d, n := range map[cost.Dimension]float64{cost.RuntimeVCPUHours: m.RuntimeVCPUs, cost.RDSVCPUHours: m.RDSVCPUs, cost.RDSACUHours: m.RDSACUs} {
		if n > 0 && u[d] == 0 {
			u[d] = n * cost.HoursPerMonth
		}
	}
}

// measure lists each --bucket and reads each --inventory report.
func (f *costFlags) measure(ctx context.Context, cfg *config.Config) ([]cost.BucketStats, error) {
	opts := source.S3Options{}
	if f.config != "" {
		opts = s3OptionsFrom(cfg.S3)
	}
	f.s3.apply(&opts)
	awsCfg, err := source.AWSConfig(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	client := source.S3Client(awsCfg, opts, "")
	now := time.Now()
	var out []cost.BucketStats
	for _, u := range f.buckets {
		bucket, prefix, err := source.ParseURL(u)
		if err != nil {
			return nil, usageError{err}
		}
		s, err := cost.MeasureBucket(ctx, client, bucket, prefix, now)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	for _, u := range f.inventories {
		bucket, key, err := source.ParseURL(u)
		if err != nil {
			return nil, usageError{err}
		}
		s, err := cost.MeasureInventory(ctx, client, bucket, key, now)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// estimateObserved projects a month per region from the usage records
// in the data dir, and prices each region with its own table.
func (f *costFlags) estimateObserved(ctx context.Context, prices *cost.Prices, cfg *config.Config, opt cost.EstimateOptions, rep *costReport) error {
	if _, err := os.Stat(filepath.Join(f.dataDir, "vigil.db")); err != nil {
		return fmt.Errorf("--from-usage: no Vigil store in %s (run vigil serve first, or give --data-dir): %w", f.dataDir, err)
	}
	db, err := openStore(ctx, f.dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	us, ok := any(db).(store.UsageStore)
	if !ok {
		return errors.New("--from-usage: this build's store does not record usage")
	}
	to := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	from := to.AddDate(0, 0, -f.days)
	recs, err := us.ListUsage(ctx, from, to)
	if err != nil {
		return fmt.Errorf("--from-usage: %w", err)
	}
	if f.region != "" {
		recs = onlyRegion(recs, f.region)
	}
	if len(recs) == 0 {
		return fmt.Errorf("--from-usage: no usage recorded in %s between %s and %s", f.dataDir, from.Format(time.DateOnly), to.Add(-time.Second).Format(time.DateOnly))
	}
	obs, err := cost.ProjectUsage(recs, from, to)
	if err != nil {
		return err
	}
	for _, r := range obs.Regions {
		addMonitored(r.Month, cfg.Cost.Monitored[r.Region])
		o := opt
		o.Accounts = len(r.Accounts)
		e, err := prices.Estimate(r.Region, r.Month, o)
		if err != nil {
			return err
		}
		rep.Estimates = append(rep.Estimates, e)
	}
	rep.Observed = &obs
	return nil
}

func onlyRegion(recs []store.UsageRecord, region string) []store.UsageRecord {
	var out []store.UsageRecord
	for _, r := range recs {
		if r.Region == region {
			out = append(out, r)
		}
	}
	return out
}

// costPrices prints the price table in use.
func costPrices(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("cost prices", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "vigil.yaml, for cost.prices overrides")
	region := fs.String("region", "", "only this region")
	asJSON := fs.Bool("json", false, "print the table as JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	p := cost.DefaultPrices()
	if *cfgPath != "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			return err
		}
		if p, err = p.WithOverrides(cfg.Cost); err != nil {
			return err
		}
	}
	if *region != "" {
		if _, ok := p.Regions[*region]; !ok {
			return fmt.Errorf("%w %q; prices are known for %s", cost.ErrUnknownRegion, *region, strings.Join(p.RegionNames(), ", "))
		}
		p.Regions = map[string]cost.RegionPrices{*region: p.Regions[*region]}
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "GuardDuty prices version %s, dated %s (USD per billing unit)\n\n", p.Version, p.Date)
	fmt.Fprintln(tw, "REGION\tITEM\tTIER\tUSD\tPER")
	for _, r := range p.RegionNames() {
		for _, d := range cost.Dimensions() {
			from := 0.0
			for _, t := range p.Ladder(r, d) {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r, d.Plan(), tierName(t.UpTo, from), t.Rate, d.Billing().Name)
				from = t.UpTo
			}
		}
	}
	return tw.Flush()
}

// printCostReport prints the estimate as tables: for each region its
// lines with their tiers and the list-price total, then the allowances
// apart.
func printCostReport(w io.Writer, rep costReport) error {
	if o := rep.Observed; o != nil {
		fmt.Fprintf(w, "Projected from the usage Vigil recorded %s to %s: %s with records, × %d/%d.\n\n",
			o.From.Format(time.DateOnly), o.To.Add(-time.Second).Format(time.DateOnly), plural(o.Days, "day"), cost.DaysPerMonth, o.Days)
	}
	for _, b := range rep.Buckets {
		fmt.Fprintf(w, "s3://%s/%s (%s): %s objects, %s GB; %s objects, %s GB in the last %d days\n  month: %s objects, %s GB — %s\n",
			b.Bucket, b.Prefix, b.Source, fmtQty(float64(b.Objects)), fmtQty(float64(b.Bytes)/cost.BytesPerGB),
			fmtQty(float64(b.RecentObjects)), fmtQty(float64(b.RecentBytes)/cost.BytesPerGB), cost.DaysPerMonth,
			fmtQty(b.MonthlyObjects), fmtQty(b.MonthlyBytes/cost.BytesPerGB), b.Method)
	}
	if len(rep.Buckets) > 0 {
		fmt.Fprintln(w)
	}
	for _, e := range rep.Estimates {
		if err := printEstimate(w, e, accountsOf(rep.Observed, e.Region)); err != nil {
			return err
		}
	}
	if len(rep.Estimates) > 1 {
		fmt.Fprintf(w, "All regions: Total (list price) %s USD", usd(rep.TotalUSD))
		if rep.FreeUSD > 0 {
			fmt.Fprintf(w, "; allowances %s USD; after allowances %s USD", usd(rep.FreeUSD), usd(rep.NetUSD))
		}
		fmt.Fprintln(w)
	}
	return nil
}

func accountsOf(o *cost.Observed, region string) []string {
	if o == nil {
		return nil
	}
	for _, r := range o.Regions {
		if r.Region == region {
			return r.Accounts
		}
	}
	return nil
}

func printEstimate(w io.Writer, e cost.Estimate, accounts []string) error {
	fmt.Fprintf(w, "GuardDuty estimate for %s, one month, prices of %s (version %s)\n", e.Region, e.PricesDate, e.PricesVersion)
	if len(accounts) > 0 {
		fmt.Fprintf(w, "Accounts: %s\n", strings.Join(accounts, ", "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ITEM\tQUANTITY\tUNIT\tRATE (USD)\tUSD")
	for _, l := range e.Lines {
		if len(l.Tiers) == 1 && l.Tiers[0].From == 0 && l.Tiers[0].To == 0 { // a flat rate
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Plan, fmtQty(l.Quantity), l.Unit, l.Tiers[0].Rate, usd(l.USD))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\t%s\n", l.Plan, fmtQty(l.Quantity), l.Unit, usd(l.USD))
		for _, t := range l.Tiers {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", tierName(t.To, t.From), fmtQty(t.Quantity), l.Unit, t.Rate, tierUSD(t.USD))
		}
	}
	fmt.Fprintf(tw, "Total (list price)\t\t\t\t%s USD\n", usd(e.TotalUSD))
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(e.Allowances) > 0 {
		fmt.Fprintln(w, "\nAllowances (not subtracted above; what GuardDuty would not charge)")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, a := range e.Allowances {
			fmt.Fprintf(tw, "%s: %s\t%s\t%s\t%s\t%s\n", a.Kind, a.Plan, fmtQty(a.Quantity), a.Unit, usd(a.USD), a.Note)
		}
		fmt.Fprintf(tw, "Allowances total\t\t\t%s USD\n", usd(e.FreeUSD))
		fmt.Fprintf(tw, "Total after allowances\t\t\t%s USD\n", usd(e.NetUSD()))
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	return nil
}

// tierName names a tier by its bounds: "first 500", "500 to 2,500", "over 10,000".
func tierName(to, from float64) string {
	switch {
	case to == 0 && from == 0:
		return "all"
	case to == 0:
		return "over " + fmtQty(from)
	case from == 0:
		return "first " + fmtQty(to)
	}
	return fmtQty(from) + " to " + fmtQty(to)
}

func roundCents(v float64) float64 { return math.Round(v*100) / 100 }

// usd formats whole cents with thousands separators: "4,285.00".
func usd(v float64) string {
	s := strconv.FormatFloat(roundCents(v), 'f', 2, 64)
	whole, frac, _ := strings.Cut(s, ".")
	return groupDigits(whole) + "." + frac
}

// tierUSD formats an unrounded tier charge with 2 to 4 decimals.
func tierUSD(v float64) string {
	s := strings.TrimRight(strconv.FormatFloat(v, 'f', 4, 64), "0")
	whole, frac, _ := strings.Cut(s, ".")
	return groupDigits(whole) + "." + (frac + "00")[:max(2, len(frac))]
}

// fmtQty formats a quantity to at most 6 decimals, grouped: "12,000", "0.5".
func fmtQty(v float64) string {
	s := strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64)
	whole, frac, ok := strings.Cut(s, ".")
	if ok {
		return groupDigits(whole) + "." + frac
	}
	return groupDigits(whole)
}

func groupDigits(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
