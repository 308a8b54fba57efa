package export

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/finding"
)

// Format is a rendering of a finding.
type Format string

// Formats.
const (
	FormatGuardDuty Format = "guardduty" // GuardDuty's finding JSON
	FormatASFF      Format = "asff"      // AWS Security Finding Format (Security Hub)
	FormatOCSF      Format = "ocsf"      // OCSF Detection Finding
)

// Formats lists every format, for help texts.
var Formats = []Format{FormatGuardDuty, FormatASFF, FormatOCSF}

// ParseFormat parses "guardduty", "asff" or "ocsf" (any case); "" is
// guardduty.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "":
		return FormatGuardDuty, nil
	case FormatGuardDuty, FormatASFF, FormatOCSF:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want guardduty, asff or ocsf)", s)
}

// Render renders f in the format.
func (fm Format) Render(f finding.Finding) ([]byte, error) {
	switch fm {
	case FormatGuardDuty, "":
		return GuardDuty(f)
	case FormatASFF:
		return ASFF(f)
	case FormatOCSF:
		return OCSF(f)
	}
	return nil, fmt.Errorf("unknown format %q", string(fm))
}

// suffix is the end of an object name in the format.
func (fm Format) suffix() string {
	switch fm {
	case FormatASFF:
		return ".asff.jsonl.gz"
	case FormatOCSF:
		return ".ocsf.jsonl.gz"
	}
	return ".jsonl.gz"
}

// GuardDuty renders f as GuardDuty's finding JSON, as the store keeps it
// and GetFindings returns it.
func GuardDuty(f finding.Finding) ([]byte, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("finding %s: %w", f.ID, err)
	}
	return b, nil
}

// arn returns the finding's ARN, rebuilt from its parts when empty.
func arn(f *finding.Finding) string {
	if f.Arn != "" || f.ID == "" {
		return f.Arn
	}
	return finding.ARN(f.Partition, f.Region, f.AccountID, f.Service.DetectorID, f.ID)
}

// partition returns the finding's AWS partition, "aws" when it is not one.
func partition(f *finding.Finding) string {
	switch f.Partition {
	case "aws", "aws-cn", "aws-us-gov":
		return f.Partition
	}
	return "aws"
}

// finite returns v, or 0 when v is NaN or infinite (which JSON cannot hold).
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// stamp formats t in GuardDuty's wire format, "" when zero.
func stamp(t finding.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.String()
}

// millis returns t in epoch milliseconds, 0 when zero.
func millis(t finding.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// firstTime returns the first non-zero time.
func firstTime(ts ...finding.Time) finding.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return finding.Time{}
}

// epoch is the time given to findings without any timestamp.
var epoch = finding.At(time.Unix(0, 0))

// truncate shortens s to at most n runes, keeping it valid UTF-8.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n && utf8.ValidString(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// truncateBytes shortens s to at most n bytes on a rune boundary.
func truncateBytes(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// findingTitle is the finding's title, else its type, else its id.
func findingTitle(f *finding.Finding) string {
	if t := firstNonEmpty(f.Title, f.Type); t != "" {
		return t
	}
	return strings.TrimSpace("GuardDuty finding " + f.ID)
}

// isSample reports whether f is a sample finding: its additionalInfo
// carries "sample": true, as GuardDuty's samples do.
func isSample(f *finding.Finding) bool {
	ai := f.Service.AdditionalInfo
	if ai == nil || ai.Value == "" {
		return false
	}
	var v struct {
		Sample bool `json:"sample"`
	}
	return json.Unmarshal([]byte(ai.Value), &v) == nil && v.Sample
}
