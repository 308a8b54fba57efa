package config_test

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-sec/vigil/internal/config"
)

func TestSourceExpectedInterval(t *testing.T) {
	tests := []struct {
		yaml    string
		want    time.Duration
		wantErr string
	}{
		{"", time.Hour, ""},
		{"    poll_interval: 45m\n", 90 * time.Minute, ""}, // twice a long poll interval
		{"    expected_interval: 15m\n", 15 * time.Minute, ""},
		{"    expected_interval: off\n", 0, ""},
		{"    expected_interval: 0s\n", 0, ""},
		{"    expected_interval: 0\n", 0, ""},
		{"    expected_interval: 10s\n    poll_interval: 1m\n", 0, "sources[0].expected_interval: 10s is below the poll interval 1m0s"},
		{"    expected_interval: soon\n", 0, `"soon" is not a duration`},
		{"    expected_interval: -1h\n", 0, `"-1h" is not a duration`},
		{"    expected_interval: [1h]\n", 0, "want a duration"},
	}
	for _, tt := range tests {
		text := "sources:\n  - url: /logs\n" + tt.yaml
		cfg, err := config.Parse([]byte(text), "vigil.yaml")
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) = %v, want an error containing %q", text, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q) = %v", text, err)
			continue
		}
		if got := cfg.Sources[0].Expected(); got != tt.want {
			t.Errorf("Parse(%q).Sources[0].Expected() = %v, want %v", text, got, tt.want)
		}
	}
}

func TestIntervalPrints(t *testing.T) {
	for _, tt := range []struct {
		i    config.Interval
		want string
	}{{0, `""`}, {config.IntervalOff, "\"off\""}, {config.Interval(90 * time.Minute), "1h30m0s"}} {
		b, err := yaml.Marshal(tt.i)
		if got := strings.TrimSpace(string(b)); err != nil || got != tt.want {
			t.Errorf("yaml.Marshal(%d) = %s, %v; want %s", tt.i, got, err, tt.want)
		}
	}
}
