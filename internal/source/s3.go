package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3Options configures access to an S3 bucket. The zero value uses AWS
// and the SDK's default credential chain (environment, shared config and
// credentials files, SSO, container and instance roles).
type S3Options struct {
	// Endpoint is the URL of an S3-compatible server, such as
	// "http://127.0.0.1:7070"; empty means AWS.
	Endpoint string
	// Region of the bucket. Empty takes the SDK's (AWS_REGION, the
	// profile's), else us-east-1. A bucket the server says is in another
	// region (AWS's 301 with x-amz-bucket-region) is read from there.
	Region string
	// PathStyle addresses buckets as endpoint/bucket rather than
	// bucket.endpoint; most S3-compatible servers need it.
	PathStyle bool
	// AccessKeyID and SecretAccessKey (and SessionToken, for temporary
	// credentials) replace the default chain when set.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Profile selects a profile of the shared config files.
	Profile string
}

// NewS3 returns a Lister for the objects under s3://bucket/prefix. The
// prefix is a plain key prefix, as in "aws s3 ls": s3://b/AWSLogs/1 also
// matches AWSLogs/1234...; end it with '/' for a folder. NewS3 loads the
// configuration and credentials but makes no request.
func NewS3(ctx context.Context, url string, opts S3Options) (Lister, error) {
	bucket, prefix, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	cfg, err := AWSConfig(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("s3://%s: %w", bucket, err)
	}
	s := &s3Lister{bucket: bucket, prefix: prefix, cfg: cfg, opts: opts}
	s.client = s.newClient(cfg.Region)
	return s, nil
}

type s3Lister struct {
	bucket, prefix string
	cfg            aws.Config
	opts           S3Options

	mu     sync.Mutex
	client *s3.Client
	region string
}

var _ Lister = (*s3Lister)(nil)

func (s *s3Lister) newClient(region string) *s3.Client {
	s.region = region
	return S3Client(s.cfg, s.opts, region)
}

// AWSConfig loads the AWS SDK configuration for opts: its region, profile
// and static credentials when given, else the SDK's default chain
// (environment, shared files); the region defaults to us-east-1. It makes
// no request.
func AWSConfig(ctx context.Context, opts S3Options) (aws.Config, error) {
	var load []func(*config.LoadOptions) error
	if opts.Region != "" {
		load = append(load, config.WithRegion(opts.Region))
	}
	if opts.Profile != "" {
		load = append(load, config.WithSharedConfigProfile(opts.Profile))
	}
	if (opts.AccessKeyID == "") != (opts.SecretAccessKey == "") {
		return aws.Config{}, errors.New("set both the access key id and the secret access key, or neither")
	}
	if opts.AccessKeyID != "" {
		load = append(load, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			opts.AccessKeyID, opts.SecretAccessKey, opts.SessionToken)))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}

// S3Client returns an S3 client for cfg with opts' endpoint and
// addressing style, in region (cfg's region when empty). Response
// checksums are validated only when required, so S3-compatible servers
// that send none work without warnings.
func S3Client(cfg aws.Config, opts S3Options, region string) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if region != "" {
			o.Region = region
		}
		o.UsePathStyle = opts.PathStyle
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}

func (s *s3Lister) s3Client() *s3.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

// moved switches to the bucket's region when err says the bucket is in
// another one (AWS answers 301 with x-amz-bucket-region), and reports
// whether it did, so the call can be retried.
func (s *s3Lister) moved(err error) bool {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil {
		return false
	}
	region := re.Response.Header.Get("X-Amz-Bucket-Region")
	s.mu.Lock()
	defer s.mu.Unlock()
	if region == "" || region == s.region {
		return false
	}
	s.client = s.newClient(region)
	return true
}

func (s *s3Lister) Name() string { return "s3://" + s.bucket + "/" + s.prefix }

// List returns the objects under the prefix in key order, with after set
// only those whose key is greater (ListObjectsV2 StartAfter). Folder
// markers, hidden keys (a segment after the prefix starting with '.') and
// CloudTrail-Digest objects are skipped. Key is the object key, Version
// its ETag.
func (s *s3Lister) List(ctx context.Context, after string) ([]Object, error) {
	objs, err := s.list(ctx, after)
	if err != nil && s.moved(err) {
		objs, err = s.list(ctx, after)
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", s.Name(), describe(err))
	}
	slices.SortFunc(objs, func(a, b Object) int { return cmp.Compare(a.Key, b.Key) })
	return objs, nil
}

func (s *s3Lister) list(ctx context.Context, after string) ([]Object, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket)}
	if s.prefix != "" {
		in.Prefix = aws.String(s.prefix)
	}
	if after != "" {
		in.StartAfter = aws.String(after)
	}
	var objs []Object
	pages := s3.NewListObjectsV2Paginator(s.s3Client(), in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if after != "" && key <= after { // a server that ignores StartAfter
				continue
			}
			if skipKey(strings.TrimPrefix(key, s.prefix)) {
				continue
			}
			objs = append(objs, Object{
				URL:     "s3://" + s.bucket + "/" + key,
				Key:     key,
				Size:    aws.ToInt64(o.Size),
				ModTime: aws.ToTime(o.LastModified).UTC(),
				Version: strings.Trim(aws.ToString(o.ETag), `"`),
			})
		}
	}
	return objs, nil
}

// Open returns the content of the object o.Key.
func (s *s3Lister) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(o.Key)}
	out, err := s.s3Client().GetObject(ctx, in)
	if err != nil && s.moved(err) {
		out, err = s.s3Client().GetObject(ctx, in)
	}
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", s.bucket, o.Key, describe(err))
	}
	return out.Body, nil
}

// describe puts the common S3 failures in plain words before the SDK's
// error, which it wraps.
func describe(err error) error {
	var (
		noBucket *types.NoSuchBucket
		noKey    *types.NoSuchKey
		re       *awshttp.ResponseError
	)
	switch {
	case errors.As(err, &noBucket):
		return fmt.Errorf("bucket does not exist: %w", err)
	case errors.As(err, &noKey):
		return fmt.Errorf("object does not exist: %w", err)
	case errors.As(err, &re) && re.HTTPStatusCode() == 403:
		return fmt.Errorf("access denied (check the credentials and the bucket policy): %w", err)
	case errors.As(err, &re) && re.HTTPStatusCode() == 404:
		return fmt.Errorf("not found: %w", err)
	}
	return err
}

// ErrBadURL is returned for a location that is not a valid s3:// URL.
var ErrBadURL = errors.New("invalid S3 URL")

// ParseURL splits "s3://bucket/prefix" into the bucket and the key prefix
// (which may be empty).
func ParseURL(url string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(url, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%w %q: want s3://bucket/prefix", ErrBadURL, url)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" || strings.ContainsAny(bucket, " \t\r\n?#") {
		return "", "", fmt.Errorf("%w %q: bad bucket name %q", ErrBadURL, url, bucket)
	}
	return bucket, prefix, nil
}

// IsS3URL reports whether a location names an S3 bucket.
func IsS3URL(location string) bool { return strings.HasPrefix(location, "s3://") }

// Open returns the Lister of a location: an s3:// URL, or a local file
// or folder, which must exist (a file:// URL is a local path too).
func Open(ctx context.Context, location string, opts S3Options) (Lister, error) {
	if IsS3URL(location) {
		return NewS3(ctx, location, opts)
	}
	path := strings.TrimPrefix(location, "file://")
	if scheme, _, ok := strings.Cut(path, "://"); ok && !strings.ContainsAny(scheme, `/\`) {
		return nil, fmt.Errorf("open %s: unsupported scheme %q (want a path or s3://)", location, scheme)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", location, err)
	}
	return NewFolder(path), nil
}
