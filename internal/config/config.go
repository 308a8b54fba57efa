// Package config parses vigil.yaml: one strict YAML file of per-component
// sections, with defaults filled in and Validate checking the result.
// Secrets come from the file, an environment variable or a file, and
// redact themselves when printed.
//
// The package only describes configuration; it must never start
// components or read logs.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the whole of vigil.yaml.
type Config struct {
	DataDir    string   `yaml:"data_dir"`
	Listen     string   `yaml:"listen"`
	DetectorID string   `yaml:"detector_id"`
	Log        Log      `yaml:"log"`
	S3         S3       `yaml:"s3"`
	Sources    []Source `yaml:"sources"`
	Input      Input    `yaml:"input"`
	Detection  Detect   `yaml:"detection"`
	// MalwareProtection configures Malware Protection for S3.
	MalwareProtection MalwareProtection `yaml:"malware_protection"`
	// Intel configures threat intelligence, trusted lists and enrichment.
	Intel Intel `yaml:"intel"`
	// Inventory maps network interfaces to instances and functions.
	Inventory Inventory `yaml:"inventory"`
	// API configures the GuardDuty-compatible API and console users.
	API API `yaml:"api"`
	// Notify configures notification routes and destinations.
	Notify Notify `yaml:"notify"`
	// Cost configures GuardDuty price estimates.
	Cost Cost `yaml:"cost"`
}

// Input bounds what reading one log file may cost.
type Input struct {
	// MaxFileBytes is the largest decompressed size of one log file; the
	// rest of a larger file is reported and not read (0: 256 MiB).
	MaxFileBytes int64 `yaml:"max_file_bytes"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// S3 configures access to S3 or an S3-compatible server, for s3:// sources.
type S3 struct {
	Endpoint        string `yaml:"endpoint"` // empty: AWS
	Region          string `yaml:"region"`
	PathStyle       bool   `yaml:"path_style"`
	Profile         string `yaml:"profile"`
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey Secret `yaml:"secret_access_key"`
}

// Source is a location Vigil watches for log files.
type Source struct {
	URL          string        `yaml:"url"` // a folder, a file or s3://bucket/prefix
	PollInterval time.Duration `yaml:"poll_interval"`
	// ExpectedInterval is how long the source may go without a new log
	// file before Vigil raises a health warning (console, /healthz,
	// metrics, notifications): unset means DefaultExpectedInterval (1h,
	// or twice the poll interval when that is longer); "off" or 0s turns
	// the check off. See Source.Expected.
	ExpectedInterval Interval `yaml:"expected_interval"`
}

// Detect configures the detection engine.
type Detect struct {
	// StateLimit bounds the keys each detector keeps.
	StateLimit int `yaml:"state_limit"`
	// Disabled lists finding types (or prefixes ending in "*") not to report.
	Disabled []string `yaml:"disabled"`
	// Params override detectors' thresholds and windows: detector name
	// (see "vigil detectors list") → parameter → value, such as
	// {ec2.portscan: {min_ports: 50}}.
	Params map[string]map[string]string `yaml:"params"`
}

// Defaults.
const (
	DefaultDataDir      = "./vigil-data"
	DefaultListen       = "127.0.0.1:8080"
	DefaultPollInterval = 30 * time.Second
	DefaultStateLimit   = 100000
	DefaultMaxFileBytes = 256 << 20
)

// Default returns the configuration used without a file.
func Default() *Config {
	c := &Config{}
	c.fill()
	return c
}

// Load reads and validates a config file. Unknown keys are errors.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(b, path)
}

// Parse parses and validates config text; name is used in errors.
func Parse(b []byte, name string) (*Config, error) {
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) { // an empty file is an empty config
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: more than one YAML document; vigil.yaml is one document", name)
	}
	c.fill()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

func (c *Config) fill() {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	if c.S3.Region == "" {
		c.S3.Region = "us-east-1"
	}
	if c.Input.MaxFileBytes == 0 {
		c.Input.MaxFileBytes = DefaultMaxFileBytes
	}
	if c.Detection.StateLimit == 0 {
		c.Detection.StateLimit = DefaultStateLimit
	}
	c.MalwareProtection.fill(c.S3.Region)
	c.Intel.fill()
	c.Inventory.fill()
	c.API.fill()
	for i := range c.Sources {
		if c.Sources[i].PollInterval == 0 {
			c.Sources[i].PollInterval = DefaultPollInterval
		}
	}
}

// Validate checks the configuration and returns every problem found.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen: %w", err))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level: %q is not debug, info, warn or error", c.Log.Level))
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		errs = append(errs, fmt.Errorf("log.format: %q is not text or json", c.Log.Format))
	}
	if c.DetectorID != "" && !isHex32(c.DetectorID) {
		errs = append(errs, fmt.Errorf("detector_id: %q is not 32 lowercase hex digits", c.DetectorID))
	}
	for i, s := range c.Sources {
		if strings.TrimSpace(s.URL) == "" {
			errs = append(errs, fmt.Errorf("sources[%d].url: empty", i))
		}
		if s.PollInterval < time.Second {
			errs = append(errs, fmt.Errorf("sources[%d].poll_interval: %v is below 1s", i, s.PollInterval))
		}
		if e := s.ExpectedInterval; e > 0 && time.Duration(e) < s.PollInterval {
			errs = append(errs, fmt.Errorf("sources[%d].expected_interval: %v is below the poll interval %v", i, time.Duration(e), s.PollInterval))
		}
	}
	if c.Input.MaxFileBytes < 1<<10 {
		errs = append(errs, fmt.Errorf("input.max_file_bytes: %d is below 1 KiB", c.Input.MaxFileBytes))
	}
	if c.Detection.StateLimit < 0 {
		errs = append(errs, errors.New("detection.state_limit: negative"))
	}
	if err := c.MalwareProtection.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Intel.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Inventory.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.API.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Notify.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Cost.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}
