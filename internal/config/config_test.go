package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/config"
)

// secretValue compares secrets by their value.
var secretValue = cmp.Comparer(func(a, b config.Secret) bool { return a.Value() == b.Value() })

func TestDefault(t *testing.T) {
	want := &config.Config{
		DataDir:   config.DefaultDataDir,
		Listen:    config.DefaultListen,
		Log:       config.Log{Level: "info", Format: "text"},
		S3:        config.S3{Region: "us-east-1"},
		Input:     config.Input{MaxFileBytes: config.DefaultMaxFileBytes},
		Detection: config.Detect{StateLimit: config.DefaultStateLimit},
		MalwareProtection: config.MalwareProtection{
			AccountID: config.DefaultMalwareAccountID, Region: "us-east-1",
			MaxConcurrentScans: config.DefaultMaxConcurrentScans, QueueSize: config.DefaultScanQueueSize, WebhookPath: "/s3-events",
		},
		Intel:     defaultIntel(),
		Inventory: config.Inventory{Refresh: config.DefaultInventoryRefresh},
	}
	got := config.Default()
	if diff := cmp.Diff(want, got, secretValue); diff != "" {
		t.Errorf("Default() differs (-want +got):\n%s", diff)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v, want nil", err)
	}
}

func TestParseEmptyIsDefault(t *testing.T) {
	for _, in := range []string{"", "\n", "# only a comment\n", "---\n", "{}\n"} {
		got, err := config.Parse([]byte(in), "vigil.yaml")
		if err != nil {
			t.Errorf("Parse(%q) error = %v, want nil", in, err)
			continue
		}
		if diff := cmp.Diff(config.Default(), got, secretValue); diff != "" {
			t.Errorf("Parse(%q) differs from Default() (-want +got):\n%s", in, diff)
		}
	}
}

const fullYAML = `# every setting
data_dir: /var/lib/vigil
listen: "[::1]:9090"
detector_id: 0c9f3a1e7b5d4e2f8a6b1c3d5e7f9a0b
log:
  level: debug
  format: json
s3:
  endpoint: http://127.0.0.1:7070
  region: eu-west-1
  path_style: true
  profile: vigil
  access_key_id: AKIAIOSFODNN7EXAMPLE
  secret_access_key: {env: VIGIL_TEST_S3_SECRET}
sources:
  - url: /var/log/cloudtrail
    poll_interval: 1m30s
  - url: s3://trail-bucket/AWSLogs/
input:
  max_file_bytes: 1048576
detection:
  state_limit: 5000
  disabled:
    - "Policy:*"
    - Recon:IAMUser/MaliciousIPCaller
malware_protection:
  account_id: "123456789012"
  region: eu-central-1
  plans:
    - id: uploads-plan
      bucket: uploads
      prefixes: [incoming/, "shared/docs/"]
      tagging: false
      post_scan_action: quarantine
      quarantine_bucket: quarantine
      quarantine_prefix: malware/
      key_decoding: raw
      poll_interval: 2m
    - bucket: reports
  s3:
    endpoint: http://127.0.0.1:7071
    path_style: true
  result_webhooks:
    - https://hooks.example.com/scan?token=abc
  max_concurrent_scans: 8
  queue_size: 50
inventory:
  files: [/etc/vigil/enis.json]
  ec2_regions: [us-east-1, eu-west-1]
  refresh: 5m
`

var yes, no = true, false

func TestParseFull(t *testing.T) {
	t.Setenv("VIGIL_TEST_S3_SECRET", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	got, err := config.Parse([]byte(fullYAML), "vigil.yaml")
	if err != nil {
		t.Fatalf("Parse(full) error = %v", err)
	}
	want := &config.Config{
		DataDir:    "/var/lib/vigil",
		Listen:     "[::1]:9090",
		DetectorID: "0c9f3a1e7b5d4e2f8a6b1c3d5e7f9a0b",
		Log:        config.Log{Level: "debug", Format: "json"},
		S3: config.S3{
			Endpoint:        "http://127.0.0.1:7070",
			Region:          "eu-west-1",
			PathStyle:       true,
			Profile:         "vigil",
			AccessKeyID:     "AKIAIOSFODNN7EXAMPLE",
			SecretAccessKey: config.NewSecret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
		},
		Sources: []config.Source{
			{URL: "/var/log/cloudtrail", PollInterval: 90 * time.Second},
			{URL: "s3://trail-bucket/AWSLogs/", PollInterval: config.DefaultPollInterval},
		},
		Input:     config.Input{MaxFileBytes: 1 << 20},
		Detection: config.Detect{StateLimit: 5000, Disabled: []string{"Policy:*", "Recon:IAMUser/MaliciousIPCaller"}},
		MalwareProtection: config.MalwareProtection{
			AccountID: "123456789012",
			Region:    "eu-central-1",
			Plans: []config.MalwarePlan{
				{
					ID: "uploads-plan", Bucket: "uploads", Prefixes: []string{"incoming/", "shared/docs/"},
					Tagging: &no, PostScanAction: "quarantine", QuarantineBucket: "quarantine",
					QuarantinePrefix: "malware/", KeyDecoding: "raw", PollInterval: 2 * time.Minute,
				},
				{ID: "reports", Bucket: "reports", Tagging: &yes, PostScanAction: "none", KeyDecoding: "url"},
			},
			S3:                 &config.S3{Endpoint: "http://127.0.0.1:7071", PathStyle: true, Region: "eu-west-1"},
			ResultWebhooks:     []config.Secret{config.NewSecret("https://hooks.example.com/scan?token=abc")},
			MaxConcurrentScans: 8,
			QueueSize:          50, WebhookPath: "/s3-events",
		},
		Intel:     defaultIntel(),
		Inventory: config.Inventory{Files: []string{"/etc/vigil/enis.json"}, EC2Regions: []string{"us-east-1", "eu-west-1"}, Refresh: 5 * time.Minute},
	}
	if diff := cmp.Diff(want, got, secretValue); diff != "" {
		t.Errorf("Parse(full) differs (-want +got):\n%s", diff)
	}
}

func TestLoad(t *testing.T) {
	t.Setenv("VIGIL_TEST_S3_SECRET", "x")
	path := filepath.Join(t.TempDir(), "vigil.yaml")
	if err := os.WriteFile(path, []byte(fullYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := config.Load(path)
	if err != nil {
		t.Fatalf("Load(%s) error = %v", path, err)
	}
	if got.DataDir != "/var/lib/vigil" {
		t.Errorf("Load(%s).DataDir = %q, want %q", path, got.DataDir, "/var/lib/vigil")
	}

	missing := filepath.Join(t.TempDir(), "nope.yaml")
	if _, err := config.Load(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(%s) error = %v, want one wrapping os.ErrNotExist", missing, err)
	}
}

// TestExample checks that the example shipped with the repository stays valid.
func TestExample(t *testing.T) {
	path := filepath.Join("..", "..", "examples", "vigil.yaml")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no example config: %v", err)
	}
	t.Setenv("VIGIL_EXAMPLE_S3_SECRET", "example")
	if _, err := config.Load(path); err != nil {
		t.Errorf("Load(%s) error = %v", path, err)
	}
}

// TestParseErrors checks that bad input is refused with an error naming
// the file and the problem.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // substrings of the error
	}{
		{"unknown top-level key", "listen_addr: 127.0.0.1:80\n", []string{"listen_addr"}},
		{"unknown log key", "log:\n  colour: true\n", []string{"colour"}},
		{"unknown s3 key", "s3:\n  bucket: b\n", []string{"bucket"}},
		{"unknown source key", "sources:\n  - url: /logs\n    interval: 1m\n", []string{"interval"}},
		{"unknown input key", "input:\n  max_bytes: 1\n", []string{"max_bytes"}},
		{"unknown detection key", "detection:\n  enabled: [x]\n", []string{"enabled"}},
		{"wrong type", "detection:\n  state_limit: lots\n", []string{"lots"}},
		{"bad duration", "sources:\n  - url: /logs\n    poll_interval: soon\n", []string{"soon"}},
		{"not a mapping", "- a\n- b\n", []string{"vigil.yaml"}},
		{"bad YAML", "listen: [\n", []string{"vigil.yaml"}},

		{"listen without port", "listen: localhost\n", []string{"listen:"}},
		{"log level", "log:\n  level: verbose\n", []string{"log.level", `"verbose"`}},
		{"log format", "log:\n  format: xml\n", []string{"log.format", `"xml"`}},
		{"detector id short", "detector_id: abc\n", []string{"detector_id", `"abc"`}},
		{"detector id upper case", "detector_id: 0C9F3A1E7B5D4E2F8A6B1C3D5E7F9A0B\n", []string{"detector_id"}},
		{"detector id not hex", "detector_id: 0c9f3a1e7b5d4e2f8a6b1c3d5e7f9a0g\n", []string{"detector_id"}},
		{"source url empty", "sources:\n  - poll_interval: 1m\n", []string{"sources[0].url: empty"}},
		{"source url blank", "sources:\n  - url: /logs\n  - url: '  '\n", []string{"sources[1].url: empty"}},
		{"poll interval below 1s", "sources:\n  - url: /logs\n    poll_interval: 500ms\n", []string{"sources[0].poll_interval", "500ms"}},
		{"negative poll interval", "sources:\n  - url: /logs\n    poll_interval: -1m\n", []string{"sources[0].poll_interval"}},
		{"max file bytes below 1 KiB", "input:\n  max_file_bytes: 1023\n", []string{"input.max_file_bytes", "1023"}},
		{"negative max file bytes", "input:\n  max_file_bytes: -1\n", []string{"input.max_file_bytes"}},
		{"negative state limit", "detection:\n  state_limit: -1\n", []string{"detection.state_limit"}},
		{"every problem reported", "listen: nowhere\nlog:\n  level: loud\n  format: xml\ndetection:\n  state_limit: -5\n",
			[]string{"listen:", "log.level", "log.format", "detection.state_limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := config.Parse([]byte(tt.in), "vigil.yaml")
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", tt.in, got)
			}
			if !strings.HasPrefix(err.Error(), "vigil.yaml: ") {
				t.Errorf("Parse(%q) error = %q, want it to start with the file name", tt.in, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse(%q) error = %q, want it to mention %q", tt.in, err, w)
				}
			}
		})
	}
}

// TestValidate checks Validate on configs built in code, as cmd/vigil
// does after applying flags.
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *config.Config)
		want   string // substring of the error; "" for none
	}{
		{"default", func(*config.Config) {}, ""},
		{"listen host:port", func(c *config.Config) { c.Listen = "0.0.0.0:8080" }, ""},
		{"listen port only", func(c *config.Config) { c.Listen = ":8080" }, ""},
		{"listen empty", func(c *config.Config) { c.Listen = "" }, "listen:"},
		{"each log level", func(c *config.Config) { c.Log.Level = "warn" }, ""},
		{"log level case", func(c *config.Config) { c.Log.Level = "INFO" }, "log.level"},
		{"log level empty", func(c *config.Config) { c.Log.Level = "" }, "log.level"},
		{"log format empty", func(c *config.Config) { c.Log.Format = "" }, "log.format"},
		{"detector id", func(c *config.Config) { c.DetectorID = "0c9f3a1e7b5d4e2f8a6b1c3d5e7f9a0b" }, ""},
		{"detector id 33 digits", func(c *config.Config) { c.DetectorID = "0c9f3a1e7b5d4e2f8a6b1c3d5e7f9a0b1" }, "detector_id"},
		{"poll interval 1s", func(c *config.Config) { c.Sources = []config.Source{{URL: "/x", PollInterval: time.Second}} }, ""},
		{"poll interval 0 (not filled)", func(c *config.Config) { c.Sources = []config.Source{{URL: "/x"}} }, "sources[0].poll_interval"},
		{"max file bytes 1 KiB", func(c *config.Config) { c.Input.MaxFileBytes = 1 << 10 }, ""},
		{"max file bytes 0 (not filled)", func(c *config.Config) { c.Input.MaxFileBytes = 0 }, "input.max_file_bytes"},
		{"state limit 0 (not filled)", func(c *config.Config) { c.Detection.StateLimit = 0 }, ""},
		{"state limit negative", func(c *config.Config) { c.Detection.StateLimit = -1 }, "detection.state_limit: negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.change(c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

// FuzzParse checks that Parse never panics, and that whatever it accepts
// is valid and has its defaults filled in.
func FuzzParse(f *testing.F) {
	f.Add([]byte(fullYAML))
	f.Add([]byte(""))
	f.Add([]byte("listen: localhost\n"))
	f.Add([]byte("sources:\n  - url: /logs\n    poll_interval: 500ms\n"))
	f.Add([]byte("s3:\n  secret_access_key: {env: HOME}\n"))
	f.Add([]byte("s3:\n  secret_access_key: [1, 2]\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("detection: {disabled: [\"x*\"], state_limit: 1}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if strings.Contains(string(b), "file") {
			// {file: PATH} reads a file; the fuzzer must not make it read
			// devices such as /dev/zero.
			t.Skip()
		}
		c, err := config.Parse(b, "fuzz.yaml")
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Parse(%q) succeeded, but Validate() = %v", b, err)
		}
		if c.DataDir == "" || c.Listen == "" || c.Input.MaxFileBytes == 0 || c.Detection.StateLimit == 0 {
			t.Errorf("Parse(%q) = %+v, want defaults filled in", b, c)
		}
	})
}

func TestParseRejectsSeveralDocuments(t *testing.T) {
	_, err := config.Parse([]byte("listen: 127.0.0.1:8080\n---\nlisten: 127.0.0.1:9090\n"), "two.yaml")
	if err == nil || !strings.Contains(err.Error(), "more than one YAML document") {
		t.Errorf("Parse(two documents) = %v, want an error saying so", err)
	}
}
