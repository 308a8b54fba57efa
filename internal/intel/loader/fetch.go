package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/vigil-sec/vigil/internal/source"
)

// MaxListBytes bounds the size of one list, feed or ranges document.
const MaxListBytes = 512 << 20

// errUnchanged means a location's content has not changed since the
// version the fetcher was given.
var errUnchanged = errors.New("unchanged")

// version identifies what was fetched, so the next fetch can ask only for
// a change: a file's modification time and size, an HTTP ETag or
// Last-Modified, an S3 ETag.
type version struct {
	ETag         string
	LastModified string
	ModTime      time.Time
	Size         int64
}

// fetcher reads a location: a local file, an http(s):// URL or an s3://
// object.
type fetcher struct {
	http *http.Client
	s3   source.S3Options

	once   sync.Once
	client *s3.Client
	s3err  error
}

// isLocal reports whether location is a local file.
func isLocal(location string) bool {
	return !source.IsS3URL(location) && !strings.HasPrefix(location, "https://") && !strings.HasPrefix(location, "http://")
}

// fetch returns the content of location unless it still has version old,
// in which case it returns errUnchanged.
func (f *fetcher) fetch(ctx context.Context, location string, old version) ([]byte, version, error) {
	switch {
	case source.IsS3URL(location):
		return f.fetchS3(ctx, location, old)
	case strings.HasPrefix(location, "https://"), strings.HasPrefix(location, "http://"):
		return f.fetchHTTP(ctx, location, old)
	}
	return fetchFile(strings.TrimPrefix(location, "file://"), old)
}

func fetchFile(path string, old version) ([]byte, version, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, old, err
	}
	v := version{ModTime: fi.ModTime(), Size: fi.Size()}
	if v == old {
		return nil, old, errUnchanged
	}
	if fi.Size() > MaxListBytes {
		return nil, old, fmt.Errorf("%s: %d bytes, more than the %d-byte limit", path, fi.Size(), MaxListBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, old, err
	}
	return b, v, nil
}

func (f *fetcher) fetchHTTP(ctx context.Context, url string, old version) ([]byte, version, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, old, err
	}
	if old.ETag != "" {
		req.Header.Set("If-None-Match", old.ETag)
	}
	if old.LastModified != "" {
		req.Header.Set("If-Modified-Since", old.LastModified)
	}
	resp, err := f.http.Do(req)
	if err != nil {
		return nil, old, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return nil, old, errUnchanged
	case resp.StatusCode != http.StatusOK:
		return nil, old, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	b, err := readBounded(resp.Body)
	if err != nil {
		return nil, old, fmt.Errorf("GET %s: %w", url, err)
	}
	return b, version{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}, nil
}

func (f *fetcher) fetchS3(ctx context.Context, url string, old version) ([]byte, version, error) {
	bucket, key, err := source.ParseURL(url)
	if err != nil {
		return nil, old, err
	}
	if key == "" {
		return nil, old, fmt.Errorf("%s: no object key", url)
	}
	f.once.Do(func() {
		cfg, err := source.AWSConfig(ctx, f.s3)
		if err != nil {
			f.s3err = err
			return
		}
		f.client = source.S3Client(cfg, f.s3, "")
	})
	if f.s3err != nil {
		return nil, old, f.s3err
	}
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if old.ETag != "" {
		in.IfNoneMatch = aws.String(old.ETag)
	}
	out, err := f.client.GetObject(ctx, in)
	if err != nil {
		var re *awshttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotModified {
			return nil, old, errUnchanged
		}
		return nil, old, fmt.Errorf("get %s: %w", url, err)
	}
	defer out.Body.Close()
	etag := aws.ToString(out.ETag)
	if old.ETag != "" && etag == old.ETag { // a server that ignores If-None-Match
		return nil, old, errUnchanged
	}
	b, err := readBounded(out.Body)
	if err != nil {
		return nil, old, fmt.Errorf("get %s: %w", url, err)
	}
	return b, version{ETag: etag}, nil
}

func readBounded(r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, MaxListBytes+1))
	if err != nil {
		return nil, err
	}
	if n > MaxListBytes {
		return nil, fmt.Errorf("more than the %d-byte limit", MaxListBytes)
	}
	return buf.Bytes(), nil
}
