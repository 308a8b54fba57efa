package config

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultExpectedInterval is how long a source may go without a new log
// file before Vigil warns, unless its expected_interval says otherwise.
// AWS delivers CloudTrail files about every 5 minutes and flow logs every
// 10 for an account with activity; an hour of silence means something
// upstream stopped.
const DefaultExpectedInterval = time.Hour

// Expected returns how long the source may go without a new log file
// before Vigil warns: its ExpectedInterval, or when unset
// DefaultExpectedInterval or twice the poll interval, whichever is
// longer; 0 when off.
func (s Source) Expected() time.Duration {
	if s.ExpectedInterval == 0 {
		return max(DefaultExpectedInterval, 2*s.PollInterval)
	}
	return s.ExpectedInterval.Or(0)
}

// Interval is a duration of vigil.yaml that can also be "off". The zero
// Interval is unset: the component's default applies. "off" and "0s" are
// IntervalOff.
type Interval time.Duration

// IntervalOff turns off what an Interval bounds.
const IntervalOff Interval = -1

// Or returns the interval to use: def when unset, 0 when off.
func (i Interval) Or(def time.Duration) time.Duration {
	switch {
	case i == 0:
		return def
	case i < 0:
		return 0
	}
	return time.Duration(i)
}

// UnmarshalYAML reads a duration such as "90m", or "off".
func (i *Interval) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a duration such as 1h, or off", n.Line)
	}
	if n.Value == "off" {
		*i = IntervalOff
		return nil
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil || d < 0 {
		return fmt.Errorf("line %d: %q is not a duration such as 1h, or off", n.Line, n.Value)
	}
	if d == 0 {
		*i = IntervalOff
		return nil
	}
	*i = Interval(d)
	return nil
}

// MarshalYAML writes the interval as vigil.yaml spells it ("" when unset).
func (i Interval) MarshalYAML() (any, error) {
	switch {
	case i == 0:
		return "", nil
	case i < 0:
		return "off", nil
	}
	return time.Duration(i).String(), nil
}
