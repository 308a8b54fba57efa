package detect

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Param is a tunable threshold or window of a detector. Its value is a
// number ("20", "0.8") or a duration ("10m", "1h30m"); every value is
// documented with its default in "vigil detectors show" and can be
// overridden in vigil.yaml (detection.params.<detector>.<name>).
type Param struct {
	Name    string // snake_case, such as "min_ports"
	Default string
	Doc     string // what it bounds, in a few words
}

// ParamValues are a detector's effective parameter values, parsed once.
type ParamValues struct {
	nums map[string]float64
	durs map[string]time.Duration
}

// Num returns a numeric parameter; it panics on a name the detector did
// not declare, which is a programming error caught by tests.
func (p ParamValues) Num(name string) float64 {
	v, ok := p.nums[name]
	if !ok {
		panic(fmt.Sprintf("detect: undeclared numeric parameter %q", name))
	}
	return v
}

// Int returns a numeric parameter as an int.
func (p ParamValues) Int(name string) int { return int(p.Num(name)) }

// Duration returns a duration parameter; it panics on an undeclared name.
func (p ParamValues) Duration(name string) time.Duration {
	v, ok := p.durs[name]
	if !ok {
		panic(fmt.Sprintf("detect: undeclared duration parameter %q", name))
	}
	return v
}

// parseParam parses a value as a duration when it ends in a unit letter,
// else as a number.
func parseParam(v string) (num float64, dur time.Duration, isDur bool, err error) {
	v = strings.TrimSpace(v)
	if v != "" && (v[len(v)-1] == 's' || v[len(v)-1] == 'm' || v[len(v)-1] == 'h') {
		dur, err = time.ParseDuration(v)
		return 0, dur, true, err
	}
	num, err = strconv.ParseFloat(v, 64)
	return num, 0, false, err
}

// resolveParams returns d's parameters with overrides applied.
func resolveParams(d *Detector, overrides map[string]string) (ParamValues, error) {
	p := ParamValues{nums: map[string]float64{}, durs: map[string]time.Duration{}}
	var errs []error
	for _, decl := range d.Params {
		v := decl.Default
		if o, ok := overrides[decl.Name]; ok {
			v = o
		}
		num, dur, isDur, err := parseParam(v)
		_, _, defIsDur, _ := parseParam(decl.Default)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("detection.params.%s.%s: %q: %v", d.Name, decl.Name, v, err))
		case isDur != defIsDur:
			errs = append(errs, fmt.Errorf("detection.params.%s.%s: %q: want a %s like the default %s", d.Name, decl.Name, v, kindOf(defIsDur), decl.Default))
		case isDur && dur <= 0, !isDur && num < 0:
			errs = append(errs, fmt.Errorf("detection.params.%s.%s: %q must be positive", d.Name, decl.Name, v))
		case isDur:
			p.durs[decl.Name] = dur
		default:
			p.nums[decl.Name] = num
		}
	}
	for name := range overrides {
		if !hasParam(d, name) {
			errs = append(errs, fmt.Errorf("detection.params.%s: unknown parameter %q (have %s)", d.Name, name, paramNames(d)))
		}
	}
	return p, errors.Join(errs...)
}

func kindOf(dur bool) string {
	if dur {
		return "duration"
	}
	return "number"
}

func hasParam(d *Detector, name string) bool {
	for _, p := range d.Params {
		if p.Name == name {
			return true
		}
	}
	return false
}

func paramNames(d *Detector) string {
	var out []string
	for _, p := range d.Params {
		out = append(out, p.Name)
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// CheckParams validates parameter overrides (detector name → parameter →
// value) against the detectors: unknown detectors or parameters and
// values that do not parse are errors.
func CheckParams(dets []*Detector, overrides map[string]map[string]string) error {
	byName := map[string]*Detector{}
	for _, d := range dets {
		byName[d.Name] = d
	}
	names := make([]string, 0, len(overrides))
	for n := range overrides {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		d, ok := byName[n]
		if !ok {
			errs = append(errs, fmt.Errorf("detection.params: unknown detector %q (see vigil detectors list)", n))
			continue
		}
		if _, err := resolveParams(d, overrides[n]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
