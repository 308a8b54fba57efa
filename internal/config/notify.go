package config

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
)

// Notify configures notifications: where findings go (destinations) and
// which go where (routes).
//
//	notify:
//	  console_url: https://vigil.example.com/console/
//	  destinations:
//	    - {name: slack, type: slack, url: {env: VIGIL_SLACK_WEBHOOK_URL}}
//	    - {name: siem, type: webhook, url: https://siem.example.com/hook, secret: {env: HOOK_SECRET}}
//	  routes:
//	    - {name: urgent, destination: slack, min_severity: high}
//	    - {name: daily, destination: slack, max_severity: medium, digest: 24h}
type Notify struct {
	// ConsoleURL is the console's address as people reach it; messages
	// link each finding to ConsoleURL + "findings/" + id.
	ConsoleURL   string        `yaml:"console_url"`
	Destinations []Destination `yaml:"destinations"`
	Routes       []Route       `yaml:"routes"`
	// UpdateInterval overrides the detector's findingPublishingFrequency
	// for batched updates of existing findings (0: use the detector's).
	UpdateInterval time.Duration `yaml:"update_interval"`
	// MaxAge is how long a delivery is retried before it is given up and
	// counted as failed (0: 72h).
	MaxAge time.Duration `yaml:"max_age"`
	// Health names a destination that is told when a health check
	// (a silent source, a failing destination, a stale list) changes
	// state; empty: none.
	Health string `yaml:"health"`
}

// Destination kinds.
var destinationTypes = map[string]bool{"slack": true, "webhook": true, "nats": true, "email": true, "s3": true, "folder": true}

// Destination is one place messages are delivered to.
type Destination struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"` // slack, webhook, nats, email, s3, folder
	// URL is the Slack incoming webhook or webhook URL (a secret: Slack
	// webhook URLs grant posting), the nats:// server (default
	// nats://127.0.0.1:4222), s3://bucket/prefix, or the folder path.
	URL Secret `yaml:"url"`
	// Secret signs webhook bodies (X-Vigil-Signature, HMAC-SHA256).
	Secret  Secret            `yaml:"secret"`
	Headers map[string]string `yaml:"headers"`
	// Subject is the NATS subject.
	Subject string `yaml:"subject"`
	// SMTP configures email.
	SMTP SMTP `yaml:"smtp"`
	// Format of s3 and folder exports: guardduty (default), asff or ocsf.
	Format string `yaml:"format"`
	// KMSKeyID encrypts S3 exports with SSE-KMS.
	KMSKeyID string        `yaml:"kms_key_id"`
	Timeout  time.Duration `yaml:"timeout"` // per delivery attempt (0: 10s)
}

// SMTP configures an email destination.
type SMTP struct {
	Addr     string   `yaml:"addr"` // host:port
	From     string   `yaml:"from"`
	To       []string `yaml:"to"`
	Username string   `yaml:"username"`
	Password Secret   `yaml:"password"`
	// TLS is "starttls" (the default: STARTTLS, required),
	// "opportunistic" (STARTTLS when offered), "tls" (SMTPS, port 465) or
	// "none".
	TLS string `yaml:"tls"`
}

// Route sends the findings that match its filter to a destination.
type Route struct {
	Name        string `yaml:"name"`
	Destination string `yaml:"destination"`
	// MinSeverity and MaxSeverity bound the severity: a level (low,
	// medium, high, critical) or a number; empty: no bound.
	MinSeverity string `yaml:"min_severity"`
	MaxSeverity string `yaml:"max_severity"`
	// Types and ExcludeTypes are finding types, exact or a prefix ending
	// in "*" ("Recon:EC2/*"). An empty Types matches every type.
	Types        []string          `yaml:"types"`
	ExcludeTypes []string          `yaml:"exclude_types"`
	Accounts     []string          `yaml:"accounts"`
	Regions      []string          `yaml:"regions"`
	ResourceTags map[string]string `yaml:"resource_tags"`
	// Digest, when set, collects the route's findings and sends them as
	// one message every Digest (aligned to UTC: 24h sends at midnight).
	Digest time.Duration `yaml:"digest"`
	// RateLimit bounds the messages sent at once per RateWindow (default
	// 1m); beyond it findings are folded into one digest at the window's
	// end, except the first finding of each type in the window, which is
	// still sent at once. 0: no limit.
	RateLimit  int           `yaml:"rate_limit"`
	RateWindow time.Duration `yaml:"rate_window"`
}

// SeverityBound parses a route's min_severity or max_severity: a level
// name gives the band's lower (min) or upper (max) bound.
func SeverityBound(s string, upper bool) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if upper {
			return 10, nil
		}
		return 0, nil
	}
	if numberRE.MatchString(s) {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v > 10 {
			return 0, fmt.Errorf("severity %s is outside 0-10", s)
		}
		return v, nil
	}
	l, err := finding.ParseLevel(s)
	if err != nil {
		return 0, err
	}
	if !upper {
		return l.Min(), nil
	}
	if l == finding.Critical {
		return 10, nil
	}
	// The largest severity below the next band.
	return math.Nextafter((l + 1).Min(), 0), nil
}

var numberRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// EnvSlackWebhook is the environment variable that turns on the default
// routes without a config file.
const EnvSlackWebhook = "VIGIL_SLACK_WEBHOOK_URL"

// DefaultRoutes returns the seed's operating rules for a destination:
// Critical and High findings at once, Medium and Low in a daily digest.
func DefaultRoutes(destination string) []Route {
	return []Route{
		{Name: "high-and-critical", Destination: destination, MinSeverity: "high", RateLimit: 20},
		{Name: "daily-digest", Destination: destination, MaxSeverity: "medium", Digest: 24 * time.Hour},
	}
}

// ApplyEnv adds a Slack destination and the default routes when the
// configuration has no destinations and getenv(EnvSlackWebhook) is set.
func (n *Notify) ApplyEnv(getenv func(string) string) {
	u := getenv(EnvSlackWebhook)
	if u == "" || len(n.Destinations) > 0 || len(n.Routes) > 0 {
		return
	}
	n.Destinations = []Destination{{Name: "slack", Type: "slack", URL: Secret{value: u, from: "env " + EnvSlackWebhook}}}
	n.Routes = DefaultRoutes("slack")
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Validate checks the notify section.
func (n *Notify) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf("notify."+format, a...)) }
	if n.ConsoleURL != "" {
		if u, err := url.Parse(n.ConsoleURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("console_url: %q is not an http(s) URL", n.ConsoleURL)
		}
	}
	if n.UpdateInterval < 0 || n.MaxAge < 0 {
		add("update_interval and max_age must not be negative")
	}
	dests := map[string]bool{}
	for i, d := range n.Destinations {
		at := fmt.Sprintf("destinations[%d]", i)
		if !nameRE.MatchString(d.Name) {
			add("%s.name: %q is not 1-64 letters, digits, '.', '_' or '-'", at, d.Name)
		}
		if dests[d.Name] {
			add("%s.name: %q is used twice", at, d.Name)
		}
		dests[d.Name] = true
		if !destinationTypes[d.Type] {
			add("%s.type: %q is not slack, webhook, nats, email, s3 or folder", at, d.Type)
			continue
		}
		if err := d.validate(); err != nil {
			add("%s (%s): %v", at, d.Name, err)
		}
	}
	routes := map[string]bool{}
	for i, r := range n.Routes {
		at := fmt.Sprintf("routes[%d]", i)
		if !nameRE.MatchString(r.Name) {
			add("%s.name: %q is not 1-64 letters, digits, '.', '_' or '-'", at, r.Name)
		}
		if routes[r.Name] {
			add("%s.name: %q is used twice", at, r.Name)
		}
		routes[r.Name] = true
		if !dests[r.Destination] {
			add("%s.destination: %q is not a destination in notify.destinations", at, r.Destination)
		}
		lo, err1 := SeverityBound(r.MinSeverity, false)
		hi, err2 := SeverityBound(r.MaxSeverity, true)
		if err := errors.Join(err1, err2); err != nil {
			add("%s: %v", at, err)
		} else if lo > hi {
			add("%s: min_severity %s is above max_severity %s", at, r.MinSeverity, r.MaxSeverity)
		}
		for _, t := range append(append([]string{}, r.Types...), r.ExcludeTypes...) {
			if err := checkTypePattern(t); err != nil {
				add("%s: %v", at, err)
			}
		}
		if r.Digest < 0 || (r.Digest > 0 && r.Digest < time.Minute) {
			add("%s.digest: %v is below 1m", at, r.Digest)
		}
		if r.RateLimit < 0 || r.RateWindow < 0 {
			add("%s: rate_limit and rate_window must not be negative", at)
		}
	}
	if n.Health != "" && !dests[n.Health] {
		add("health: %q is not a destination in notify.destinations", n.Health)
	}
	return errors.Join(errs...)
}

// checkTypePattern accepts a finding type ("ThreatPurpose:Resource/Name")
// or a prefix of one ending in "*".
func checkTypePattern(t string) error {
	p, prefix := strings.CutSuffix(t, "*")
	if p == "" && !prefix || strings.ContainsAny(p, "* \t") {
		return fmt.Errorf("finding type pattern %q: want a type or a prefix ending in '*'", t)
	}
	if !prefix && !strings.Contains(p, ":") {
		return fmt.Errorf("finding type %q has no ':' (did you mean %q?)", t, t+"*")
	}
	return nil
}

func (d *Destination) validate() error {
	if d.Timeout < 0 {
		return errors.New("timeout: negative")
	}
	switch d.Type {
	case "slack", "webhook":
		u, err := url.Parse(d.URL.Value())
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return errors.New("url: not an http(s) URL") // the URL itself is a secret
		}
		// Slack is reached over the internet: https, or http to a local
		// relay. A webhook may be an http receiver on a private network.
		if d.Type == "slack" && u.Scheme == "http" && !loopback(u.Hostname()) {
			return errors.New("url: http is only allowed to localhost; use https")
		}
	case "nats":
		if d.Subject == "" || strings.ContainsAny(d.Subject, " \t>*") {
			return fmt.Errorf("subject: %q is not a NATS subject without wildcards", d.Subject)
		}
		if v := d.URL.Value(); v != "" && !strings.HasPrefix(v, "nats://") && !strings.HasPrefix(v, "tls://") {
			return errors.New("url: not a nats:// or tls:// URL")
		}
	case "email":
		if d.SMTP.Addr == "" || d.SMTP.From == "" || len(d.SMTP.To) == 0 {
			return errors.New("smtp: addr, from and to are required")
		}
		switch d.SMTP.TLS {
		case "", "starttls", "opportunistic", "tls", "none":
		default:
			return fmt.Errorf("smtp.tls: %q is not starttls, opportunistic, tls or none", d.SMTP.TLS)
		}
	case "s3", "folder":
		switch d.Format {
		case "", "guardduty", "asff", "ocsf":
		default:
			return fmt.Errorf("format: %q is not guardduty, asff or ocsf", d.Format)
		}
	}
	switch d.Type {
	case "s3":
		if !strings.HasPrefix(d.URL.Value(), "s3://") || len(d.URL.Value()) == len("s3://") {
			return errors.New("url: want s3://bucket[/prefix]")
		}
	case "folder":
		if d.URL.Value() == "" {
			return errors.New("url: the folder path is required")
		}
	}
	return nil
}

func loopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
