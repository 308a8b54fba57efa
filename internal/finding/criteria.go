package finding

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrBadCriteria is wrapped by every error ParseCriteria returns.
var ErrBadCriteria = errors.New("invalid finding criteria")

// Limits GuardDuty puts on a FindingCriteria.
const (
	maxCriteriaFields = 50 // fields in one criterion
	maxCriteriaValues = 50 // values in one eq/neq list
)

// Criteria is a parsed GuardDuty FindingCriteria. A nil *Criteria matches
// every finding. It is safe for concurrent use.
type Criteria struct {
	conds []condition // sorted by path
}

// ParseCriteria parses the JSON value of "findingCriteria" as the GuardDuty
// API, the AWS CLI and the SDKs send it:
//
//	{"criterion": {"severity": {"gte": 7}, "type": {"equals": ["Recon:EC2/Portscan"]}}}
//
// Field paths are the finding's JSON paths in wire names (GuardDuty's
// filterable fields that Vigil's model has). Conditions take eq/equals and
// neq/notEquals (1 to 50 strings) and gt/greaterThan, gte/greaterThanOrEqual,
// lt/lessThan, lte/lessThanOrEqual (integers) on number and time fields;
// several operators in one condition must all hold, and a null operator is
// unset. Values are compared by the field's kind:
//
//   - strings exactly, case-sensitive (asn is a string, as in GuardDuty);
//   - booleans as "true" or "false", in any case;
//   - numbers numerically: an integer eq value N matches [N, N+1), so
//     GuardDuty's severity buckets work (Low is ["1","2","3"]), and a value
//     with a fraction or exponent matches exactly;
//   - times (createdAt, updatedAt, service.eventFirstSeen,
//     service.eventLastSeen) as epoch milliseconds in range operators and
//     as RFC 3339 or epoch milliseconds in eq/neq.
//
// matches/notMatches (CreateFilter's wildcards) are refused here, as
// ListFindings refuses them; ParseFilterCriteria accepts them. An empty
// input, null, {} or an empty criterion selects every finding. Every error
// wraps ErrBadCriteria and names the field and the problem.
func ParseCriteria(raw []byte) (*Criteria, error) { return parseCriteria(raw, false) }

// ParseFilterCriteria parses the findingCriteria of CreateFilter and
// UpdateFilter: ParseCriteria's operators plus matches and notMatches (1
// to 5 patterns of 1 to 512 characters) on string and boolean fields,
// where '*' stands for any run of characters and '?' for one character.
// A matches list needs one pattern to match a value of the field;
// notMatches, that no pattern matches any value.
func ParseFilterCriteria(raw []byte) (*Criteria, error) { return parseCriteria(raw, true) }

func parseCriteria(raw []byte, wildcards bool) (*Criteria, error) {
	raw = bytes.TrimSpace(raw)
	c := &Criteria{}
	if len(raw) == 0 || isJSONNull(raw) {
		return c, nil
	}
	if err := json.Unmarshal(raw, new(json.RawMessage)); err != nil {
		return nil, fmt.Errorf("%w: malformed JSON: %w", ErrBadCriteria, err)
	}
	var criterion json.RawMessage
	err := eachMember(raw, func(key string, val json.RawMessage) error {
		if key != "criterion" {
			return fmt.Errorf("unknown member %q (want \"criterion\")", key)
		}
		if criterion != nil {
			return errors.New(`duplicate member "criterion"`)
		}
		criterion = val
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: findingCriteria: %w", ErrBadCriteria, err)
	}
	if criterion == nil || isJSONNull(criterion) {
		return c, nil
	}
	seen := map[string]bool{}
	err = eachMember(criterion, func(path string, val json.RawMessage) error {
		if len(seen) == maxCriteriaFields {
			return fmt.Errorf("more than %d fields", maxCriteriaFields)
		}
		if seen[path] {
			return fmt.Errorf("duplicate field %q", path)
		}
		seen[path] = true
		cd, err := parseCond(path, val, wildcards)
		if err != nil {
			return fmt.Errorf("%q: %w", path, err)
		}
		c.conds = append(c.conds, cd)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: criterion: %w", ErrBadCriteria, err)
	}
	slices.SortFunc(c.conds, func(a, b condition) int { return strings.Compare(a.path, b.path) })
	return c, nil
}

// Match reports whether f satisfies every condition: conditions on
// different fields all hold; eq lists need one of their values, neq lists
// none of theirs. On a list field (tags, network interfaces, probe details,
// threat names) eq and a range need one element to match, neq that no
// element matches. A field the finding lacks matches only neq.
func (c *Criteria) Match(f *Finding) bool {
	if c == nil {
		return true
	}
	for i := range c.conds {
		if !c.conds[i].match(f) {
			return false
		}
	}
	return true
}

// Prefilter returns the store Query that selects a superset of the findings
// Match accepts, from what a store filters on: the severity range, one
// pinned type (as TypePrefix), account, region and service.archived.
// Callers page through the store with it and apply Match to the rest. Its
// sorting and paging fields are zero.
//
// A zero MinSeverity selects severities from 0 up (Query.Match); GuardDuty
// severities are never negative.
func (c *Criteria) Prefilter() Query {
	var q Query
	if c == nil {
		return q
	}
	for i := range c.conds {
		cd := &c.conds[i]
		switch cd.path {
		case "severity":
			q.MinSeverity, q.MaxSeverity = cd.severityRange()
		case "type":
			q.TypePrefix, _ = cd.pinned(nil)
		case "accountId":
			q.AccountID, _ = cd.pinned(nil)
		case "region":
			q.Region, _ = cd.pinned(nil)
		case "service.archived":
			if v, ok := cd.pinned([]string{"false", "true"}); ok {
				b := v == "true"
				q.Archived = &b
			}
		}
	}
	return q
}

// Fields returns the field paths the criteria use, sorted.
func (c *Criteria) Fields() []string {
	if c == nil {
		return nil
	}
	out := make([]string, len(c.conds))
	for i := range c.conds {
		out[i] = c.conds[i].path
	}
	return out
}

// SortValue returns the value of f for a sortCriteria attributeName (any
// criteria field path, such as "severity", "updatedAt", "service.count" or
// "resource.instanceDetails.instanceId"), to sort findings in memory with
// CompareValues. The value is a float64 (numbers), a time.Time (times) or a
// string (strings; booleans as "true" or "false"); a list field gives its
// first element and a missing field the zero value. ok is false for an
// unknown path.
func SortValue(f *Finding, attribute string) (v any, ok bool) {
	fd, ok := criteriaFields[attribute]
	if !ok {
		return nil, false
	}
	var buf [1]fieldValue
	vals := fd.values(f, &buf)
	var first fieldValue
	if len(vals) > 0 {
		first = vals[0]
	}
	switch fd.kind {
	case kindNumber:
		return first.n, true
	case kindTime:
		if len(vals) == 0 {
			return time.Time{}, true
		}
		return time.UnixMilli(int64(first.n)).UTC(), true
	}
	return first.s, true
}

// CompareValues orders two values from SortValue: -1, 0 or +1. Values of
// one type compare naturally (NaN before every number); values of
// different types order nil, float64, time.Time, string, anything else.
func CompareValues(a, b any) int {
	switch x := a.(type) {
	case float64:
		if y, ok := b.(float64); ok {
			return compareFloat(x, y)
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	}
	return compareFloat(float64(typeRank(a)), float64(typeRank(b)))
}

func compareFloat(x, y float64) int {
	switch {
	case x < y, math.IsNaN(x) && !math.IsNaN(y):
		return -1
	case x > y, math.IsNaN(y) && !math.IsNaN(x):
		return 1
	}
	return 0
}

func typeRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case float64:
		return 1
	case time.Time:
		return 2
	case string:
		return 3
	}
	return 4
}

// A condition is the parsed condition on one field.
type condition struct {
	path string
	fd   *criteriaField

	// String and boolean fields: each list of in needs one of the field's
	// values; no value may be in notIn.
	in    [][]string
	notIn []string
	// matches and notMatches patterns (filters only).
	globs    [][]string
	notGlobs []string

	// Number and time fields (times as epoch milliseconds): each list in
	// spansIn needs a value in one of its spans; no value may be in any of
	// spansOut; when hasRange, a value must lie in rng.
	spansIn  [][]numSpan
	spansOut []numSpan
	rng      numSpan
	hasRange bool
}

// numSpan is an interval of numbers.
type numSpan struct {
	lo, hi         float64
	loOpen, hiOpen bool
}

var allNumbers = numSpan{lo: math.Inf(-1), hi: math.Inf(1)}

func (s numSpan) has(x float64) bool {
	if x < s.lo || x > s.hi || (s.loOpen && x == s.lo) || (s.hiOpen && x == s.hi) {
		return false
	}
	return !math.IsNaN(x)
}

// intersect narrows s to t.
func (s numSpan) intersect(t numSpan) numSpan {
	if t.lo > s.lo || (t.lo == s.lo && t.loOpen) {
		s.lo, s.loOpen = t.lo, t.loOpen
	}
	if t.hi < s.hi || (t.hi == s.hi && t.hiOpen) {
		s.hi, s.hiOpen = t.hi, t.hiOpen
	}
	return s
}

func (cd *condition) match(f *Finding) bool {
	var buf [1]fieldValue
	vals := cd.fd.values(f, &buf)
	if cd.fd.kind == kindString || cd.fd.kind == kindBool {
		for _, list := range cd.in {
			if !anyString(vals, list) {
				return false
			}
		}
		for _, pats := range cd.globs {
			if !anyGlob(vals, pats) {
				return false
			}
		}
		return !anyString(vals, cd.notIn) && !anyGlob(vals, cd.notGlobs)
	}
	for _, spans := range cd.spansIn {
		if !anySpan(vals, spans) {
			return false
		}
	}
	if anySpan(vals, cd.spansOut) {
		return false
	}
	if cd.hasRange && !anySpan(vals, []numSpan{cd.rng}) {
		return false
	}
	return true
}

func anyString(vals []fieldValue, list []string) bool {
	for _, v := range vals {
		if slices.Contains(list, v.s) {
			return true
		}
	}
	return false
}

func anySpan(vals []fieldValue, spans []numSpan) bool {
	for _, v := range vals {
		for _, s := range spans {
			if s.has(v.n) {
				return true
			}
		}
	}
	return false
}

// pinned returns the one value a single-valued field can have under the
// condition, if there is exactly one; universe, when not nil, lists every
// value the field can take.
func (cd *condition) pinned(universe []string) (string, bool) {
	cands := universe
	lists := cd.in
	if cands == nil {
		if len(lists) == 0 {
			return "", false
		}
		cands, lists = lists[0], lists[1:]
	}
	var out []string
	for _, v := range cands {
		ok := !slices.Contains(cd.notIn, v) && !slices.Contains(out, v)
		for _, l := range lists {
			ok = ok && slices.Contains(l, v)
		}
		if ok {
			out = append(out, v)
		}
	}
	if len(out) != 1 {
		return "", false
	}
	return out[0], true
}

// severityRange returns Query bounds that contain every severity the
// condition accepts.
func (cd *condition) severityRange() (minSev, maxSev float64) {
	b := allNumbers
	if cd.hasRange {
		b = cd.rng
	}
	for _, spans := range cd.spansIn {
		b = b.intersect(hull(spans))
	}
	if !math.IsInf(b.lo, 0) {
		minSev = b.lo
	}
	if !math.IsInf(b.hi, 0) {
		maxSev = b.hi
		if !b.hiOpen {
			maxSev = math.Nextafter(b.hi, math.Inf(1))
		}
		if maxSev <= 0 { // Query cannot bound from above at or below 0
			maxSev = 0
		}
	}
	return minSev, maxSev
}

// hull returns the smallest span that contains spans.
func hull(spans []numSpan) numSpan {
	h := numSpan{lo: math.Inf(1), hi: math.Inf(-1)}
	for _, s := range spans {
		if s.lo < h.lo || (s.lo == h.lo && !s.loOpen) {
			h.lo, h.loOpen = s.lo, s.loOpen
		}
		if s.hi > h.hi || (s.hi == h.hi && !s.hiOpen) {
			h.hi, h.hiOpen = s.hi, s.hiOpen
		}
	}
	return h
}

// Operators, by their wire names (long and deprecated short forms).
type criteriaOp int

const (
	opEq criteriaOp = iota
	opNeq
	opGt
	opGte
	opLt
	opLte
)

var criteriaOps = map[string]criteriaOp{
	"eq": opEq, "equals": opEq,
	"neq": opNeq, "notEquals": opNeq,
	"gt": opGt, "greaterThan": opGt,
	"gte": opGte, "greaterThanOrEqual": opGte,
	"lt": opLt, "lessThan": opLt,
	"lte": opLte, "lessThanOrEqual": opLte,
}

func parseCond(path string, raw json.RawMessage, wildcards bool) (condition, error) {
	fd, ok := criteriaFields[path]
	if !ok {
		return condition{}, fmt.Errorf("unknown field%s", suggestCase(path, criteriaFields))
	}
	cd := condition{path: path, fd: fd, rng: allNumbers}
	if isJSONNull(raw) {
		return cd, errors.New("empty condition")
	}
	seen := map[string]bool{}
	err := eachMember(raw, func(name string, val json.RawMessage) error {
		op, ok := criteriaOps[name]
		switch {
		case (name == "matches" || name == "notMatches") && !wildcards:
			return fmt.Errorf("operator %q is only allowed in filters (CreateFilter, UpdateFilter); use equals or notEquals", name)
		case name == "matches" || name == "notMatches":
			if seen[name] {
				return fmt.Errorf("duplicate operator %q", name)
			}
			seen[name] = true
			if isJSONNull(val) {
				return nil
			}
			if err := cd.addPatterns(name == "matches", val); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		case !ok:
			return fmt.Errorf("unknown operator %q%s", name, suggestCase(name, criteriaOps))
		case seen[name]:
			return fmt.Errorf("duplicate operator %q", name)
		}
		seen[name] = true
		if isJSONNull(val) {
			return nil // an unset member, as the SDKs would omit it
		}
		if err := cd.add(op, val); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return cd, err
	}
	if len(cd.in)+len(cd.notIn)+len(cd.spansIn)+len(cd.spansOut)+len(cd.globs)+len(cd.notGlobs) == 0 && !cd.hasRange {
		return cd, errors.New("empty condition")
	}
	return cd, nil
}

// add adds the operand raw of op to the condition.
func (cd *condition) add(op criteriaOp, raw json.RawMessage) error {
	kind := cd.fd.kind
	if op != opEq && op != opNeq {
		if kind != kindNumber && kind != kindTime {
			return fmt.Errorf("not allowed on a %s field (range operators need a number or time field)", kind)
		}
		n, err := parseInteger(raw)
		if err != nil {
			return err
		}
		x := float64(n)
		switch op {
		case opGt:
			cd.rng = cd.rng.intersect(numSpan{lo: x, loOpen: true, hi: math.Inf(1)})
		case opGte:
			cd.rng = cd.rng.intersect(numSpan{lo: x, hi: math.Inf(1)})
		case opLt:
			cd.rng = cd.rng.intersect(numSpan{lo: math.Inf(-1), hi: x, hiOpen: true})
		case opLte:
			cd.rng = cd.rng.intersect(numSpan{lo: math.Inf(-1), hi: x})
		}
		cd.hasRange = true
		return nil
	}
	list, err := parseStrings(raw)
	if err != nil {
		return err
	}
	switch kind {
	case kindString:
		if op == opEq {
			cd.in = append(cd.in, list)
		} else {
			cd.notIn = append(cd.notIn, list...)
		}
	case kindBool:
		for i, s := range list {
			if list[i] = strings.ToLower(s); list[i] != "true" && list[i] != "false" {
				return fmt.Errorf("%q is not a boolean (want \"true\" or \"false\")", s)
			}
		}
		if op == opEq {
			cd.in = append(cd.in, list)
		} else {
			cd.notIn = append(cd.notIn, list...)
		}
	default:
		spans := make([]numSpan, len(list))
		for i, s := range list {
			if spans[i], err = parseSpan(kind, s); err != nil {
				return err
			}
		}
		if op == opEq {
			cd.spansIn = append(cd.spansIn, spans)
		} else {
			cd.spansOut = append(cd.spansOut, spans...)
		}
	}
	return nil
}

// parseSpan parses an eq/neq value of a number or time field. An integer
// N on a number field is the bucket [N, N+1), as GuardDuty documents for
// severity (Low is ["1","2","3"], so "3" covers 3.9); a value with a
// fraction or exponent is exact. A time is RFC 3339 or epoch milliseconds.
func parseSpan(kind fieldKind, s string) (numSpan, error) {
	if kind == kindTime {
		if isInteger(s) {
			ms, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return numSpan{}, fmt.Errorf("%q is out of range", s)
			}
			return numSpan{lo: float64(ms), hi: float64(ms)}, nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return numSpan{}, fmt.Errorf("%q is not an RFC 3339 time or epoch milliseconds", s)
		}
		ms := float64(t.UnixMilli())
		return numSpan{lo: ms, hi: ms}, nil
	}
	if !isDecimal(s) {
		return numSpan{}, fmt.Errorf("%q is not a number", s)
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return numSpan{}, fmt.Errorf("%q is out of range", s)
	}
	if isInteger(s) {
		return numSpan{lo: x, hi: x + 1, hiOpen: true}, nil
	}
	return numSpan{lo: x, hi: x}, nil
}

// isInteger reports whether s is an optionally signed run of digits.
func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// isDecimal reports whether s is a decimal number: -?digits(.digits)?([eE][+-]?digits)?
func isDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	whole, frac, hasFrac := strings.Cut(mant, ".")
	if hasExp {
		exp = strings.TrimLeft(exp, "+-")
		if len(exp) == 0 || strings.Trim(exp, "0123456789") != "" {
			return false
		}
	}
	digits := func(d string) bool { return d != "" && strings.Trim(d, "0123456789") == "" }
	return digits(whole) && (!hasFrac || digits(frac))
}

// parseInteger parses the operand of a range operator: a JSON integer
// (GuardDuty's long).
func parseInteger(raw json.RawMessage) (int64, error) {
	if k := jsonKind(raw); k != "number" {
		return 0, fmt.Errorf("want an integer, got %s", k)
	}
	s := string(raw)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x != math.Trunc(x) || math.Abs(x) >= 1<<63 {
		return 0, fmt.Errorf("want an integer, got %s", s)
	}
	return int64(x), nil
}

// parseStrings parses the operand of eq/neq: a list of 1 to 50 strings.
func parseStrings(raw json.RawMessage) ([]string, error) {
	if k := jsonKind(raw); k != "array" {
		return nil, fmt.Errorf("want a list of strings, got %s", k)
	}
	var ptrs []*string
	if err := json.Unmarshal(raw, &ptrs); err != nil {
		return nil, errors.New("want a list of strings")
	}
	switch {
	case len(ptrs) == 0:
		return nil, errors.New("empty list")
	case len(ptrs) > maxCriteriaValues:
		return nil, fmt.Errorf("%d values (at most %d)", len(ptrs), maxCriteriaValues)
	}
	out := make([]string, len(ptrs))
	for i, p := range ptrs {
		if p == nil {
			return nil, errors.New("want a list of strings, got null in it")
		}
		out[i] = *p
	}
	return out, nil
}

// eachMember calls fn with each member of the JSON object raw, in order.
// raw must be valid JSON.
func eachMember(raw []byte, fn func(key string, val json.RawMessage) error) error {
	if k := jsonKind(raw); k != "object" {
		return fmt.Errorf("want an object, got %s", k)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return err
		}
		if err := fn(key, val); err != nil {
			return err
		}
	}
	return nil
}

// jsonKind names the type of the JSON value raw for error messages.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func isJSONNull(raw []byte) bool { return string(bytes.TrimSpace(raw)) == "null" }

// suggestCase returns ` (did you mean "x"?)` when name differs from a known key
// only in case, else "".
func suggestCase[V any](name string, known map[string]V) string {
	for k := range known {
		if strings.EqualFold(k, name) {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
	}
	return ""
}

// The field table: every criteria path Vigil's model has, with how to read
// it from a finding. Adding a field is one line.

// addPatterns adds the operand of matches (in) or notMatches.
func (cd *condition) addPatterns(in bool, raw json.RawMessage) error {
	if cd.fd.kind != kindString && cd.fd.kind != kindBool {
		return fmt.Errorf("not allowed on a %s field (wildcards need a string field)", cd.fd.kind)
	}
	list, err := parseStrings(raw)
	if err != nil {
		return err
	}
	if len(list) > 5 {
		return fmt.Errorf("%d patterns; at most 5 are allowed", len(list))
	}
	for _, p := range list {
		if len(p) == 0 || len(p) > 512 {
			return fmt.Errorf("pattern of %d characters; want 1 to 512", len(p))
		}
	}
	if in {
		cd.globs = append(cd.globs, list)
	} else {
		cd.notGlobs = append(cd.notGlobs, list...)
	}
	return nil
}

func anyGlob(vals []fieldValue, pats []string) bool {
	for _, v := range vals {
		for _, p := range pats {
			if globMatch(p, v.s) {
				return true
			}
		}
	}
	return false
}

// globMatch reports whether s matches pattern p, where '*' matches any
// run of characters (also none) and '?' one character. It runs in
// O(len(p)·len(s)) at worst: after a mismatch it backtracks only to the
// last star.
func globMatch(p, s string) bool {
	pr, sr := []rune(p), []rune(s)
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(sr) {
		switch {
		case pi < len(pr) && (pr[pi] == '?' || pr[pi] == sr[si]):
			pi++
			si++
		case pi < len(pr) && pr[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pr) && pr[pi] == '*' {
		pi++
	}
	return pi == len(pr)
}
