package export

import (
	"context"
	"io"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

// TestS3WriterOnVersitygw sends a message through an S3 export destination
// to a real S3 server twice and reads back what is in the bucket.
func TestS3WriterOnVersitygw(t *testing.T) {
	s := versitygw.Start(t, versitygw.Options{})
	s.CreateBucket(t, "exports")
	w, err := New("guardduty-archive", Config{URL: "s3://exports/vigil/", S3: source.S3Options{
		Endpoint: s.Endpoint, PathStyle: true, Region: s.Region, AccessKeyID: s.AccessKey, SecretAccessKey: s.SecretKey}})
	if err != nil {
		t.Fatal(err)
	}
	fs := batch(t)
	m := notify.Message{ID: "digest-7", Route: "all", Findings: fs, Digest: true}
	ctx := context.Background()
	if err := w.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	first := bucketObjects(t, s, "exports", "vigil/")
	if len(first) != 4 {
		t.Fatalf("%d objects for two accounts, two regions and two days, want 4: %v", len(first), sortedKeys(asStrings(first)))
	}
	ids := checkLayout(t, first, "vigil")
	var got, want []string
	for _, v := range ids {
		got = append(got, v...)
	}
	for _, f := range fs {
		want = append(want, f.ID)
	}
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids in the bucket (-want +got):\n%s", diff)
	}

	// The outbox retries a delivery it is not sure of: the same message
	// overwrites the same keys.
	if err := w.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(asStrings(first), asStrings(bucketObjects(t, s, "exports", "vigil/"))); diff != "" {
		t.Errorf("a retried message changed the bucket (-first +after):\n%s", diff)
	}

	// A missing bucket is a permanent failure.
	w2, _ := New("gone", Config{URL: "s3://no-such-bucket", S3: source.S3Options{
		Endpoint: s.Endpoint, PathStyle: true, Region: s.Region, AccessKeyID: s.AccessKey, SecretAccessKey: s.SecretKey}})
	if err := w2.Send(ctx, m); err == nil || !notify.IsPermanent(err) {
		t.Errorf("Send to a missing bucket = %v, want a permanent error", err)
	}
}

// bucketObjects returns every object under prefix by key.
func bucketObjects(t *testing.T, s *versitygw.Server, bucket, prefix string) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	c := s.Client()
	out := map[string][]byte{}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(obj.Body)
			obj.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			out[*o.Key] = b
		}
	}
	return out
}
