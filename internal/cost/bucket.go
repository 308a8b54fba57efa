package cost

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Window is how far back uploads are counted to project a month.
const Window = DaysPerMonth * 24 * time.Hour

// BucketStats measures what a bucket holds and how fast objects arrive,
// which is what Malware Protection for S3 bills: every new object (and
// new version) is evaluated and scanned.
//
// The month is projected from LastModified dates, as S3 Storage Lens
// would show them: when the oldest object is at least Window old, the
// month is what arrived in the last Window; when the bucket is younger,
// what it holds is averaged over the days it has existed (counted in
// whole days, at least one) and scaled to 30 days — a bucket filled in
// one bulk load today is projected as if that went on every day.
type BucketStats struct {
	Bucket string    `json:"bucket"`
	Prefix string    `json:"prefix,omitempty"`
	Source string    `json:"source"` // "list" or "inventory"
	At     time.Time `json:"at"`     // the "now" the window ends at

	Objects int64     `json:"objects"` // all objects (versions) measured
	Bytes   int64     `json:"bytes"`
	Oldest  time.Time `json:"oldest,omitzero"`
	Newest  time.Time `json:"newest,omitzero"`

	RecentObjects int64 `json:"recentObjects"` // LastModified within Window before At
	RecentBytes   int64 `json:"recentBytes"`

	MonthlyObjects float64 `json:"monthlyObjects"` // the projected month
	MonthlyBytes   float64 `json:"monthlyBytes"`
	Method         string  `json:"method"` // how the month was projected
}

// Usage returns the projected month as Malware Protection for S3 usage.
func (s BucketStats) Usage() Usage {
	return Usage{S3MalwareBytes: s.MonthlyBytes, S3MalwareObjects: s.MonthlyObjects}
}

// add counts one object into s; call project when done.
func (s *BucketStats) add(size int64, modified time.Time) {
	s.Objects++
	s.Bytes += size
	if s.Oldest.IsZero() || modified.Before(s.Oldest) {
		s.Oldest = modified
	}
	if modified.After(s.Newest) {
		s.Newest = modified
	}
	if !modified.Before(s.At.Add(-Window)) {
		s.RecentObjects++
		s.RecentBytes += size
	}
}

// project sets the monthly figures from the tallies.
func (s *BucketStats) project() {
	switch {
	case s.Objects == 0:
		s.Method = "empty: nothing to project"
	case !s.Oldest.After(s.At.Add(-Window)):
		s.MonthlyObjects, s.MonthlyBytes = float64(s.RecentObjects), float64(s.RecentBytes)
		s.Method = fmt.Sprintf("uploads in the %d days before %s", DaysPerMonth, s.At.UTC().Format(time.DateOnly))
	default:
		days := int64((s.At.Sub(s.Oldest) + 24*time.Hour - 1) / (24 * time.Hour))
		days = max(days, 1)
		s.MonthlyObjects = float64(s.Objects) * DaysPerMonth / float64(days)
		s.MonthlyBytes = float64(s.Bytes) * DaysPerMonth / float64(days)
		s.Method = fmt.Sprintf("younger than %d days: the %s it holds × %d/%d", DaysPerMonth, plural(int(days), "day"), DaysPerMonth, days)
	}
}

// MeasureBucket lists s3://bucket/prefix (ListObjectsV2, every page) and
// measures it at now. A listing sees current versions only; an S3
// Inventory report with all versions (MeasureInventory) counts new
// versions too. Any listing error is returned, with no stats: a
// partial count is never an estimate.
func MeasureBucket(ctx context.Context, client *s3.Client, bucket, prefix string, now time.Time) (BucketStats, error) {
	s := BucketStats{Bucket: bucket, Prefix: prefix, Source: "list", At: now}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	pages := s3.NewListObjectsV2Paginator(client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return BucketStats{}, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			s.add(aws.ToInt64(o.Size), aws.ToTime(o.LastModified))
		}
	}
	s.project()
	return s, nil
}
