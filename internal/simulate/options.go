package simulate

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Options says what to simulate. Zero fields take the documented defaults.
type Options struct {
	Out             string                  // output directory (required)
	Accounts        int                     // accounts in the estate; default 3
	UsersPerAccount int                     // IAM users per account; default 6
	Regions         []string                // default us-east-1, us-west-2, eu-west-1; the first is the home region
	Start           time.Time               // first event time; default 2025-06-02T00:00:00Z; truncated to the second
	Duration        time.Duration           // simulated span; default 1h; truncated to the second
	Events          int                     // benign records in total; default 10000
	EventsPerFile   int                     // most records in one file; default 1000
	Gzip            bool                    // write .json.gz as AWS does; false writes plain .json
	OrgID           string                  // "o-..." writes an organization trail layout; "" writes account trails
	Seed            uint64                  // output is a pure function of the options, seed included
	Attacks         []Attack                // attacks to inject
	Flows           int                     // benign VPC flow log records in total; 0 writes none
	DNSQueries      int                     // benign Route 53 Resolver query log records in total; 0 writes none
	Progress        func(eventsWritten int) // called after each file with the running total of records, from Run's goroutines, one call at a time
}

// Attack is one attack to inject.
type Attack struct {
	Type string // a finding type from SupportedAttacks
	// At is when the attack happens. When At is zero, the attack happens at
	// Start+Offset, or, when Offset is zero too, Run spreads such attacks
	// evenly over the simulated span.
	At      time.Time
	Offset  time.Duration
	Account string // an account id of the estate (see Manifest.Accounts); "" = the first account
}

// Errors callers may test with errors.Is.
var (
	ErrUnknownAttack = errors.New("unknown attack type")
	ErrInvalid       = errors.New("invalid simulate options")
)

var (
	defaultStart   = time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	defaultRegions = []string{"us-east-1", "us-west-2", "eu-west-1"}
	regionRE       = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	orgRE          = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	accountRE      = regexp.MustCompile(`^[0-9]{12}$`)
)

// maxCells bounds windows x accounts x regions, the units Run plans over.
const maxCells = 20_000_000

// withDefaults returns a copy of o with defaults filled in and validated.
func (o Options) withDefaults() (Options, error) {
	if o.Accounts == 0 {
		o.Accounts = 3
	}
	if o.UsersPerAccount == 0 {
		o.UsersPerAccount = 6
	}
	if len(o.Regions) == 0 {
		o.Regions = defaultRegions
	}
	o.Regions = append([]string(nil), o.Regions...)
	if o.Start.IsZero() {
		o.Start = defaultStart
	}
	o.Start = o.Start.UTC().Truncate(time.Second)
	if o.Duration == 0 {
		o.Duration = time.Hour
	}
	o.Duration = o.Duration.Truncate(time.Second)
	if o.Events == 0 {
		o.Events = 10000
	}
	if o.EventsPerFile == 0 {
		o.EventsPerFile = 1000
	}
	return o, o.validate()
}

func (o Options) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	if o.Out == "" {
		bad("no output directory")
	}
	if o.Accounts < 1 || o.Accounts > 10000 {
		bad("accounts %d out of range 1..10000", o.Accounts)
	}
	if o.UsersPerAccount < 1 || o.UsersPerAccount > 1000 {
		bad("users per account %d out of range 1..1000", o.UsersPerAccount)
	}
	seen := map[string]bool{}
	for _, r := range o.Regions {
		if !regionRE.MatchString(r) || seen[r] {
			bad("region %q invalid or repeated", r)
		}
		seen[r] = true
	}
	if o.Duration < time.Second {
		bad("duration %v shorter than 1s", o.Duration)
	}
	if o.Flows < 0 || o.DNSQueries < 0 {
		bad("flow records %d and DNS queries %d must not be negative", o.Flows, o.DNSQueries)
	}
	if o.Events < 0 || o.EventsPerFile < 1 {
		bad("events %d and events per file %d must be positive", o.Events, o.EventsPerFile)
	}
	if o.OrgID != "" && !orgRE.MatchString(o.OrgID) {
		bad("organization id %q does not look like o-xxxxxxxxxx", o.OrgID)
	}
	if n := (int64(o.Duration/window) + 2) * int64(o.Accounts*len(o.Regions)); n > maxCells {
		bad("%d five-minute windows x accounts x regions is more than %d", n, maxCells)
	}
	return errors.Join(append(errs, validateAttacks(o.Attacks)...)...)
}

func validateAttacks(attacks []Attack) []error {
	var errs []error
	for _, a := range attacks {
		_, ct := attackByType[a.Type]
		if _, net := netAttackByType[a.Type]; !ct && !net {
			errs = append(errs, fmt.Errorf("%w %q", ErrUnknownAttack, a.Type))
		}
		if a.Account != "" && !accountRE.MatchString(a.Account) {
			errs = append(errs, fmt.Errorf("%w: attack account %q is not a 12-digit id", ErrInvalid, a.Account))
		}
	}
	return errs
}

// ParseAttack parses the CLI form of an attack: "TYPE" (Run picks the
// time), "TYPE@2025-06-02T10:30:00Z" (an RFC 3339 time) or "TYPE@+90m" (a
// positive offset from Options.Start). TYPE is a finding type from
// SupportedAttacks, matched without regard to case.
func ParseAttack(s string) (Attack, error) {
	typ, when, hasTime := strings.Cut(strings.TrimSpace(s), "@")
	a := Attack{Type: canonicalType(typ)}
	if a.Type == "" {
		return Attack{}, fmt.Errorf("parse attack %q: %w (see SupportedAttacks)", s, ErrUnknownAttack)
	}
	if !hasTime {
		return a, nil
	}
	if rest, ok := strings.CutPrefix(when, "+"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil || d <= 0 {
			return Attack{}, fmt.Errorf("parse attack %q: offset %q is not a positive duration", s, when)
		}
		a.Offset = d
		return a, nil
	}
	t, err := time.Parse(time.RFC3339, when)
	if err != nil {
		return Attack{}, fmt.Errorf("parse attack %q: %w", s, err)
	}
	a.At = t.UTC()
	return a, nil
}

func canonicalType(s string) string {
	for _, t := range SupportedAttacks() {
		if strings.EqualFold(t, s) {
			return t
		}
	}
	return ""
}
