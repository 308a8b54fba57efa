package finding

import (
	"fmt"
	"strings"
)

// Level is a severity band.
type Level int

// Severity bands, as GuardDuty defines them.
const (
	Low      Level = iota + 1 // 1.0–3.9
	Medium                    // 4.0–6.9
	High                      // 7.0–8.9
	Critical                  // 9.0–10.0
)

// Default numeric severities for each band (GuardDuty's usual values).
const (
	SeverityLow      = 2.0
	SeverityMedium   = 5.0
	SeverityHigh     = 8.0
	SeverityCritical = 9.0
)

// LevelOf returns the band a numeric severity falls in; values below 1 are
// treated as Low.
func LevelOf(sev float64) Level {
	switch {
	case sev >= 9:
		return Critical
	case sev >= 7:
		return High
	case sev >= 4:
		return Medium
	}
	return Low
}

// Min returns the lowest numeric severity of the band.
func (l Level) Min() float64 {
	switch l {
	case Critical:
		return 9
	case High:
		return 7
	case Medium:
		return 4
	}
	return 1
}

func (l Level) String() string {
	switch l {
	case Critical:
		return "Critical"
	case High:
		return "High"
	case Medium:
		return "Medium"
	case Low:
		return "Low"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel parses "low", "medium", "high" or "critical" (any case).
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "low":
		return Low, nil
	case "medium":
		return Medium, nil
	case "high":
		return High, nil
	case "critical":
		return Critical, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want low, medium, high or critical)", s)
}
