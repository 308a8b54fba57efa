// Package describe says in a few words what a finding is about, for the
// messages people read (Slack, email): which resource it concerns, when it
// was seen, where its page is, and which findings a digest shows first.
//
// It only formats: it never performs I/O, and every string it returns from
// finding content is bounded in length, because an attacker controls much
// of that content (user names, bucket names, object keys, tags).
package describe

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/finding"
)

// MaxResource is the longest Resource returns, in runes.
const MaxResource = 200

// Resource returns a readable id of the finding's resource: the instance
// id (and Name tag), the user and access key, the bucket (and object key),
// or the function name; "" parts are left out. It falls back to the
// resource type, and to "unknown resource".
func Resource(f finding.Finding) string {
	r := f.Resource
	var s string
	switch {
	case r.InstanceDetails != nil && r.InstanceDetails.InstanceID != "":
		s = instance(r.InstanceDetails)
	case r.AccessKeyDetails != nil && (r.AccessKeyDetails.AccessKeyID != "" || r.AccessKeyDetails.UserName != "" || r.AccessKeyDetails.PrincipalID != ""):
		s = accessKey(r.AccessKeyDetails)
	case len(r.S3BucketDetails) > 0:
		s = buckets(r.S3BucketDetails)
	case r.LambdaDetails != nil && (r.LambdaDetails.FunctionName != "" || r.LambdaDetails.FunctionArn != ""):
		s = cmp.Or(r.LambdaDetails.FunctionName, r.LambdaDetails.FunctionArn)
	}
	s = Clean(s, MaxResource)
	if s == "" {
		s = Clean(r.ResourceType, MaxResource)
	}
	if s == "" {
		s = "unknown resource"
	}
	return s
}

func instance(d *finding.InstanceDetails) string {
	for _, t := range d.Tags {
		if t.Key == "Name" && t.Value != "" {
			return d.InstanceID + " (" + t.Value + ")"
		}
	}
	return d.InstanceID
}

func accessKey(d *finding.AccessKeyDetails) string {
	who := cmp.Or(d.UserName, d.PrincipalID)
	switch {
	case who == "":
		return d.AccessKeyID
	case d.AccessKeyID == "":
		return who
	}
	return who + " (" + d.AccessKeyID + ")"
}

func buckets(bs []finding.S3BucketDetail) string {
	b := bs[0]
	s := cmp.Or(b.Name, b.Arn)
	if len(b.S3ObjectDetails) > 0 && b.S3ObjectDetails[0].Key != "" {
		s += "/" + b.S3ObjectDetails[0].Key
	}
	if len(bs) > 1 {
		s += " +" + strconv.Itoa(len(bs)-1) + " more"
	}
	return s
}

// Clean returns s on one line, with control characters replaced by spaces
// and cut to at most n runes (the last being "…" when cut).
func Clean(s string, n int) string {
	if n <= 0 {
		return ""
	}
	keep := n
	cut := utf8.RuneCountInString(s) > n
	if cut {
		keep = n - 1
	}
	var sb strings.Builder
	count := 0
	for _, r := range s {
		if count == keep {
			break
		}
		if r == utf8.RuneError || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			r = ' '
		}
		sb.WriteRune(r)
		count++
	}
	if cut {
		sb.WriteRune('…')
	}
	return strings.TrimSpace(sb.String())
}

// Where returns "account/region", or whichever of the two is set, or ""
// (Vigil's own health messages have neither).
func Where(f finding.Finding) string {
	a, r := Clean(f.AccountID, 30), Clean(f.Region, 30)
	switch {
	case a == "":
		return r
	case r == "":
		return a
	}
	return a + "/" + r
}

// OwnType reports whether typ is one of Vigil's own message types (such
// as "Vigil:Health/Error") rather than a finding type: those have no
// runbook, account or region.
func OwnType(typ string) bool { return strings.HasPrefix(typ, "Vigil:") }

// Time formats a finding time for people: "2024-05-01 12:00:00 UTC", or
// "unknown" when unset.
func Time(t finding.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// FindingURL returns the console page of finding id: consoleURL +
// "findings/" + id, or "" when consoleURL is not an absolute http(s) URL
// (such as "", when no console is configured).
func FindingURL(consoleURL, id string) string {
	u, err := url.Parse(consoleURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	if !strings.HasSuffix(consoleURL, "/") {
		consoleURL += "/"
	}
	return consoleURL + "findings/" + url.PathEscape(id)
}

// Color returns the colour people see for a severity band (the bar of
// a Slack attachment, the border of an email): hex RGB.
func Color(l finding.Level) string {
	switch l {
	case finding.Critical:
		return "#8B0A50"
	case finding.High:
		return "#D13212"
	case finding.Medium:
		return "#FF9900"
	}
	return "#3184C2"
}

// Group is the findings of one type in a digest.
type Group struct {
	Type     string
	Findings []finding.Finding
}

// Top orders findings by severity (highest first), then by last seen
// (latest first), keeps the first limit of them, and groups those by type,
// the group of the most severe finding first. It returns the groups and
// how many findings it left out. fs is not modified.
func Top(fs []finding.Finding, limit int) ([]Group, int) {
	sorted := slices.Clone(fs)
	slices.SortStableFunc(sorted, func(a, b finding.Finding) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		return b.Service.EventLastSeen.Compare(a.Service.EventLastSeen.Time)
	})
	limit = max(limit, 0)
	omitted := max(len(sorted)-limit, 0)
	sorted = sorted[:len(sorted)-omitted]
	var groups []Group
	index := map[string]int{}
	for _, f := range sorted {
		i, ok := index[f.Type]
		if !ok {
			i = len(groups)
			index[f.Type] = i
			groups = append(groups, Group{Type: f.Type})
		}
		groups[i].Findings = append(groups[i].Findings, f)
	}
	return groups, omitted
}

// Highest returns the highest severity band among fs (Low when fs is
// empty).
func Highest(fs []finding.Finding) finding.Level {
	l := finding.Low
	for _, f := range fs {
		l = max(l, finding.LevelOf(f.Severity))
	}
	return l
}
