package detect

import (
	"strings"
	"testing"
	"time"
)

func TestParams(t *testing.T) {
	d := &Detector{Name: "x.scan", Params: []Param{
		{Name: "min_ports", Default: "20", Doc: "distinct ports"},
		{Name: "window", Default: "10m", Doc: "window"},
	}}
	p, err := resolveParams(d, map[string]string{"window": "1h"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Int("min_ports") != 20 || p.Duration("window") != time.Hour {
		t.Errorf("params = %d, %v; want 20, 1h", p.Int("min_ports"), p.Duration("window"))
	}
	for _, tt := range []struct {
		over map[string]map[string]string
		want string
	}{
		{map[string]map[string]string{"x.scan": {"min_ports": "ten"}}, `detection.params.x.scan.min_ports: "ten"`},
		{map[string]map[string]string{"x.scan": {"min_ports": "5m"}}, "want a number"},
		{map[string]map[string]string{"x.scan": {"window": "30"}}, "want a duration"},
		{map[string]map[string]string{"x.scan": {"window": "-1m"}}, "must be positive"},
		{map[string]map[string]string{"x.scan": {"ports": "3"}}, `unknown parameter "ports" (have min_ports, window)`},
		{map[string]map[string]string{"y.scan": {"a": "1"}}, `unknown detector "y.scan"`},
	} {
		err := CheckParams([]*Detector{d}, tt.over)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckParams(%v) = %v, want %q", tt.over, err, tt.want)
		}
	}
	if err := CheckParams([]*Detector{d}, map[string]map[string]string{"x.scan": {"min_ports": "25", "window": "90s"}}); err != nil {
		t.Errorf("valid overrides: %v", err)
	}
}

func TestEngineAppliesParams(t *testing.T) {
	var seen ParamValues
	d := &Detector{Name: "x.p", Params: []Param{{Name: "n", Default: "3"}}, Detect: nil}
	e := New([]*Detector{d}, Options{Params: map[string]map[string]string{"x.p": {"n": "7"}}})
	seen = e.all[0].ctx.Params
	if seen.Int("n") != 7 {
		t.Errorf("n = %d, want the override 7", seen.Int("n"))
	}
	e = New([]*Detector{d}, Options{Params: map[string]map[string]string{"x.p": {"n": "bad"}}})
	if e.all[0].ctx.Params.Int("n") != 3 {
		t.Errorf("an invalid override replaced the default")
	}
}

func TestEngineDisabledTypes(t *testing.T) {
	e := New(nil, Options{Disabled: []string{"Policy:*", "Recon:IAMUser/TorIPCaller"}})
	for typ, want := range map[string]bool{
		"Policy:IAMUser/RootCredentialUsage": true, "Recon:IAMUser/TorIPCaller": true,
		"Recon:IAMUser/TorIPCallerX": false, "PenTest:IAMUser/KaliLinux": false,
	} {
		if got := e.disabled(typ); got != want {
			t.Errorf("disabled(%s) = %v, want %v", typ, got, want)
		}
	}
}
