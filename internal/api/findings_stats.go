package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
)

// GetFindingsStatistics: counts by severity and the grouped forms.

type statsInput struct {
	FindingCriteria       json.RawMessage `json:"findingCriteria"`
	FindingStatisticTypes []string        `json:"findingStatisticTypes"`
	GroupBy               string          `json:"groupBy"`
	OrderBy               string          `json:"orderBy"`
	MaxResults            *int            `json:"maxResults"`
}

// groupings maps groupBy to the member of findingStatistics it fills.
var groupings = map[string]string{
	"ACCOUNT": "groupedByAccount", "DATE": "groupedByDate", "FINDING_TYPE": "groupedByFindingType",
	"RESOURCE": "groupedByResource", "SEVERITY": "groupedBySeverity",
}

// findingsStatistics answers both forms: the legacy findingStatisticTypes
// ["COUNT_BY_SEVERITY"] and groupBy. Groups are ordered by totalFindings
// (orderBy, default DESC), ties by their key; DATE groups by date.
func (s *Server) findingsStatistics(r *http.Request) (any, error) {
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	var in statsInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	agg, err := newStatsAgg(in)
	if err != nil {
		return nil, err
	}
	crit, err := parseCriteria(in.FindingCriteria)
	if err != nil {
		return nil, err
	}
	if err := s.countFindings(r.Context(), crit, in.FindingCriteria, agg); err != nil {
		return nil, err
	}
	return map[string]any{"findingStatistics": agg.result()}, nil
}

// countFindings feeds agg with the findings the criteria match: from the
// store's groups when it counts and the criteria only use the columns
// groups carry (and ranges of updatedAt, which the store applies), grouped
// by the columns the criteria and the statistics need; else one by one (at
// most statsScanLimit).
func (s *Server) countFindings(ctx context.Context, crit *finding.Criteria, raw json.RawMessage, agg *statsAgg) error {
	counter, ok := storeAs[findingCounter](s.opts.Store)
	from, to, windowed := updatedWindow(raw)
	if ok && windowed && usesOnly(crit, keyFields) {
		var by []string
		for _, f := range crit.Fields() {
			if f != "updatedAt" {
				by = append(by, f)
			}
		}
		// A group's updatedAt is its newest, inside the window: Match
		// accepts it as the store accepted every finding of the group.
		return counter.CountFindings(ctx, crit.Prefilter(), from, to, append(by, agg.dimensions()...), func(f *finding.Finding, n int) error {
			if crit.Match(f) {
				agg.add(f, n)
			}
			return nil
		})
	}
	err := s.scanFindings(ctx, crit, statsScanLimit, func(f *finding.Finding) { agg.add(f, 1) })
	if errors.Is(err, errScanLimit) {
		return badRequest("these findingCriteria need more than %d findings read one by one; narrow them with "+
			"conditions on type, severity, accountId, region, service.archived or updatedAt, or use only those", statsScanLimit)
	}
	return err
}

// updatedWindow returns the updatedAt range, [from, to), that the range
// operators of the criteria's updatedAt condition select (zero times when
// open); ok is false when the condition also has eq or neq, which a range
// cannot express. The criteria were parsed (and so checked) already.
func updatedWindow(raw json.RawMessage) (from, to time.Time, ok bool) {
	var c struct {
		Criterion map[string]json.RawMessage `json:"criterion"`
	}
	var cond map[string]json.RawMessage
	if len(raw) > 0 && json.Unmarshal(raw, &c) != nil {
		return from, to, false
	}
	if u := c.Criterion["updatedAt"]; u != nil && json.Unmarshal(u, &cond) != nil {
		return from, to, false
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	for op, rawV := range cond {
		var v *int64
		if json.Unmarshal(rawV, &v) != nil {
			return from, to, false // an eq or neq list
		}
		if v == nil {
			continue
		}
		switch op {
		case "gt", "greaterThan":
			lo = max(lo, min(*v, math.MaxInt64-1)+1)
		case "gte", "greaterThanOrEqual":
			lo = max(lo, *v)
		case "lt", "lessThan":
			hi = min(hi, *v)
		case "lte", "lessThanOrEqual":
			hi = min(hi, min(*v, math.MaxInt64-1)+1)
		default:
			return from, to, false
		}
	}
	if lo != math.MinInt64 {
		from = time.UnixMilli(lo)
	}
	if hi != math.MaxInt64 {
		to = time.UnixMilli(hi)
	}
	return from, to, true
}

// statsAgg adds up findings for GetFindingsStatistics.
type statsAgg struct {
	bySeverity bool   // COUNT_BY_SEVERITY
	groupBy    string // "" or a key of groupings
	desc       bool
	max        int
	severity   map[float64]int
	groups     map[groupKey]*groupVal
}

// groupKey is a group of one groupBy; unused fields are zero.
type groupKey struct {
	a, b, c  string // account; type; resource type, id and account
	severity float64
	day      int64 // days since the Unix epoch, UTC
}

type groupVal struct {
	total int
	last  time.Time
}

func newStatsAgg(in statsInput) (*statsAgg, error) {
	a := &statsAgg{groupBy: in.GroupBy, desc: true, max: defStatsResults,
		severity: map[float64]int{}, groups: map[groupKey]*groupVal{}}
	for _, t := range in.FindingStatisticTypes {
		if t != "COUNT_BY_SEVERITY" {
			return nil, badRequest("findingStatisticTypes: %q is not COUNT_BY_SEVERITY", t)
		}
		a.bySeverity = true
	}
	if in.GroupBy == "" {
		if !a.bySeverity {
			return nil, badRequest("either groupBy or findingStatisticTypes is required")
		}
		if in.OrderBy != "" || in.MaxResults != nil {
			return nil, badRequest("orderBy and maxResults can be used only with groupBy")
		}
		return a, nil
	}
	if groupings[in.GroupBy] == "" {
		return nil, badRequest("groupBy %q is not ACCOUNT, DATE, FINDING_TYPE, RESOURCE or SEVERITY", in.GroupBy)
	}
	switch in.OrderBy {
	case "", "DESC":
	case "ASC":
		a.desc = false
	default:
		return nil, badRequest("orderBy %q is not ASC or DESC", in.OrderBy)
	}
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxStatsResults {
			return nil, badRequest("maxResults must be from 1 to %d", maxStatsResults)
		}
		a.max = *in.MaxResults
	}
	return a, nil
}

// dimensions returns what findings must be grouped by for the statistics
// (findingCounter's dimensions).
func (a *statsAgg) dimensions() []string {
	var by []string
	if a.bySeverity {
		by = append(by, "severity")
	}
	switch a.groupBy {
	case "ACCOUNT":
		by = append(by, "accountId")
	case "DATE":
		by = append(by, "date", "severity")
	case "FINDING_TYPE":
		by = append(by, "type")
	case "RESOURCE":
		by = append(by, "resource", "accountId")
	case "SEVERITY":
		by = append(by, "severity")
	}
	return by
}

// add counts n findings like f (f stands for a group of them, with its
// newest updatedAt).
func (a *statsAgg) add(f *finding.Finding, n int) {
	if a.bySeverity {
		a.severity[f.Severity] += n
	}
	var k groupKey
	switch a.groupBy {
	case "":
		return
	case "ACCOUNT":
		k.a = f.AccountID
	case "DATE":
		k.day, k.severity = dayOf(f.UpdatedAt.Time), f.Severity
	case "FINDING_TYPE":
		k.b = f.Type
	case "RESOURCE":
		k.a, k.b = resourceOf(f)
		k.c = f.AccountID
	case "SEVERITY":
		k.severity = f.Severity
	}
	g := a.groups[k]
	if g == nil {
		g = &groupVal{}
		a.groups[k] = g
	}
	g.total += n
	if f.UpdatedAt.After(g.last) {
		g.last = f.UpdatedAt.Time
	}
}

// dayOf returns the UTC day of t, as days since the Unix epoch.
func dayOf(t time.Time) int64 { return t.Truncate(24*time.Hour).Unix() / 86400 }

// resourceOf returns a finding's resource type and id, as GuardDuty's
// ResourceStatistics maps them: the access key id, instance id, function
// name or (first) bucket name.
func resourceOf(f *finding.Finding) (typ, id string) {
	r := &f.Resource
	switch r.ResourceType {
	case finding.ResourceAccessKey:
		if r.AccessKeyDetails != nil {
			id = r.AccessKeyDetails.AccessKeyID
		}
	case finding.ResourceInstance:
		if r.InstanceDetails != nil {
			id = r.InstanceDetails.InstanceID
		}
	case finding.ResourceLambda:
		if r.LambdaDetails != nil {
			id = r.LambdaDetails.FunctionName
		}
	case finding.ResourceS3Bucket, finding.ResourceS3Object:
		if len(r.S3BucketDetails) > 0 {
			id = r.S3BucketDetails[0].Name
		}
	}
	return r.ResourceType, id
}

// epochSeconds marshals a time as the SDKs read GuardDuty's timestamps:
// seconds since the epoch, with milliseconds.
type epochSeconds time.Time

func (t epochSeconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(time.Time(t).UnixMilli())/1000, 'f', -1, 64), nil
}

// severityKey formats a severity as countBySeverity's keys: "8.0", "5.5".
func severityKey(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// result returns findingStatistics.
func (a *statsAgg) result() map[string]any {
	out := map[string]any{}
	if a.bySeverity {
		counts := make(map[string]int, len(a.severity))
		for v, n := range a.severity {
			counts[severityKey(v)] += n
		}
		out["countBySeverity"] = counts
	}
	if a.groupBy == "" {
		return out
	}
	keys := make([]groupKey, 0, len(a.groups))
	for k := range a.groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y groupKey) int {
		c := cmp.Compare(a.groups[x].total, a.groups[y].total)
		if a.groupBy == "DATE" {
			c = cmp.Compare(x.day, y.day)
		}
		if a.desc {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b), cmp.Compare(x.c, y.c),
			cmp.Compare(x.day, y.day), cmp.Compare(x.severity, y.severity))
	})
	if len(keys) > a.max {
		keys = keys[:a.max]
	}
	rows := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		g := a.groups[k]
		row := map[string]any{"totalFindings": g.total, "lastGeneratedAt": epochSeconds(g.last)}
		switch a.groupBy {
		case "ACCOUNT":
			row["accountId"] = k.a
		case "DATE":
			row["date"], row["severity"] = epochSeconds(time.Unix(k.day*86400, 0)), k.severity
		case "FINDING_TYPE":
			row["findingType"] = k.b
		case "RESOURCE":
			row["resourceType"], row["resourceId"], row["accountId"] = k.a, k.b, k.c
		case "SEVERITY":
			row["severity"] = k.severity
		}
		rows = append(rows, row)
	}
	out[groupings[a.groupBy]] = rows
	return out
}
