package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
)

// Extras of the SQLite store beyond store.Store, for the API: counting
// findings by group from the finding_groups table (migration 0004),
// listing findings without reading their bodies, and keeping feedback.

// groupColumns maps the dimensions CountFindings groups by to columns.
var groupColumns = map[string]string{
	"type": "type", "severity": "severity", "accountId": "account_id",
	"region": "region", "service.archived": "archived",
}

// dayMillis is one UTC day in the milliseconds times are stored in.
const dayMillis = 86400000

// Group dimensions that are not columns.
const (
	byDate     = "date"
	byResource = "resource"
)

// CountFindings calls fn once for each group of the findings q's filters
// select (its sort and paging are ignored) that were updated in
// [updatedFrom, updatedTo) (a zero time leaves that end open), grouped by
// the dimensions in by: "type", "severity", "accountId", "region",
// "service.archived" (the criteria field names of the columns), "date"
// (the UTC day of updatedAt) and "resource" (resource.resourceType and
// the resource's id). fn gets a finding with those fields set, updatedAt
// the newest in the group (and the resource id in the resource's details:
// accessKeyDetails.accessKeyId, instanceDetails.instanceId,
// lambdaDetails.functionName or s3BucketDetails[0].name), and the group's
// size.
//
// Without a time window (these arguments or q's), a resource filter,
// "date" and "resource" it reads finding_groups, whose size is the number
// of distinct column combinations, not of findings; grouped by "date"
// with no filter but severity, service.archived and whole-day windows,
// finding_days; grouped by "resource" with no filter but the account and
// service.archived, finding_resources; otherwise the findings_group or a
// resource index.
func (db *DB) CountFindings(ctx context.Context, q finding.Query, updatedFrom, updatedTo time.Time, by []string,
	fn func(f *finding.Finding, n int) error) error {
	query, args, err := countSQL(q, updatedFrom, updatedTo, by)
	if err != nil {
		return fmt.Errorf("count findings: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("count findings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		f, n, err := scanGroup(rows, by)
		if err != nil {
			return fmt.Errorf("count findings: %w", err)
		}
		if n == 0 { // no findings at all: the one row of an aggregate without GROUP BY
			continue
		}
		if err := fn(f, n); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count findings: %w", err)
	}
	return nil
}

// dayColumnsOnly reports whether q filters on nothing but severity and
// service.archived (and whole-day windows, checked apart) and by groups by
// nothing but the date, severity and service.archived: what finding_days
// can answer.
func dayColumnsOnly(q finding.Query, by []string) bool {
	for _, d := range by {
		if d != byDate && d != "severity" && d != "service.archived" {
			return false
		}
	}
	return q.TypePrefix == "" && q.AccountID == "" && q.Region == "" && q.Resource == "" &&
		q.UpdatedFrom.IsZero() && q.UpdatedTo.IsZero()
}

// resourceColumnsOnly reports whether q filters on nothing but the account
// and service.archived and by groups by nothing but the resource, the
// account and service.archived: what finding_resources can answer.
func resourceColumnsOnly(q finding.Query, by []string) bool {
	for _, d := range by {
		if d != byResource && d != "accountId" && d != "service.archived" {
			return false
		}
	}
	return q.MinSeverity == 0 && q.MaxSeverity == 0 && q.TypePrefix == "" && q.Region == "" && q.Resource == "" &&
		q.UpdatedFrom.IsZero() && q.UpdatedTo.IsZero()
}

// countSQL returns CountFindings's query: the group's keys (columns in
// groupDims order, then the day, then the resource), its size and newest
// updated_at.
func countSQL(q finding.Query, from, to time.Time, by []string) (string, []any, error) {
	for _, d := range by {
		if groupColumns[d] == "" && d != byDate && d != byResource {
			return "", nil, fmt.Errorf("unknown dimension %q", d)
		}
	}
	var keys []string
	for _, d := range groupDims {
		if slices.Contains(by, d) {
			keys = append(keys, groupColumns[d])
		}
	}
	date, resource := slices.Contains(by, byDate), slices.Contains(by, byResource)
	conds, args := filters(&q)
	// finding_days has the groups by day, severity and archived state: it
	// serves queries that filter and group on nothing else, in whole days.
	aligned := func(t time.Time) bool { return t.IsZero() || t.UnixMilli()%dayMillis == 0 }
	byDays := date && dayColumnsOnly(q, by) && aligned(from) && aligned(to)
	window := !from.IsZero() || !to.IsZero() || !q.UpdatedFrom.IsZero() || !q.UpdatedTo.IsZero()
	col, scale := "updated_at", int64(1)
	if byDays {
		col, scale = "day", dayMillis
	}
	if !from.IsZero() {
		conds, args = append(conds, col+" >= ?"), append(args, from.UnixMilli()/scale)
	}
	if !to.IsZero() {
		conds, args = append(conds, col+" < ?"), append(args, to.UnixMilli()/scale)
	}
	if date {
		if byDays {
			keys = append(keys, "day")
		} else {
			keys = append(keys, "updated_at / 86400000")
		}
	}
	if resource {
		keys = append(keys, "resource_type", "resource_id")
	}
	// Findings are counted in a covering index: the planner would rather
	// use a narrower index and read the table, ten times slower.
	table, count := "finding_groups", "COALESCE(SUM(total), 0)"
	switch {
	case q.Resource != "": // few findings, found through the resource indexes
		table, count = "findings", "COUNT(*)"
	case resource && resourceColumnsOnly(q, by) && !window:
		table = "finding_resources"
	case resource:
		table, count = "findings INDEXED BY findings_resource", "COUNT(*)"
	case byDays:
		table = "finding_days"
	case date || window:
		table, count = "findings INDEXED BY findings_group", "COUNT(*)"
	}
	var b strings.Builder
	b.WriteString("SELECT " + strings.Join(append(slices.Clone(keys), count, "MAX(updated_at)"), ", ") + " FROM " + table)
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	if len(keys) > 0 {
		b.WriteString(" GROUP BY " + strings.Join(keys, ", "))
	}
	return b.String(), args, nil
}

// groupDims are the column dimensions, in the order of their keys.
var groupDims = []string{"type", "severity", "accountId", "region", "service.archived"}

// scanGroup reads one row of countSQL's query into a finding.
func scanGroup(rows *sql.Rows, by []string) (*finding.Finding, int, error) {
	f := &finding.Finding{}
	var archived, day, n int64
	var last sql.NullInt64
	var resType, resID string
	var dest []any
	for _, d := range groupDims {
		if !slices.Contains(by, d) {
			continue
		}
		switch d {
		case "type":
			dest = append(dest, &f.Type)
		case "severity":
			dest = append(dest, &f.Severity)
		case "accountId":
			dest = append(dest, &f.AccountID)
		case "region":
			dest = append(dest, &f.Region)
		case "service.archived":
			dest = append(dest, &archived)
		}
	}
	if slices.Contains(by, byDate) {
		dest = append(dest, &day)
	}
	resource := slices.Contains(by, byResource)
	if resource {
		dest = append(dest, &resType, &resID)
	}
	if err := rows.Scan(append(dest, &n, &last)...); err != nil {
		return nil, 0, err
	}
	if resource {
		setResource(f, resType, resID)
	}
	f.Service.Archived = archived != 0
	f.UpdatedAt = finding.At(time.UnixMilli(last.Int64))
	return f, int(n), nil
}

// setResource sets a finding's resource type and id where the resource_id
// column (migration 0004) reads it.
func setResource(f *finding.Finding, typ, id string) {
	r := &f.Resource
	r.ResourceType = typ
	switch typ {
	case finding.ResourceAccessKey:
		r.AccessKeyDetails = &finding.AccessKeyDetails{AccessKeyID: id}
	case finding.ResourceInstance:
		r.InstanceDetails = &finding.InstanceDetails{InstanceID: id}
	case finding.ResourceLambda:
		r.LambdaDetails = &finding.LambdaDetails{FunctionName: id}
	case finding.ResourceS3Bucket, finding.ResourceS3Object:
		r.S3BucketDetails = []finding.S3BucketDetail{{Name: id}}
	}
}

// ListFindingKeys is ListFindings without reading the findings' JSON: the
// same selection, order, paging and page tokens (the two accept each
// other's), but each finding has only its id, type, severity, accountId,
// region, service.archived, updatedAt and the sort attribute set. Sorted
// by updatedAt, severity or type, it is answered from the findings_group
// index alone.
func (db *DB) ListFindingKeys(ctx context.Context, q finding.Query) ([]finding.Finding, string, error) {
	p, err := newListPlan(q)
	if err != nil {
		return nil, "", fmt.Errorf("list finding keys: %w", err)
	}
	query, args := p.keysSQL()
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list finding keys: %w", err)
	}
	defer rows.Close()
	var fs []finding.Finding
	for rows.Next() {
		var f finding.Finding
		var archived int
		var updated int64
		var sortVal any
		if err := rows.Scan(&f.ID, &f.Type, &f.Severity, &f.AccountID, &f.Region, &archived, &updated, &sortVal); err != nil {
			return nil, "", fmt.Errorf("list finding keys: %w", err)
		}
		f.Service.Archived = archived != 0
		f.UpdatedAt = finding.At(time.UnixMilli(updated))
		if err := setSortValue(&f, p.sortBy, sortVal); err != nil {
			return nil, "", fmt.Errorf("list finding keys: %w", err)
		}
		fs = append(fs, f)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list finding keys: %w", err)
	}
	if len(fs) <= p.limit {
		return fs, "", nil
	}
	fs = fs[:p.limit]
	return fs, p.token(&fs[len(fs)-1]), nil
}

// keysSQL is sql selecting the columns of ListFindingKeys.
func (p *listPlan) keysSQL() (string, []any) {
	return p.selectSQL("id, type, severity, account_id, region, archived, updated_at, " + p.key.column)
}

// setSortValue sets the sort attribute of a key-only finding from its
// column, so that listPlan.token reads it back.
func setSortValue(f *finding.Finding, sortBy string, v any) error {
	switch sortBy {
	case finding.SortCreatedAt, finding.SortCount:
		ms, ok := v.(int64)
		if !ok {
			return fmt.Errorf("sort column %s is %T, not an integer", sortBy, v)
		}
		switch sortBy {
		case finding.SortCreatedAt:
			f.CreatedAt = finding.At(time.UnixMilli(ms))
		default:
			f.Service.Count = int(ms)
		}
	}
	return nil // severity, type and updated_at are read anyway
}

// SetFeedback sets service.userFeedback of the findings and nothing else
// (updatedAt is kept), as SetArchived sets service.archived. If any id is
// unknown it changes nothing and returns an error wrapping
// store.ErrNotFound.
func (db *DB) SetFeedback(ctx context.Context, ids []string, feedback string) error {
	return db.change(ctx, "set feedback", ids, func(f *finding.Finding) { f.Service.UserFeedback = feedback })
}
