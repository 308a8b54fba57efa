package finding

import "strings"

// Query selects findings from a store. Zero fields do not filter.
type Query struct {
	MinSeverity float64 // severity >= MinSeverity
	MaxSeverity float64 // severity < MaxSeverity when non-zero
	TypePrefix  string  // type starts with TypePrefix
	AccountID   string
	Region      string
	Archived    *bool // nil: both

	// SortBy is one of the Sort* fields; Desc reverses the order.
	SortBy string
	Desc   bool

	Limit     int    // at most this many findings; 0 means the store's default
	PageToken string // opaque token from the previous page
}

// Sortable attributes.
const (
	SortSeverity  = "severity"
	SortUpdatedAt = "updatedAt"
	SortCreatedAt = "createdAt"
	SortType      = "type"
	SortCount     = "service.count"
)

// Match reports whether f satisfies the query's filters (not its paging).
func (q *Query) Match(f *Finding) bool {
	if f.Severity < q.MinSeverity {
		return false
	}
	if q.MaxSeverity > 0 && f.Severity >= q.MaxSeverity {
		return false
	}
	if q.TypePrefix != "" && !strings.HasPrefix(f.Type, q.TypePrefix) {
		return false
	}
	if q.AccountID != "" && f.AccountID != q.AccountID {
		return false
	}
	if q.Region != "" && f.Region != q.Region {
		return false
	}
	if q.Archived != nil && f.Service.Archived != *q.Archived {
		return false
	}
	return true
}
