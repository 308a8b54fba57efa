package sqlite

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vigil-sec/vigil/internal/finding"
)

// Paging limits of ListFindings.
const (
	defaultLimit = 50
	maxLimit     = 1000
)

// valueKind is the type of a sort column, for encoding page tokens.
type valueKind int

const (
	kindFloat valueKind = iota
	kindInt
	kindString
)

// sortKey maps a finding.Sort* attribute to its column.
type sortKey struct {
	column string
	kind   valueKind
	value  func(f *finding.Finding) any // the column's value for f
}

var sortKeys = map[string]sortKey{
	finding.SortSeverity:  {"severity", kindFloat, func(f *finding.Finding) any { return f.Severity }},
	finding.SortUpdatedAt: {"updated_at", kindInt, func(f *finding.Finding) any { return millis(f.UpdatedAt) }},
	finding.SortCreatedAt: {"created_at", kindInt, func(f *finding.Finding) any { return millis(f.CreatedAt) }},
	finding.SortType:      {"type", kindString, func(f *finding.Finding) any { return f.Type }},
	finding.SortCount:     {"count", kindInt, func(f *finding.Finding) any { return int64(f.Service.Count) }},
}

// ListFindings implements store.Store. Findings are ordered by q.SortBy and
// then by id, both ascending or both descending (q.Desc); an empty SortBy
// means updatedAt, newest first, whatever q.Desc says. Paging is by keyset:
// the token holds the sort value and id of the last finding returned, so
// findings inserted while a client pages do not shift later pages.
func (db *DB) ListFindings(ctx context.Context, q finding.Query) ([]finding.Finding, string, error) {
	p, err := newListPlan(q)
	if err != nil {
		return nil, "", fmt.Errorf("list findings: %w", err)
	}
	query, args := p.sql()
	fs, err := db.queryFindings(ctx, query, args)
	if err != nil {
		return nil, "", fmt.Errorf("list findings: %w", err)
	}
	if len(fs) <= p.limit {
		return fs, "", nil
	}
	fs = fs[:p.limit]
	return fs, p.token(&fs[len(fs)-1]), nil
}

// queryFindings runs a query selecting finding bodies and decodes them.
func (db *DB) queryFindings(ctx context.Context, query string, args []any) ([]finding.Finding, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var fs []finding.Finding
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var f finding.Finding
		if err := json.Unmarshal(body, &f); err != nil {
			return nil, fmt.Errorf("decode finding: %w", err)
		}
		fs = append(fs, f)
	}
	return fs, rows.Err()
}

// listPlan is a validated query.
type listPlan struct {
	q      finding.Query
	sortBy string
	key    sortKey
	desc   bool
	limit  int
	after  *cursor // nil on the first page
}

func newListPlan(q finding.Query) (*listPlan, error) {
	p := &listPlan{q: q, sortBy: q.SortBy, desc: q.Desc, limit: q.Limit}
	if p.sortBy == "" {
		p.sortBy, p.desc = finding.SortUpdatedAt, true
	}
	key, ok := sortKeys[p.sortBy]
	if !ok {
		return nil, fmt.Errorf("unknown sort attribute %q", q.SortBy)
	}
	p.key = key
	switch {
	case p.limit < 0:
		return nil, fmt.Errorf("negative limit %d", q.Limit)
	case p.limit == 0:
		p.limit = defaultLimit
	case p.limit > maxLimit:
		p.limit = maxLimit
	}
	if q.PageToken != "" {
		c, err := p.decodeToken(q.PageToken)
		if err != nil {
			return nil, err
		}
		p.after = c
	}
	return p, nil
}

// sql returns the statement and its arguments; it fetches one row more
// than the limit to learn whether there is a next page.
func (p *listPlan) sql() (string, []any) { return p.selectSQL("body") }

// selectSQL selects columns of the page's findings (and one more), in
// the plan's order, after the previous page's last key.
func (p *listPlan) selectSQL(columns string) (string, []any) {
	conds, args := filters(&p.q)
	op, dir := ">", "ASC"
	if p.desc {
		op, dir = "<", "DESC"
	}
	if p.after != nil {
		conds = append(conds, fmt.Sprintf("(%s, id) %s (?, ?)", p.key.column, op))
		args = append(args, p.after.value, p.after.ID)
	}
	var b strings.Builder
	b.WriteString("SELECT " + columns + " FROM findings")
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	fmt.Fprintf(&b, " ORDER BY %s %s, id %s LIMIT ?", p.key.column, dir, dir)
	return b.String(), append(args, p.limit+1)
}

// filters returns the WHERE conditions for q's filters, as Query.Match
// defines them.
func filters(q *finding.Query) ([]string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg ...any) {
		conds = append(conds, cond)
		args = append(args, arg...)
	}
	if q.MinSeverity != 0 {
		add("severity >= ?", q.MinSeverity)
	}
	if q.MaxSeverity > 0 {
		add("severity < ?", q.MaxSeverity)
	}
	if q.TypePrefix != "" {
		// A range rather than LIKE: LIKE is case-insensitive in SQLite and
		// treats % and _ as wildcards; the range uses the type index.
		add("type >= ?", q.TypePrefix)
		if end, ok := prefixEnd(q.TypePrefix); ok {
			add("type < ?", end)
		}
	}
	if q.AccountID != "" {
		add("account_id = ?", q.AccountID)
	}
	if q.Region != "" {
		add("region = ?", q.Region)
	}
	if q.Archived != nil {
		add("archived = ?", boolInt(*q.Archived))
	}
	if q.Resource != "" {
		// Each side is an index seek (findings_resource, with the types
		// resource_id is defined for; findings_resource_key and _user),
		// which SQLite unites for an OR.
		add("((resource_type IN ('AccessKey', 'Instance', 'Lambda', 'S3Bucket', 'S3Object') AND resource_id = ?)"+
			" OR resource_key = ? OR resource_user = ?)", q.Resource, q.Resource, q.Resource)
	}
	if !q.UpdatedFrom.IsZero() {
		add("updated_at >= ?", q.UpdatedFrom.UnixMilli())
	}
	if !q.UpdatedTo.IsZero() {
		add("updated_at < ?", q.UpdatedTo.UnixMilli())
	}
	return conds, args
}

// prefixEnd returns the least string greater than every string with the
// given prefix (byte-wise), or false if there is none.
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// cursor is the decoded page token: where the previous page ended.
type cursor struct {
	Sort  string          `json:"s"`
	Desc  bool            `json:"d,omitempty"`
	Value json.RawMessage `json:"v"`
	ID    string          `json:"id"`

	value any // Value decoded as the sort column's type
}

var errBadToken = errors.New("invalid page token")

// token returns the page token for the page after last.
func (p *listPlan) token(last *finding.Finding) string {
	v, _ := json.Marshal(p.key.value(last)) // numbers and strings always marshal
	b, _ := json.Marshal(cursor{Sort: p.sortBy, Desc: p.desc, Value: v, ID: last.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func (p *listPlan) decodeToken(tok string) (*cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return nil, errBadToken
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.ID == "" {
		return nil, errBadToken
	}
	if c.Sort != p.sortBy || c.Desc != p.desc {
		return nil, fmt.Errorf("%w: it continues a listing in another order", errBadToken)
	}
	if c.value, err = decodeValue(p.key.kind, c.Value); err != nil {
		return nil, errBadToken
	}
	return &c, nil
}

func decodeValue(k valueKind, raw json.RawMessage) (any, error) {
	switch k {
	case kindFloat:
		var v float64
		err := json.Unmarshal(raw, &v)
		return v, err
	case kindInt:
		var v int64
		err := json.Unmarshal(raw, &v)
		return v, err
	default:
		var v string
		err := json.Unmarshal(raw, &v)
		return v, err
	}
}
