package source_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

// isolateAWSConfig keeps the developer's AWS environment out of a test.
func isolateAWSConfig(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// TestS3 runs the S3 lister end to end against a real S3 server.
func TestS3(t *testing.T) {
	isolateAWSConfig(t)
	srv := versitygw.Start(t, versitygw.Options{})
	ctx := context.Background()
	const bucket = "trail-bucket"
	srv.CreateBucket(t, bucket)
	for key, content := range awsTree {
		data := []byte(content)
		if strings.HasSuffix(key, ".gz") {
			data = gzipped(t, content)
		}
		srv.Put(t, bucket, key, data)
	}
	opts := source.S3Options{Endpoint: srv.Endpoint, Region: srv.Region, PathStyle: true, AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey}

	l, err := source.NewS3(ctx, "s3://"+bucket+"/", opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Name(); got != "s3://trail-bucket/" {
		t.Errorf("Name() = %q, want s3://trail-bucket/", got)
	}
	objs, err := l.List(ctx, "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if diff := cmp.Diff(wantKeys, keys(objs)); diff != "" {
		t.Fatalf("List keys mismatch (-want +got):\n%s", diff)
	}
	for _, o := range objs {
		if o.URL != "s3://trail-bucket/"+o.Key || o.Size <= 0 || o.ModTime.IsZero() || o.Version == "" || strings.Contains(o.Version, `"`) {
			t.Errorf("object %+v: want URL s3://trail-bucket/KEY, a size, a time and an unquoted ETag", o)
		}
	}
	if diff := cmp.Diff(wantEvents, readAll(t, l, objs)); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}

	t.Run("StartAfter", func(t *testing.T) {
		for _, tt := range []struct {
			after string
			want  []string
		}{
			{wantKeys[1], wantKeys[2:]},
			{wantKeys[1][:len(wantKeys[1])-8], wantKeys[1:]}, // a key between two files
			{wantKeys[3], nil},
			{"AWSLogs/0", wantKeys},
		} {
			objs, err := l.List(ctx, tt.after)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, keys(objs)); diff != "" {
				t.Errorf("List(after %q) mismatch (-want +got):\n%s", tt.after, diff)
			}
		}
	})

	t.Run("prefix", func(t *testing.T) {
		l, err := source.Open(ctx, "s3://"+bucket+"/AWSLogs/o-abc123def4/", opts)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := l.List(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantKeys[3:], keys(objs)); diff != "" {
			t.Errorf("List(prefix) mismatch (-want +got):\n%s", diff)
		}
		// A single object as the prefix.
		l, _ = source.Open(ctx, "s3://"+bucket+"/"+wantKeys[0], opts)
		objs, err = l.List(ctx, "")
		if err != nil || !cmp.Equal(keys(objs), wantKeys[:1]) {
			t.Errorf("List(one object) = %v, %v; want %v", keys(objs), err, wantKeys[:1])
		}
	})

	t.Run("credentials from the environment and from a profile", func(t *testing.T) {
		anon := source.S3Options{Endpoint: srv.Endpoint, Region: srv.Region, PathStyle: true}
		t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
		t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
		l, err := source.NewS3(ctx, "s3://"+bucket, anon)
		if err != nil {
			t.Fatal(err)
		}
		if objs, err := l.List(ctx, ""); err != nil || len(objs) != len(wantKeys) {
			t.Errorf("List with env credentials = %d objects, %v; want %d", len(objs), err, len(wantKeys))
		}
		os.Unsetenv("AWS_ACCESS_KEY_ID")
		os.Unsetenv("AWS_SECRET_ACCESS_KEY")
		creds := fmt.Sprintf("[vigil]\naws_access_key_id = %s\naws_secret_access_key = %s\n", srv.AccessKey, srv.SecretKey)
		if err := os.WriteFile(os.Getenv("AWS_SHARED_CREDENTIALS_FILE"), []byte(creds), 0o600); err != nil {
			t.Fatal(err)
		}
		anon.Profile = "vigil"
		l, err = source.NewS3(ctx, "s3://"+bucket, anon)
		if err != nil {
			t.Fatal(err)
		}
		if objs, err := l.List(ctx, ""); err != nil || len(objs) != len(wantKeys) {
			t.Errorf("List with profile credentials = %d objects, %v; want %d", len(objs), err, len(wantKeys))
		}
	})

	t.Run("errors", func(t *testing.T) {
		// A missing bucket.
		missing, err := source.NewS3(ctx, "s3://no-such-bucket/AWSLogs/", opts)
		if err != nil {
			t.Fatal(err)
		}
		_, err = missing.List(ctx, "")
		t.Logf("missing bucket: %v", err)
		if err == nil || !strings.Contains(err.Error(), "s3://no-such-bucket/AWSLogs/") || !strings.Contains(err.Error(), "bucket does not exist") {
			t.Errorf("List(missing bucket) error = %v, want one naming the bucket and saying it does not exist", err)
		}
		// Wrong credentials.
		bad := opts
		bad.SecretAccessKey = "wrong"
		wrong, _ := source.NewS3(ctx, "s3://"+bucket, bad)
		_, err = wrong.List(ctx, "")
		t.Logf("wrong secret: %v", err)
		if err == nil || !strings.Contains(err.Error(), "access denied") {
			t.Errorf("List(wrong secret) error = %v, want access denied", err)
		}
		// An object that vanished after the listing.
		gone := source.Object{URL: "s3://" + bucket + "/AWSLogs/gone.json.gz", Key: "AWSLogs/gone.json.gz"}
		var r source.Reader
		_, err = r.ReadObject(ctx, l, gone, func(*event.Event) {}, nil)
		t.Logf("vanished object: %v", err)
		if err == nil || !strings.Contains(err.Error(), gone.URL) || !strings.Contains(err.Error(), "object does not exist") {
			t.Errorf("ReadObject(vanished) error = %v, want one naming %s and saying it does not exist", err, gone.URL)
		}
		// A damaged gzip object.
		key := "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/03/111122223333_CloudTrail_us-east-1_20240503T0000Z_bad.json.gz"
		full := gzipped(t, delivery("D1", "D2", "D3"))
		srv.Put(t, bucket, key, full[:len(full)-20])
		var names []string
		_, err = r.ReadObject(ctx, l, source.Object{URL: "s3://" + bucket + "/" + key, Key: key}, func(e *event.Event) { names = append(names, e.API.Name) }, nil)
		t.Logf("cut gzip object: %v", err)
		if err == nil || !strings.Contains(err.Error(), "s3://"+bucket+"/"+key) || len(names) == 0 {
			t.Errorf("ReadObject(cut gzip) = %v, %v; want the first events and an error naming the object", names, err)
		}
	})

	t.Run("more than one page", func(t *testing.T) {
		if testing.Short() {
			t.Skip("uploads 1,050 objects")
		}
		client := srv.Client()
		const n = 1050
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		var want []string
		for i := range n {
			key := fmt.Sprintf("many/%04d.json", i)
			want = append(want, key)
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("{}")})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		l, _ := source.NewS3(ctx, "s3://"+bucket+"/many/", opts)
		objs, err := l.List(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, keys(objs)); diff != "" {
			t.Errorf("List(1050 objects) mismatch (-want +got):\n%s", diff)
		}
		objs, err = l.List(ctx, want[10])
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want[11:], keys(objs)); diff != "" {
			t.Errorf("List(1050 objects, after %s) mismatch (-want +got):\n%s", want[10], diff)
		}
	})
}
