package finding

import (
	"strings"
	"time"
)

// Query selects findings from a store. Zero fields do not filter.
type Query struct {
	MinSeverity float64 // severity >= MinSeverity
	MaxSeverity float64 // severity < MaxSeverity when non-zero
	TypePrefix  string  // type starts with TypePrefix
	AccountID   string
	Region      string
	Archived    *bool // nil: both
	// Resource selects the findings about one resource: its id as
	// GuardDuty's ResourceStatistics keys it (ResourceID), or the access
	// key in its details, by id or user name, whatever the resource type
	// (an S3 finding names the key that acted on the bucket). The match
	// is exact.
	Resource string
	// UpdatedFrom and UpdatedTo select updatedAt in [UpdatedFrom,
	// UpdatedTo); a zero time leaves that end open. They are compared in
	// whole milliseconds, the precision findings keep.
	UpdatedFrom, UpdatedTo time.Time

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
	if q.Resource != "" && !q.matchResource(f) {
		return false
	}
	if !q.UpdatedFrom.IsZero() && f.UpdatedAt.UnixMilli() < q.UpdatedFrom.UnixMilli() {
		return false
	}
	if !q.UpdatedTo.IsZero() && f.UpdatedAt.UnixMilli() >= q.UpdatedTo.UnixMilli() {
		return false
	}
	return true
}

func (q *Query) matchResource(f *Finding) bool {
	key := orZero(f.Resource.AccessKeyDetails)
	return ResourceID(f) == q.Resource || key.AccessKeyID == q.Resource || key.UserName == q.Resource
}

// ResourceID returns the id of a finding's resource as GuardDuty's
// ResourceStatistics keys it by resource type: the access key id, instance
// id, Lambda function name or (first) bucket name; "" for other types.
func ResourceID(f *Finding) string {
	r := &f.Resource
	switch r.ResourceType {
	case ResourceAccessKey:
		return orZero(r.AccessKeyDetails).AccessKeyID
	case ResourceInstance:
		return orZero(r.InstanceDetails).InstanceID
	case ResourceLambda:
		return orZero(r.LambdaDetails).FunctionName
	case ResourceS3Bucket, ResourceS3Object:
		if len(r.S3BucketDetails) > 0 {
			return r.S3BucketDetails[0].Name
		}
	}
	return ""
}
