package finding_test

import (
	"fmt"
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
)

func TestLevelOf(t *testing.T) {
	tests := []struct {
		sev  float64
		want finding.Level
	}{
		{-1, finding.Low},
		{0, finding.Low},
		{1, finding.Low},
		{finding.SeverityLow, finding.Low},
		{3.9, finding.Low},
		{3.99, finding.Low},
		{4, finding.Medium},
		{finding.SeverityMedium, finding.Medium},
		{6.9, finding.Medium},
		{7, finding.High},
		{finding.SeverityHigh, finding.High},
		{8.9, finding.High},
		{9, finding.Critical},
		{finding.SeverityCritical, finding.Critical},
		{10, finding.Critical},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.sev), func(t *testing.T) {
			if got := finding.LevelOf(tt.sev); got != tt.want {
				t.Errorf("LevelOf(%v) = %v, want %v", tt.sev, got, tt.want)
			}
		})
	}
}

func TestLevelMin(t *testing.T) {
	tests := []struct {
		level finding.Level
		want  float64
	}{
		{finding.Low, 1},
		{finding.Medium, 4},
		{finding.High, 7},
		{finding.Critical, 9},
	}
	for _, tt := range tests {
		t.Run(tt.level.String(), func(t *testing.T) {
			if got := tt.level.Min(); got != tt.want {
				t.Errorf("%v.Min() = %v, want %v", tt.level, got, tt.want)
			}
			if got := finding.LevelOf(tt.level.Min()); got != tt.level {
				t.Errorf("LevelOf(%v.Min()) = %v, want %v", tt.level, got, tt.level)
			}
		})
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in      string
		want    finding.Level
		wantErr bool
	}{
		{in: "low", want: finding.Low},
		{in: "Medium", want: finding.Medium},
		{in: "HIGH", want: finding.High},
		{in: " critical\n", want: finding.Critical},
		{in: "", wantErr: true},
		{in: "severe", wantErr: true},
		{in: "2", wantErr: true},
		{in: "lo w", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := finding.ParseLevel(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseLevel(%q) = %v, %v, want %v (error: %t)", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestLevelStringRoundTrip(t *testing.T) {
	for _, l := range []finding.Level{finding.Low, finding.Medium, finding.High, finding.Critical} {
		got, err := finding.ParseLevel(l.String())
		if err != nil || got != l {
			t.Errorf("ParseLevel(%q) = %v, %v, want %v", l.String(), got, err, l)
		}
	}
	if got, want := finding.Level(0).String(), "Level(0)"; got != want {
		t.Errorf("Level(0).String() = %q, want %q", got, want)
	}
}
