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
// matches/notMatches (CreateFilter's wildcards) are not supported. An empty
// input, null, {} or an empty criterion selects every finding. Every error
// wraps ErrBadCriteria and names the field and the problem.
func ParseCriteria(raw []byte) (*Criteria, error) {
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
		cd, err := parseCond(path, val)
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
		return !anyString(vals, cd.notIn)
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

func parseCond(path string, raw json.RawMessage) (condition, error) {
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
		case name == "matches" || name == "notMatches":
			return fmt.Errorf("operator %q is not supported (use equals or notEquals)", name)
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
	if len(cd.in)+len(cd.notIn)+len(cd.spansIn)+len(cd.spansOut) == 0 && !cd.hasRange {
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

type fieldKind int

const (
	kindString fieldKind = iota
	kindBool
	kindNumber
	kindTime // compared as epoch milliseconds
)

func (k fieldKind) String() string {
	return [...]string{"string", "boolean", "number", "time"}[k]
}

// fieldValue is one value of a field: s for strings and booleans ("true",
// "false"), n for numbers and times (epoch milliseconds).
type fieldValue struct {
	s string
	n float64
}

// A criteriaField reads one criteria path of a finding: one for single-valued
// fields, many for fields inside lists. Missing and empty values are left
// out.
type criteriaField struct {
	kind fieldKind
	one  func(*Finding) (fieldValue, bool)
	many func(*Finding) []fieldValue
}

// values returns the field's values in f, using buf for a single value.
func (fd *criteriaField) values(f *Finding, buf *[1]fieldValue) []fieldValue {
	if fd.one == nil {
		return fd.many(f)
	}
	v, ok := fd.one(f)
	if !ok {
		return nil
	}
	buf[0] = v
	return buf[:]
}

// strField reads a string; the empty string is a missing value.
func strField(get func(*Finding) string) *criteriaField {
	return &criteriaField{kind: kindString, one: func(f *Finding) (fieldValue, bool) {
		s := get(f)
		return fieldValue{s: s}, s != ""
	}}
}

// strsField reads a list of strings, leaving out empty ones.
func strsField(get func(*Finding) []string) *criteriaField {
	return &criteriaField{kind: kindString, many: func(f *Finding) []fieldValue {
		var out []fieldValue
		for _, s := range get(f) {
			if s != "" {
				out = append(out, fieldValue{s: s})
			}
		}
		return out
	}}
}

// flagField reads a boolean of the struct get returns; it is missing when the
// struct is.
func flagField[P any](get func(*Finding) *P, b func(*P) bool) *criteriaField {
	return &criteriaField{kind: kindBool, one: func(f *Finding) (fieldValue, bool) {
		p := get(f)
		if p == nil {
			return fieldValue{}, false
		}
		return fieldValue{s: strconv.FormatBool(b(p))}, true
	}}
}

// numField reads a number; ok false is a missing value.
func numField(get func(*Finding) (float64, bool)) *criteriaField {
	return &criteriaField{kind: kindNumber, one: func(f *Finding) (fieldValue, bool) {
		n, ok := get(f)
		return fieldValue{n: n}, ok
	}}
}

// portField reads the port of the details get returns.
func portField(get func(*Finding) *PortDetails) *criteriaField {
	return numField(func(f *Finding) (float64, bool) {
		if p := get(f); p != nil {
			return float64(p.Port), true
		}
		return 0, false
	})
}

// numsField reads a list of numbers.
func numsField(get func(*Finding) []float64) *criteriaField {
	return &criteriaField{kind: kindNumber, many: func(f *Finding) []fieldValue {
		var out []fieldValue
		for _, n := range get(f) {
			out = append(out, fieldValue{n: n})
		}
		return out
	}}
}

// timeField reads a time; the zero time is a missing value.
func timeField(get func(*Finding) Time) *criteriaField {
	return &criteriaField{kind: kindTime, one: func(f *Finding) (fieldValue, bool) {
		t := get(f)
		return fieldValue{n: float64(t.UnixMilli())}, !t.IsZero()
	}}
}

// eachOf reads get of every element of the list p returns.
func eachOf[E any](p func(*Finding) []E, get func(*E) string) func(*Finding) []string {
	return func(f *Finding) []string {
		list := p(f)
		out := make([]string, 0, len(list))
		for i := range list {
			out = append(out, get(&list[i]))
		}
		return out
	}
}

// Parts of a finding that may be nil.
func accessKeyOf(f *Finding) *AccessKeyDetails   { return f.Resource.AccessKeyDetails }
func instanceOf(f *Finding) *InstanceDetails     { return f.Resource.InstanceDetails }
func lambdaOf(f *Finding) *LambdaDetails         { return f.Resource.LambdaDetails }
func malwareOf(f *Finding) *MalwareScanDetails   { return f.Service.MalwareScanDetails }
func ebsScanOf(f *Finding) *EbsVolumeScanDetails { return f.Service.EbsVolumeScanDetails }
func apiCallOf(f *Finding) *AwsAPICallAction     { return orZero(f.Service.Action).AwsAPICallAction }
func portProbeOf(f *Finding) *PortProbeAction    { return orZero(f.Service.Action).PortProbeAction }
func dnsRequestOf(f *Finding) *DNSRequestAction  { return orZero(f.Service.Action).DNSRequestAction }

func netConnOf(f *Finding) *NetworkConnectionAction {
	return orZero(f.Service.Action).NetworkConnectionAction
}

func bucketsOf(f *Finding) []S3BucketDetail      { return f.Resource.S3BucketDetails }
func interfacesOf(f *Finding) []NetworkInterface { return orZero(instanceOf(f)).NetworkInterfaces }
func instanceTagsOf(f *Finding) []Tag            { return orZero(instanceOf(f)).Tags }
func probesOf(f *Finding) []PortProbeDetail      { return orZero(portProbeOf(f)).PortProbeDetails }

func threatIntelOf(f *Finding) []ThreatIntelligenceDetail {
	return orZero(f.Service.Evidence).ThreatIntelligenceDetails
}

func ebsThreatNamesOf(f *Finding) []ScanThreatName {
	d := orZero(orZero(ebsScanOf(f)).ScanDetections)
	return orZero(d.ThreatDetectedByName).ThreatNames
}

// remoteIPParts are the fields of a remoteIpDetails block.
var remoteIPParts = map[string]func(*RemoteIPDetails) string{
	"ipAddressV4":         func(r *RemoteIPDetails) string { return r.IPAddressV4 },
	"ipAddressV6":         func(r *RemoteIPDetails) string { return r.IPAddressV6 },
	"city.cityName":       func(r *RemoteIPDetails) string { return orZero(r.City).CityName },
	"country.countryCode": func(r *RemoteIPDetails) string { return orZero(r.Country).CountryCode },
	"country.countryName": func(r *RemoteIPDetails) string { return orZero(r.Country).CountryName },
	"organization.asn":    func(r *RemoteIPDetails) string { return orZero(r.Organization).Asn },
	"organization.asnOrg": func(r *RemoteIPDetails) string { return orZero(r.Organization).AsnOrg },
	"organization.isp":    func(r *RemoteIPDetails) string { return orZero(r.Organization).Isp },
	"organization.org":    func(r *RemoteIPDetails) string { return orZero(r.Organization).Org },
}

// orZero returns *p, or the zero value when p is nil.
func orZero[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// criteriaFields maps every supported criteria path to its field.
var criteriaFields = fieldTable()

func fieldTable() map[string]*criteriaField {
	t := map[string]*criteriaField{
		"accountId":  strField(func(f *Finding) string { return f.AccountID }),
		"arn":        strField(func(f *Finding) string { return f.Arn }),
		"confidence": numField(func(f *Finding) (float64, bool) { return orZero(f.Confidence), f.Confidence != nil }),
		"createdAt":  timeField(func(f *Finding) Time { return f.CreatedAt }),
		"id":         strField(func(f *Finding) string { return f.ID }),
		"partition":  strField(func(f *Finding) string { return f.Partition }),
		"region":     strField(func(f *Finding) string { return f.Region }),
		"severity":   numField(func(f *Finding) (float64, bool) { return f.Severity, true }),
		"title":      strField(func(f *Finding) string { return f.Title }),
		"type":       strField(func(f *Finding) string { return f.Type }),
		"updatedAt":  timeField(func(f *Finding) Time { return f.UpdatedAt }),

		"resource.resourceType":                                         strField(func(f *Finding) string { return f.Resource.ResourceType }),
		"resource.accessKeyDetails.accessKeyId":                         strField(func(f *Finding) string { return orZero(accessKeyOf(f)).AccessKeyID }),
		"resource.accessKeyDetails.principalId":                         strField(func(f *Finding) string { return orZero(accessKeyOf(f)).PrincipalID }),
		"resource.accessKeyDetails.userName":                            strField(func(f *Finding) string { return orZero(accessKeyOf(f)).UserName }),
		"resource.accessKeyDetails.userType":                            strField(func(f *Finding) string { return orZero(accessKeyOf(f)).UserType }),
		"resource.instanceDetails.availabilityZone":                     strField(func(f *Finding) string { return orZero(instanceOf(f)).AvailabilityZone }),
		"resource.instanceDetails.imageId":                              strField(func(f *Finding) string { return orZero(instanceOf(f)).ImageID }),
		"resource.instanceDetails.instanceId":                           strField(func(f *Finding) string { return orZero(instanceOf(f)).InstanceID }),
		"resource.instanceDetails.instanceState":                        strField(func(f *Finding) string { return orZero(instanceOf(f)).InstanceState }),
		"resource.instanceDetails.instanceType":                         strField(func(f *Finding) string { return orZero(instanceOf(f)).InstanceType }),
		"resource.instanceDetails.tags.key":                             strsField(eachOf(instanceTagsOf, func(t *Tag) string { return t.Key })),
		"resource.instanceDetails.tags.value":                           strsField(eachOf(instanceTagsOf, func(t *Tag) string { return t.Value })),
		"resource.instanceDetails.networkInterfaces.ipv6Addresses":      strsField(ipv6AddressesOf),
		"resource.instanceDetails.networkInterfaces.networkInterfaceId": strsField(eachOf(interfacesOf, func(n *NetworkInterface) string { return n.NetworkInterfaceID })),
		"resource.instanceDetails.networkInterfaces.privateIpAddress":   strsField(eachOf(interfacesOf, func(n *NetworkInterface) string { return n.PrivateIPAddress })),
		// GuardDuty's documented path; Vigil records only the primary address.
		"resource.instanceDetails.networkInterfaces.privateIpAddresses.privateIpAddress": strsField(eachOf(interfacesOf, func(n *NetworkInterface) string { return n.PrivateIPAddress })),
		"resource.instanceDetails.networkInterfaces.publicIp":                            strsField(eachOf(interfacesOf, func(n *NetworkInterface) string { return n.PublicIP })),
		"resource.instanceDetails.networkInterfaces.subnetId":                            strsField(eachOf(interfacesOf, func(n *NetworkInterface) string { return n.SubnetID })),
		"resource.instanceDetails.networkInterfaces.vpcId":                               strsField(eachOf(interfacesOf, func(n *NetworkInterface) string { return n.VpcID })),
		"resource.s3BucketDetails.arn":                                                   strsField(eachOf(bucketsOf, func(b *S3BucketDetail) string { return b.Arn })),
		"resource.s3BucketDetails.name":                                                  strsField(eachOf(bucketsOf, func(b *S3BucketDetail) string { return b.Name })),
		"resource.s3BucketDetails.type":                                                  strsField(eachOf(bucketsOf, func(b *S3BucketDetail) string { return b.Type })),
		"resource.s3BucketDetails.owner.id":                                              strsField(eachOf(bucketsOf, func(b *S3BucketDetail) string { return orZero(b.Owner).ID })),
		"resource.s3BucketDetails.publicAccess.effectivePermission":                      strsField(eachOf(bucketsOf, func(b *S3BucketDetail) string { return orZero(b.PublicAccess).EffectivePermission })),
		"resource.s3BucketDetails.tags.key":                                              strsField(bucketTagsOf(func(t *Tag) string { return t.Key })),
		"resource.s3BucketDetails.tags.value":                                            strsField(bucketTagsOf(func(t *Tag) string { return t.Value })),
		"resource.s3BucketDetails.s3ObjectDetails.key":                                   strsField(s3ObjectsOf(func(o *S3ObjectDetail) string { return o.Key })),
		"resource.s3BucketDetails.s3ObjectDetails.objectArn":                             strsField(s3ObjectsOf(func(o *S3ObjectDetail) string { return o.ObjectArn })),
		"resource.lambdaDetails.functionArn":                                             strField(func(f *Finding) string { return orZero(lambdaOf(f)).FunctionArn }),
		"resource.lambdaDetails.functionName":                                            strField(func(f *Finding) string { return orZero(lambdaOf(f)).FunctionName }),
		"resource.lambdaDetails.functionVersion":                                         strField(func(f *Finding) string { return orZero(lambdaOf(f)).FunctionVersion }),
		"resource.lambdaDetails.role":                                                    strField(func(f *Finding) string { return orZero(lambdaOf(f)).Role }),

		"service.action.actionType":                                      strField(func(f *Finding) string { return orZero(f.Service.Action).ActionType }),
		"service.action.awsApiCallAction.api":                            strField(func(f *Finding) string { return orZero(apiCallOf(f)).API }),
		"service.action.awsApiCallAction.callerType":                     strField(func(f *Finding) string { return orZero(apiCallOf(f)).CallerType }),
		"service.action.awsApiCallAction.domainDetails.domain":           strField(func(f *Finding) string { return orZero(orZero(apiCallOf(f)).DomainDetails).Domain }),
		"service.action.awsApiCallAction.errorCode":                      strField(func(f *Finding) string { return orZero(apiCallOf(f)).ErrorCode }),
		"service.action.awsApiCallAction.remoteAccountDetails.accountId": strField(func(f *Finding) string { return orZero(orZero(apiCallOf(f)).RemoteAccountDetails).AccountID }),
		"service.action.awsApiCallAction.remoteAccountDetails.affiliated": flagField(func(f *Finding) *RemoteAccountDetails { return orZero(apiCallOf(f)).RemoteAccountDetails },
			func(r *RemoteAccountDetails) bool { return r.Affiliated }),
		"service.action.awsApiCallAction.serviceName":                                strField(func(f *Finding) string { return orZero(apiCallOf(f)).ServiceName }),
		"service.action.awsApiCallAction.userAgent":                                  strField(func(f *Finding) string { return orZero(apiCallOf(f)).UserAgent }),
		"service.action.networkConnectionAction.blocked":                             flagField(netConnOf, func(a *NetworkConnectionAction) bool { return a.Blocked }),
		"service.action.networkConnectionAction.connectionDirection":                 strField(func(f *Finding) string { return orZero(netConnOf(f)).ConnectionDirection }),
		"service.action.networkConnectionAction.localIpDetails.ipAddressV4":          strField(func(f *Finding) string { return orZero(orZero(netConnOf(f)).LocalIPDetails).IPAddressV4 }),
		"service.action.networkConnectionAction.localIpDetails.ipAddressV6":          strField(func(f *Finding) string { return orZero(orZero(netConnOf(f)).LocalIPDetails).IPAddressV6 }),
		"service.action.networkConnectionAction.localNetworkInterface":               strField(func(f *Finding) string { return orZero(netConnOf(f)).LocalNetworkInterface }),
		"service.action.networkConnectionAction.localPortDetails.port":               portField(func(f *Finding) *PortDetails { return orZero(netConnOf(f)).LocalPortDetails }),
		"service.action.networkConnectionAction.localPortDetails.portName":           strField(func(f *Finding) string { return orZero(orZero(netConnOf(f)).LocalPortDetails).PortName }),
		"service.action.networkConnectionAction.protocol":                            strField(func(f *Finding) string { return orZero(netConnOf(f)).Protocol }),
		"service.action.networkConnectionAction.remotePortDetails.port":              portField(func(f *Finding) *PortDetails { return orZero(netConnOf(f)).RemotePortDetails }),
		"service.action.networkConnectionAction.remotePortDetails.portName":          strField(func(f *Finding) string { return orZero(orZero(netConnOf(f)).RemotePortDetails).PortName }),
		"service.action.portProbeAction.blocked":                                     flagField(portProbeOf, func(a *PortProbeAction) bool { return a.Blocked }),
		"service.action.portProbeAction.portProbeDetails.localIpDetails.ipAddressV4": strsField(eachOf(probesOf, func(p *PortProbeDetail) string { return orZero(p.LocalIPDetails).IPAddressV4 })),
		"service.action.portProbeAction.portProbeDetails.localIpDetails.ipAddressV6": strsField(eachOf(probesOf, func(p *PortProbeDetail) string { return orZero(p.LocalIPDetails).IPAddressV6 })),
		"service.action.portProbeAction.portProbeDetails.localPortDetails.port":      numsField(probePortsOf),
		"service.action.portProbeAction.portProbeDetails.localPortDetails.portName":  strsField(eachOf(probesOf, func(p *PortProbeDetail) string { return orZero(p.LocalPortDetails).PortName })),
		"service.action.dnsRequestAction.blocked":                                    flagField(dnsRequestOf, func(a *DNSRequestAction) bool { return a.Blocked }),
		"service.action.dnsRequestAction.domain":                                     strField(func(f *Finding) string { return orZero(dnsRequestOf(f)).Domain }),
		"service.action.dnsRequestAction.domainWithSuffix":                           strField(func(f *Finding) string { return orZero(dnsRequestOf(f)).DomainWithSuffix }),
		"service.action.dnsRequestAction.protocol":                                   strField(func(f *Finding) string { return orZero(dnsRequestOf(f)).Protocol }),
		"service.action.dnsRequestAction.vpcOwnerAccountId":                          strField(func(f *Finding) string { return orZero(dnsRequestOf(f)).VpcOwnerAccountID }),

		"service.additionalInfo.threatListName": strsField(additionalInfoOf("threatListName")),
		"service.additionalInfo.threatName":     strsField(additionalInfoOf("threatName")),
		"service.archived":                      flagField(func(f *Finding) *Service { return &f.Service }, func(s *Service) bool { return s.Archived }),
		"service.count":                         numField(func(f *Finding) (float64, bool) { return float64(f.Service.Count), true }),
		"service.eventFirstSeen":                timeField(func(f *Finding) Time { return f.Service.EventFirstSeen }),
		"service.eventLastSeen":                 timeField(func(f *Finding) Time { return f.Service.EventLastSeen }),
		"service.featureName":                   strField(func(f *Finding) string { return f.Service.FeatureName }),
		"service.resourceRole":                  strField(func(f *Finding) string { return f.Service.ResourceRole }),
		"service.userFeedback":                  strField(func(f *Finding) string { return f.Service.UserFeedback }),
		"service.evidence.threatIntelligenceDetails.threatFileSha256":                           strsField(eachOf(threatIntelOf, func(d *ThreatIntelligenceDetail) string { return d.ThreatFileSha256 })),
		"service.evidence.threatIntelligenceDetails.threatListName":                             strsField(eachOf(threatIntelOf, func(d *ThreatIntelligenceDetail) string { return d.ThreatListName })),
		"service.evidence.threatIntelligenceDetails.threatNames":                                strsField(threatNamesOf),
		"service.malwareScanDetails.scanId":                                                     strField(func(f *Finding) string { return orZero(malwareOf(f)).ScanID }),
		"service.malwareScanDetails.scanType":                                                   strField(func(f *Finding) string { return orZero(malwareOf(f)).ScanType }),
		"service.malwareScanDetails.threats.hash":                                               strsField(eachOf(malwareThreatsOf, func(t *MalwareThreat) string { return t.Hash })),
		"service.malwareScanDetails.threats.name":                                               strsField(eachOf(malwareThreatsOf, func(t *MalwareThreat) string { return t.Name })),
		"service.malwareScanDetails.threats.source":                                             strsField(eachOf(malwareThreatsOf, func(t *MalwareThreat) string { return t.Source })),
		"service.ebsVolumeScanDetails.scanId":                                                   strField(func(f *Finding) string { return orZero(ebsScanOf(f)).ScanID }),
		"service.ebsVolumeScanDetails.scanType":                                                 strField(func(f *Finding) string { return orZero(ebsScanOf(f)).ScanType }),
		"service.ebsVolumeScanDetails.sources":                                                  strsField(func(f *Finding) []string { return orZero(ebsScanOf(f)).Sources }),
		"service.ebsVolumeScanDetails.triggerFindingId":                                         strField(func(f *Finding) string { return orZero(ebsScanOf(f)).TriggerFindingID }),
		"service.ebsVolumeScanDetails.scanDetections.threatDetectedByName.threatNames.name":     strsField(eachOf(ebsThreatNamesOf, func(n *ScanThreatName) string { return n.Name })),
		"service.ebsVolumeScanDetails.scanDetections.threatDetectedByName.threatNames.severity": strsField(eachOf(ebsThreatNamesOf, func(n *ScanThreatName) string { return n.Severity })),
	}
	for part, get := range remoteIPParts {
		t["service.action.awsApiCallAction.remoteIpDetails."+part] = strField(func(f *Finding) string { return remoteIPOf(orZero(apiCallOf(f)).RemoteIPDetails, get) })
		t["service.action.networkConnectionAction.remoteIpDetails."+part] = strField(func(f *Finding) string { return remoteIPOf(orZero(netConnOf(f)).RemoteIPDetails, get) })
		t["service.action.portProbeAction.portProbeDetails.remoteIpDetails."+part] = strsField(eachOf(probesOf, func(p *PortProbeDetail) string { return remoteIPOf(p.RemoteIPDetails, get) }))
	}
	return t
}

func remoteIPOf(r *RemoteIPDetails, get func(*RemoteIPDetails) string) string {
	if r == nil {
		return ""
	}
	return get(r)
}

func malwareThreatsOf(f *Finding) []MalwareThreat { return orZero(malwareOf(f)).Threats }

func ipv6AddressesOf(f *Finding) []string {
	var out []string
	for _, n := range interfacesOf(f) {
		out = append(out, n.IPv6Addresses...)
	}
	return out
}

func bucketTagsOf(get func(*Tag) string) func(*Finding) []string {
	return func(f *Finding) []string {
		var out []string
		for _, b := range bucketsOf(f) {
			for i := range b.Tags {
				out = append(out, get(&b.Tags[i]))
			}
		}
		return out
	}
}

func s3ObjectsOf(get func(*S3ObjectDetail) string) func(*Finding) []string {
	return func(f *Finding) []string {
		var out []string
		for _, b := range bucketsOf(f) {
			for i := range b.S3ObjectDetails {
				out = append(out, get(&b.S3ObjectDetails[i]))
			}
		}
		return out
	}
}

func probePortsOf(f *Finding) []float64 {
	var out []float64
	for _, p := range probesOf(f) {
		if p.LocalPortDetails != nil {
			out = append(out, float64(p.LocalPortDetails.Port))
		}
	}
	return out
}

func threatNamesOf(f *Finding) []string {
	var out []string
	for _, d := range threatIntelOf(f) {
		out = append(out, d.ThreatNames...)
	}
	return out
}

// additionalInfoOf reads key of service.additionalInfo, whose value is a
// JSON document in a string: a string, or a list of strings.
func additionalInfoOf(key string) func(*Finding) []string {
	return func(f *Finding) []string {
		info := f.Service.AdditionalInfo
		if info == nil || info.Value == "" {
			return nil
		}
		var doc map[string]json.RawMessage
		if json.Unmarshal([]byte(info.Value), &doc) != nil {
			return nil
		}
		var one string
		if json.Unmarshal(doc[key], &one) == nil {
			return []string{one}
		}
		var list []string
		_ = json.Unmarshal(doc[key], &list)
		return list
	}
}
