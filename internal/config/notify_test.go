package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/config"
)

func TestNotifyParse(t *testing.T) {
	in := `notify:
  console_url: https://vigil.example.com/console/
  destinations:
    - {name: slack, type: slack, url: https://hooks.slack.com/services/T/B/X}
    - {name: hook, type: webhook, url: http://127.0.0.1:9000/h, secret: s, headers: {X-Team: sec}}
    - {name: bus, type: nats, subject: vigil.findings}
    - {name: mail, type: email, smtp: {addr: "smtp.example.com:587", from: a@example.com, to: [b@example.com], tls: opportunistic}}
    - {name: arch, type: s3, url: s3://bucket/prefix, format: asff}
  routes:
    - {name: urgent, destination: slack, min_severity: high, exclude_types: ["Recon:*"], rate_limit: 5}
    - {name: daily, destination: mail, max_severity: "6.9", digest: 24h}
`
	c, err := config.Parse([]byte(in), "vigil.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notify.Destinations) != 5 || len(c.Notify.Routes) != 2 || c.Notify.Routes[1].Digest != 24*time.Hour {
		t.Fatalf("parsed %+v", c.Notify)
	}
	if got := c.Notify.Destinations[0].URL.String(); got != "<redacted>" {
		t.Errorf("a Slack webhook URL prints as %q; it is a secret", got)
	}
}

func TestNotifyErrors(t *testing.T) {
	dest := "  destinations:\n    - {name: slack, type: slack, url: https://hooks.slack.com/x}\n"
	for _, tt := range []struct{ in, want string }{
		{dest + "  routes:\n    - {name: r, destination: nowhere}\n", `"nowhere" is not a destination`},
		{dest + "  routes:\n    - {name: r, destination: slack, min_severity: urgent}\n", `unknown severity "urgent"`},
		{dest + "  routes:\n    - {name: r, destination: slack, min_severity: high, max_severity: low}\n", "is above max_severity"},
		{dest + "  routes:\n    - {name: r, destination: slack, types: [SSHBruteForce]}\n", `has no ':'`},
		{dest + "  routes:\n    - {name: r, destination: slack, digest: 10s}\n", "below 1m"},
		{dest + "  routes:\n    - {name: r, destination: slack, severity: high}\n", "field severity not found"},
		{"  destinations:\n    - {name: s, type: slack, url: 'http://hooks.example.com/x'}\n", "http is only allowed to localhost"},
		{"  destinations:\n    - {name: s, type: slack, url: 'not a url'}\n", "not an http(s) URL"},
		{"  destinations:\n    - {name: s, type: pager}\n", `"pager" is not slack`},
		{"  destinations:\n    - {name: s, type: nats, subject: 'a.>'}\n", "not a NATS subject"},
		{"  destinations:\n    - {name: s, type: email, smtp: {addr: 'x:25'}}\n", "addr, from and to are required"},
		{"  destinations:\n    - {name: s, type: s3, url: 'https://x'}\n", "want s3://bucket"},
		{"  destinations:\n    - {name: s, type: folder, url: /x, format: csv}\n", `"csv" is not guardduty`},
		{dest + dest[len("  destinations:\n"):], "used twice"},
		{dest + "  health: nowhere\n", `health: "nowhere"`},
	} {
		_, err := config.Parse([]byte("notify:\n"+tt.in), "vigil.yaml")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("config\n%s\nerror = %v, want one containing %q", tt.in, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "hooks.slack.com/x") {
			t.Errorf("an error shows the secret webhook URL: %v", err)
		}
	}
}

func TestNotifyApplyEnv(t *testing.T) {
	env := func(k string) string {
		if k == config.EnvSlackWebhook {
			return "https://hooks.slack.com/services/T/B/X"
		}
		return ""
	}
	var n config.Notify
	n.ApplyEnv(env)
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range n.Routes {
		got = append(got, r.Name+" "+r.Destination+" "+r.MinSeverity+"-"+r.MaxSeverity+" "+r.Digest.String())
	}
	want := []string{"high-and-critical slack high- 0s", "daily-digest slack -medium 24h0m0s"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("default routes (-want +got):\n%s", d)
	}
	// A configuration with destinations is left alone.
	m := config.Notify{Destinations: []config.Destination{{Name: "x", Type: "folder"}}}
	m.ApplyEnv(env)
	if len(m.Routes) != 0 || len(m.Destinations) != 1 {
		t.Errorf("ApplyEnv changed a configured notify section: %+v", m)
	}
}

func TestSeverityBound(t *testing.T) {
	for _, tt := range []struct {
		in    string
		upper bool
		want  float64
	}{
		{"", false, 0}, {"", true, 10}, {"high", false, 7}, {"critical", true, 10}, {"7.5", false, 7.5},
	} {
		got, err := config.SeverityBound(tt.in, tt.upper)
		if err != nil || got != tt.want {
			t.Errorf("SeverityBound(%q, %v) = %v, %v; want %v", tt.in, tt.upper, got, err, tt.want)
		}
	}
	// A level's upper bound is just below the next band.
	if got, _ := config.SeverityBound("medium", true); !(got < 7 && got > 6.99) {
		t.Errorf("SeverityBound(medium, upper) = %v", got)
	}
	if _, err := config.SeverityBound("11", false); err == nil {
		t.Error("SeverityBound(11): no error")
	}
}

// TestNotifyWebhookOnPrivateNetwork: a webhook may be plain http to any
// host (a receiver on a private network), as the webhook destination
// allows; only Slack needs https beyond localhost.
func TestNotifyWebhookOnPrivateNetwork(t *testing.T) {
	in := "notify:\n  destinations:\n    - {name: h, type: webhook, url: 'http://10.0.0.5:9000/hook'}\n"
	if _, err := config.Parse([]byte(in), "vigil.yaml"); err != nil {
		t.Errorf("http webhook on a private address: %v", err)
	}
}
