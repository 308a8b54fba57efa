package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/intel"
	"github.com/vigil-sec/vigil/internal/intel/loader"
	"github.com/vigil-sec/vigil/internal/source"
)

// intelFlags add threat intelligence to a command without a config file,
// or on top of one.
type intelFlags struct {
	config  string
	threat  multiFlag
	trusted multiFlag
	feeds   multiFlag
	city    string
	asn     string
	ranges  string
	inv     multiFlag
}

func (f *intelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", "", "vigil.yaml whose intel and s3 sections to use")
	fs.Var(&f.threat, "threat-list", "a threat list: [FORMAT:]FILE|https://...|s3://bucket/key, FORMAT one of TXT (default), STIX, OTX_CSV, ALIEN_VAULT, PROOF_POINT, FIRE_EYE (repeatable)")
	fs.Var(&f.trusted, "trusted-list", "a trusted IP list: [FORMAT:]LOCATION")
	fs.Var(&f.feeds, "feed", "an open feed: KIND=LOCATION, KIND one of tor, spamhaus_drop, spamhaus_edrop, feodo, urlhaus, threatfox, mining_pools (repeatable)")
	fs.StringVar(&f.city, "geoip-city", "", "MaxMind-format City or Country database (.mmdb)")
	fs.StringVar(&f.asn, "geoip-asn", "", "MaxMind-format ASN or ISP database (.mmdb)")
	fs.StringVar(&f.ranges, "aws-ip-ranges", "", "AWS's ip-ranges.json (file, https:// or s3://)")
	fs.Var(&f.inv, "inventory", "AWS CLI JSON of describe-network-interfaces or describe-instances, naming the owners of network interfaces (repeatable)")
}

// load returns the configuration (the file's, else the default) with the
// flags' lists added, validated.
func (f *intelFlags) load() (*config.Config, error) {
	cfg := config.Default()
	if f.config != "" {
		var err error
		if cfg, err = config.Load(f.config); err != nil {
			return nil, err
		}
	}
	c := &cfg.Intel
	for _, v := range f.threat {
		c.ThreatLists = append(c.ThreatLists, listFlag(v))
	}
	for _, v := range f.trusted {
		c.TrustedLists = append(c.TrustedLists, listFlag(v))
	}
	for _, v := range f.feeds {
		kind, loc, ok := strings.Cut(v, "=")
		if !ok {
			return nil, usagef("--feed %q: want KIND=LOCATION", v)
		}
		c.Feeds = append(c.Feeds, config.IntelFeed{Kind: kind, Name: kind, Location: loc})
	}
	if f.city != "" {
		c.GeoIP.City = f.city
	}
	if f.asn != "" {
		c.GeoIP.ASN = f.asn
	}
	if f.ranges != "" {
		c.AWSIPRanges = f.ranges
	}
	cfg.Inventory.Files = append(cfg.Inventory.Files, f.inv...)
	if err := cfg.Validate(); err != nil {
		return nil, usageError{err}
	}
	return cfg, nil
}

// listFlag parses "[FORMAT:]LOCATION"; the list is named after its file.
func listFlag(v string) config.IntelList {
	l := config.IntelList{Location: v, Format: string(intel.TXT)}
	if p, rest, ok := strings.Cut(v, ":"); ok {
		if f, err := intel.ParseFormat(p); err == nil {
			l.Format, l.Location = string(f), rest
		}
	}
	l.Name = filepath.Base(l.Location)
	return l
}

// newIntelLoader builds the loader for the intel section of cfg; cacheDir
// keeps last good copies of remote lists ("" for none).
func newIntelLoader(cfg *config.Config, s3 source.S3Options, cacheDir string, log *slog.Logger, reg prometheus.Registerer) (*loader.Loader, error) {
	c := &cfg.Intel
	opts := loader.Options{
		Builtin: *c.BuiltinTestDomains, AWSRanges: c.AWSIPRanges, GeoCity: c.GeoIP.City, GeoASN: c.GeoIP.ASN,
		Refresh: c.Refresh, CacheDir: cacheDir, S3: s3, Logger: log, Registerer: reg,
	}
	for _, l := range c.ThreatLists {
		fam := intel.FamilyCustom
		if l.Family != "" {
			fam = intel.Family(l.Family)
		}
		opts.Lists = append(opts.Lists, loader.Spec{Role: loader.RoleThreat, Name: l.Name, Location: l.Location,
			Format: intel.Format(strings.ToUpper(l.Format)), Family: fam, Limit: c.Limits.ThreatListEntries})
	}
	for _, l := range c.TrustedLists {
		opts.Lists = append(opts.Lists, loader.Spec{Role: loader.RoleTrusted, Name: l.Name, Location: l.Location,
			Format: intel.Format(strings.ToUpper(l.Format)), Limit: c.Limits.TrustedListEntries})
	}
	for _, f := range c.Feeds {
		k, _ := intel.LookupFeedKind(f.Kind)
		fam := k.Family
		if f.Family != "" {
			fam = intel.Family(f.Family)
		}
		opts.Lists = append(opts.Lists, loader.Spec{Role: loader.RoleFeed, Name: f.Name, Location: f.Location,
			Format: k.Format, Family: fam, Limit: c.Limits.FeedEntries})
	}
	if len(c.AccountIPs) > 0 {
		opts.AccountIPs = map[string][]netip.Prefix{}
		for acct, ips := range c.AccountIPs {
			for _, s := range ips {
				p, err := config.ParseAddrOrPrefix(s)
				if err != nil {
					return nil, err
				}
				opts.AccountIPs[acct] = append(opts.AccountIPs[acct], p)
			}
		}
	}
	return loader.New(opts), nil
}

// loadIntel builds a loader for a one-shot command and loads it; lists
// that cannot be read are reported and left out.
func loadIntel(ctx context.Context, cfg *config.Config, s3 source.S3Options, log *slog.Logger) (*loader.Loader, error) {
	l, err := newIntelLoader(cfg, s3, "", log, nil)
	if err != nil {
		return nil, err
	}
	if err := l.Load(ctx); err != nil {
		log.Warn("threat intelligence not fully loaded", "err", err)
	}
	return l, nil
}

func runIntel(ctx context.Context, args []string) error {
	usage := "Usage: vigil intel check [options] IP|DOMAIN ...\n       vigil intel lists [options]\n\n" +
		"check: which threat and trusted lists hold each value, where it is and whether it is in AWS.\n" +
		"lists: load every configured list and print its entries, invalid lines and state."
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(os.Stderr, usage)
		if len(args) == 0 {
			return usagef("intel: give a subcommand: check or lists")
		}
		return nil
	}
	fs := flag.NewFlagSet("intel "+args[0], flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(os.Stderr, usage+"\n\nOptions:"); fs.PrintDefaults() }
	var inf intelFlags
	var lf logFlags
	var s3f s3Flags
	inf.register(fs)
	lf.register(fs)
	s3f.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	cfg, err := inf.load()
	if err != nil {
		return err
	}
	log, err := newLogger(os.Stderr, lf.level, lf.format)
	if err != nil {
		return err
	}
	s3o := s3OptionsFrom(cfg.S3)
	s3f.apply(&s3o)
	l, err := loadIntel(ctx, cfg, s3o, log)
	if err != nil {
		return err
	}
	switch args[0] {
	case "check":
		if len(rest) == 0 {
			return usagef("intel check: give at least one IP address or domain")
		}
		return intelCheck(l.Current(), rest, *asJSON)
	case "lists":
		return intelLists(l.Status(), *asJSON)
	}
	return usagef("intel: unknown subcommand %q (check or lists)", args[0])
}

// checkResult is what "vigil intel check" reports for one value.
type checkResult struct {
	Value    string          `json:"value"`
	Matches  []intel.Match   `json:"matches"`
	Trusted  bool            `json:"trusted"`
	AWS      *intel.AWSRange `json:"aws,omitempty"`
	Location *intel.GeoInfo  `json:"location,omitempty"`
}

func intelCheck(in *intel.Intel, values []string, asJSON bool) error {
	var out []checkResult
	for _, v := range values {
		r := checkResult{Value: v}
		if a, err := netip.ParseAddr(v); err == nil {
			r.Matches = in.ThreatIP(a)
			r.Trusted = in.TrustedIP(a)
			if rg, ok := in.InAWS(a); ok {
				r.AWS = &rg
			}
			if g, ok := in.Geo.Lookup(a); ok {
				r.Location = &g
			}
		} else {
			r.Matches = in.ThreatDomain(v)
		}
		out = append(out, r)
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VALUE\tLIST\tFAMILY\tTHREAT\tTRUSTED\tAWS\tLOCATION\tOWNER")
	for _, r := range out {
		aws, loc, owner := "-", "-", "-"
		if r.AWS != nil {
			aws = r.AWS.Region + " " + strings.Join(r.AWS.Services, ",")
		}
		if g := r.Location; g != nil {
			loc = strings.Trim(strings.Join([]string{g.City, g.CountryCode}, ", "), ", ")
			if g.ASN != 0 {
				owner = fmt.Sprintf("AS%d %s", g.ASN, g.ASNOrg)
			}
		}
		trusted := "no"
		if r.Trusted {
			trusted = "yes"
		}
		if len(r.Matches) == 0 {
			fmt.Fprintf(w, "%s\t-\t-\t-\t%s\t%s\t%s\t%s\n", r.Value, trusted, aws, orDash(loc), owner)
		}
		for _, m := range r.Matches {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Value, m.ListName, m.Family, orDash(m.ThreatName), trusted, aws, orDash(loc), owner)
		}
	}
	return w.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func intelLists(sts []loader.Status, asJSON bool) error {
	failed := 0
	for _, s := range sts {
		if !s.OK() {
			failed++
		}
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sts); err != nil {
			return err
		}
	} else {
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ROLE\tNAME\tFORMAT\tFAMILY\tENTRIES\tINVALID\tLOADED\tSTATE\tLOCATION")
		for _, s := range sts {
			state := "ok"
			switch {
			case s.FromCache:
				state = "cached copy: " + s.Error
			case s.Stale:
				state = "stale: " + s.Error
			case s.Error != "":
				state = "error: " + s.Error
			}
			loaded := "-"
			if !s.LoadedAt.IsZero() {
				loaded = s.LoadedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", s.Role, s.Name, orDash(string(s.Format)), orDash(string(s.Family)),
				s.Entries, s.Invalid, loaded, state, s.Location)
		}
		if err := w.Flush(); err != nil {
			return err
		}
		for _, s := range sts {
			for _, p := range s.Problems {
				fmt.Fprintf(os.Stderr, "%s: %s\n", s.Name, p)
			}
		}
	}
	if failed > 0 {
		return statusError{code: exitError, msg: fmt.Sprintf("%s could not be read", plural(failed, "list"))}
	}
	return nil
}
