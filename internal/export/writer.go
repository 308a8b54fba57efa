package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
)

// Writer writes batches of findings as objects in GuardDuty's export
// layout (see the package doc), to a folder or an S3 bucket. It is a
// notify.Destination; it is safe for concurrent use.
type Writer struct {
	name   string
	format Format
	prefix string
	sink   sink
}

var _ notify.Destination = (*Writer)(nil)

// sink stores whole objects: put replaces any object of the same key.
type sink interface {
	put(ctx context.Context, key string, body []byte) error
	location(prefix string) string
}

// Option adjusts a Writer.
type Option func(*options)

type options struct {
	name     string
	format   Format
	kmsKeyID string
}

// WithName sets the writer's name (its destination name in vigil.yaml);
// the default is its location.
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithFormat sets the rendering; the default is FormatGuardDuty.
func WithFormat(f Format) Option { return func(o *options) { o.format = f } }

// WithKMSKey makes an S3 writer ask for SSE-KMS encryption with the key
// (id, alias or ARN), as GuardDuty's export requires; folder writers
// ignore it.
func WithKMSKey(keyID string) Option { return func(o *options) { o.kmsKeyID = keyID } }

func parseOptions(opts []Option) options {
	o := options{format: FormatGuardDuty}
	for _, opt := range opts {
		opt(&o)
	}
	if o.format == "" {
		o.format = FormatGuardDuty
	}
	return o
}

func newWriter(s sink, prefix string, o options) *Writer {
	w := &Writer{name: o.name, format: o.format, prefix: strings.Trim(prefix, "/"), sink: s}
	if w.name == "" {
		w.name = s.location(w.prefix)
	}
	return w
}

// NewFolderWriter returns a writer of objects under dir, which is created
// when missing.
func NewFolderWriter(dir string, opts ...Option) *Writer {
	return newWriter(folderSink{dir: dir}, "", parseOptions(opts))
}

// NewS3Writer returns a writer of objects in bucket under prefix.
func NewS3Writer(client *s3.Client, bucket, prefix string, opts ...Option) *Writer {
	o := parseOptions(opts)
	return newWriter(&s3Sink{client: client, bucket: bucket, kmsKeyID: o.kmsKeyID}, prefix, o)
}

// Name returns the writer's name.
func (w *Writer) Name() string { return w.name }

// Format returns the writer's rendering.
func (w *Writer) Format() Format { return w.format }

// Write writes a batch: one object per account, region and day, named
// from batchID (an idempotency key; "" names objects by the findings' ids
// and counts). Writing the same batch again replaces the same objects. It
// returns the keys written, in order, and stops at the first error.
func (w *Writer) Write(ctx context.Context, batchID string, fs []finding.Finding) ([]string, error) {
	var keys []string
	for _, g := range groupBatch(fs) {
		body, err := encode(w.format, g.findings)
		if err != nil {
			return keys, renderError{err}
		}
		key := objectKey(w.prefix, g, objectName(batchID, g), w.format.suffix())
		if err := w.sink.put(ctx, key, body); err != nil {
			return keys, fmt.Errorf("export %s: %w", w.name, err)
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// Send writes the message's findings as one batch named by its ID. A
// finding that cannot be rendered and an S3 answer that retrying cannot
// change (4xx other than 408 and 429) are permanent errors.
func (w *Writer) Send(ctx context.Context, m notify.Message) error {
	if len(m.Findings) == 0 {
		return nil
	}
	_, err := w.Write(ctx, m.ID, m.Findings)
	var re renderError
	if errors.As(err, &re) || permanentStatus(err) {
		return notify.Permanent(err)
	}
	return err
}

// renderError is a finding that could not be rendered.
type renderError struct{ err error }

func (e renderError) Error() string { return e.err.Error() }
func (e renderError) Unwrap() error { return e.err }

// permanentStatus reports whether err is an HTTP answer that retrying
// cannot change.
func permanentStatus(err error) bool {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	code := re.HTTPStatusCode()
	return code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests
}

// folderSink writes objects as files under dir.
type folderSink struct{ dir string }

func (s folderSink) location(string) string { return s.dir }

// put writes the file through a temporary file and a rename, so readers
// never see half an object and a retry replaces it whole.
func (s folderSink) put(ctx context.Context, key string, body []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	path := filepath.Join(s.dir, filepath.FromSlash(key))
	if rel, err := filepath.Rel(s.dir, path); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("key %q leaves %s", key, s.dir)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	_, err = tmp.Write(body)
	if err == nil {
		err = tmp.Chmod(0o640)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

// putObjectAPI is the part of the S3 client the writer uses.
type putObjectAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// s3Sink writes objects to a bucket.
type s3Sink struct {
	client   putObjectAPI
	bucket   string
	kmsKeyID string
}

func (s *s3Sink) location(prefix string) string {
	if prefix == "" {
		return "s3://" + s.bucket
	}
	return "s3://" + s.bucket + "/" + prefix
}

func (s *s3Sink) put(ctx context.Context, key string, body []byte) error {
	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String("application/gzip"),
	}
	if s.kmsKeyID != "" {
		in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = aws.String(s.kmsKeyID)
	}
	if _, err := s.client.PutObject(ctx, in); err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", s.bucket, key, err)
	}
	return nil
}
