package source_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/vigil-sec/vigil/internal/source"
)

// TestS3OtherRegion checks that a bucket in another region than the
// configured one is found there: AWS answers 301 with the bucket's region
// in x-amz-bucket-region. The server checks the region each request is
// signed for.
func TestS3OtherRegion(t *testing.T) {
	isolateAWSConfig(t)
	scope := regexp.MustCompile(`Credential=[^/]+/\d+/([^/]+)/s3/`)
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := scope.FindStringSubmatch(r.Header.Get("Authorization"))
		region := ""
		if m != nil {
			region = m[1]
		}
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+region)
		mu.Unlock()
		if region != "eu-west-3" {
			w.Header().Set("X-Amz-Bucket-Region", "eu-west-3")
			w.WriteHeader(http.StatusMovedPermanently)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>`)
			return
		}
		switch r.URL.Path {
		case "/logs":
			w.Header().Set("Content-Type", "application/xml")
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>logs</Name><Prefix>AWSLogs/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>`+
				`<Contents><Key>AWSLogs/a.json</Key><LastModified>2024-05-01T12:00:00.000Z</LastModified><ETag>&quot;0123abcd&quot;</ETag><Size>2</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>`)
		case "/logs/AWSLogs/a.json":
			io.WriteString(w, "{}")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	ctx := context.Background()
	l, err := source.NewS3(ctx, "s3://logs/AWSLogs/", source.S3Options{Endpoint: srv.URL, Region: "us-east-1", PathStyle: true, AccessKeyID: "AK", SecretAccessKey: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := l.List(ctx, "")
	if err != nil {
		t.Fatalf("List: %v (requests: %v)", err, seen)
	}
	if len(objs) != 1 || objs[0].Key != "AWSLogs/a.json" || objs[0].Version != "0123abcd" || objs[0].Size != 2 {
		t.Fatalf("List = %+v, want AWSLogs/a.json, version 0123abcd, size 2", objs)
	}
	rc, err := l.Open(ctx, objs[0])
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	body, _ := io.ReadAll(rc)
	rc.Close()
	if string(body) != "{}" {
		t.Errorf("Open = %q, want {}", body)
	}
	want := "GET /logs us-east-1|GET /logs eu-west-3|GET /logs/AWSLogs/a.json eu-west-3"
	if got := strings.Join(seen, "|"); got != want {
		t.Errorf("requests = %s, want %s", got, want)
	}
}

func TestNewS3Errors(t *testing.T) {
	isolateAWSConfig(t)
	for _, tt := range []struct {
		url  string
		opts source.S3Options
	}{
		{"s3://b/x", source.S3Options{AccessKeyID: "AK"}},
		{"s3://b/x", source.S3Options{SecretAccessKey: "SK"}},
		{"s3://b/x", source.S3Options{Profile: "no-such-profile"}},
		{"/var/log", source.S3Options{}},
		{"s3://", source.S3Options{}},
	} {
		if _, err := source.NewS3(context.Background(), tt.url, tt.opts); err == nil {
			t.Errorf("NewS3(%q, %+v) = nil error, want one", tt.url, tt.opts)
		}
	}
}
