package protect_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/vigil-sec/vigil/internal/protect"
)

// fakeS3 is an in-memory protect.S3API whose operations can be made to
// fail with an HTTP status, for what a real server will not easily do.
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string]*fakeObject // "bucket/key"
	fail    map[string]int         // operation name -> HTTP status
}

type fakeObject struct {
	body []byte
	tags []types.Tag
}

var _ protect.S3API = (*fakeS3)(nil)

func newFakeS3() *fakeS3 { return &fakeS3{objects: map[string]*fakeObject{}, fail: map[string]int{}} }

func (f *fakeS3) put(bucket, key string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[bucket+"/"+key] = &fakeObject{body: body}
}

func (f *fakeS3) failWith(op string, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[op] = status
}

// statusError is the error the SDK returns for an HTTP error status.
func statusError(status int) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      fmt.Errorf("api error: HTTP %d", status),
	}}
}

// get returns the object, or the error op is set to fail with.
func (f *fakeS3) get(op string, bucket, key *string) (*fakeObject, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.fail[op]; s != 0 {
		return nil, statusError(s)
	}
	o := f.objects[aws.ToString(bucket)+"/"+aws.ToString(key)]
	if o == nil {
		return nil, statusError(404)
	}
	return o, nil
}

func etag(b []byte) *string {
	sum := md5.Sum(b)
	return aws.String(`"` + hex.EncodeToString(sum[:]) + `"`)
}

func (f *fakeS3) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	o, err := f.get("HeadObject", in.Bucket, in.Key)
	if err != nil {
		return nil, err
	}
	return &s3.HeadObjectOutput{ETag: etag(o.body), ContentLength: aws.Int64(int64(len(o.body)))}, nil
}

func (f *fakeS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	o, err := f.get("GetObject", in.Bucket, in.Key)
	if err != nil {
		return nil, err
	}
	return &s3.GetObjectOutput{ETag: etag(o.body), ContentLength: aws.Int64(int64(len(o.body))), Body: io.NopCloser(bytes.NewReader(o.body))}, nil
}

func (f *fakeS3) GetObjectTagging(_ context.Context, in *s3.GetObjectTaggingInput, _ ...func(*s3.Options)) (*s3.GetObjectTaggingOutput, error) {
	o, err := f.get("GetObjectTagging", in.Bucket, in.Key)
	if err != nil {
		return nil, err
	}
	return &s3.GetObjectTaggingOutput{TagSet: append([]types.Tag(nil), o.tags...)}, nil
}

func (f *fakeS3) PutObjectTagging(_ context.Context, in *s3.PutObjectTaggingInput, _ ...func(*s3.Options)) (*s3.PutObjectTaggingOutput, error) {
	o, err := f.get("PutObjectTagging", in.Bucket, in.Key)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	o.tags = in.Tagging.TagSet
	f.mu.Unlock()
	return &s3.PutObjectTaggingOutput{}, nil
}

func (f *fakeS3) CopyObject(context.Context, *s3.CopyObjectInput, ...func(*s3.Options)) (*s3.CopyObjectOutput, error) {
	return nil, statusError(501)
}

func (f *fakeS3) DeleteObject(_ context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	if _, err := f.get("DeleteObject", in.Bucket, in.Key); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.objects, aws.ToString(in.Bucket)+"/"+aws.ToString(in.Key))
	return &s3.DeleteObjectOutput{}, nil
}

func (f *fakeS3) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &s3.ListObjectsV2Output{}
	for k, o := range f.objects {
		if b, key, _ := cut(k); b == aws.ToString(in.Bucket) && hasPrefix(key, aws.ToString(in.Prefix)) {
			out.Contents = append(out.Contents, types.Object{Key: aws.String(key), ETag: etag(o.body), Size: aws.Int64(int64(len(o.body)))})
		}
	}
	sort.Slice(out.Contents, func(i, j int) bool { return *out.Contents[i].Key < *out.Contents[j].Key })
	return out, nil
}

func cut(s string) (string, string, bool) {
	for i := range s {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

var errNoMultipart = errors.New("fake S3: multipart copy not supported")

func (f *fakeS3) CreateMultipartUpload(context.Context, *s3.CreateMultipartUploadInput, ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	return nil, errNoMultipart
}

func (f *fakeS3) UploadPartCopy(context.Context, *s3.UploadPartCopyInput, ...func(*s3.Options)) (*s3.UploadPartCopyOutput, error) {
	return nil, errNoMultipart
}

func (f *fakeS3) CompleteMultipartUpload(context.Context, *s3.CompleteMultipartUploadInput, ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	return nil, errNoMultipart
}

func (f *fakeS3) AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	return nil, errNoMultipart
}
