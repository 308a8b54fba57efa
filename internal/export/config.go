package export

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/vigil-sec/vigil/internal/source"
)

// Config describes an export destination.
type Config struct {
	// URL is where objects go: "s3://bucket/prefix", "file:///dir", or a
	// plain folder path.
	URL string
	// Format is the rendering; "" is guardduty.
	Format Format
	// KMSKeyID asks S3 for SSE-KMS encryption with this key (id, alias or
	// ARN); empty leaves the bucket's default encryption.
	KMSKeyID string
	// S3 is how to reach the bucket (endpoint, region, path style,
	// credentials); the zero value is AWS with the SDK's default chain.
	S3 source.S3Options
}

// ErrBadURL is an export URL that names no folder or bucket.
var ErrBadURL = errors.New("bad export URL")

// Validate checks the URL and the format.
func (c Config) Validate() error {
	if _, err := ParseFormat(string(c.Format)); err != nil {
		return err
	}
	_, _, _, err := c.target()
	return err
}

// target returns the bucket and prefix of an s3:// URL, or the folder.
func (c Config) target() (bucket, prefix, dir string, err error) {
	switch {
	case strings.TrimSpace(c.URL) == "":
		return "", "", "", fmt.Errorf("%w: empty", ErrBadURL)
	case source.IsS3URL(c.URL):
		bucket, prefix, err = source.ParseURL(c.URL)
		if err != nil {
			return "", "", "", fmt.Errorf("%w: %v", ErrBadURL, err)
		}
		return bucket, prefix, "", nil
	case strings.HasPrefix(c.URL, "file://"):
		u, err := url.Parse(c.URL)
		if err != nil || u.Path == "" || (u.Host != "" && u.Host != "localhost") {
			return "", "", "", fmt.Errorf("%w %q: want file:///absolute/dir", ErrBadURL, c.URL)
		}
		return "", "", u.Path, nil
	case strings.Contains(c.URL, "://"):
		return "", "", "", fmt.Errorf("%w %q: want s3://bucket/prefix, file:///dir or a path", ErrBadURL, c.URL)
	}
	return "", "", c.URL, nil
}

// New returns the writer a Config describes, named name (the destination's
// name in vigil.yaml). For S3 it loads the AWS configuration and
// credentials but makes no request.
func New(name string, cfg Config) (*Writer, error) {
	format, err := ParseFormat(string(cfg.Format))
	if err != nil {
		return nil, err
	}
	bucket, prefix, dir, err := cfg.target()
	if err != nil {
		return nil, err
	}
	opts := []Option{WithName(name), WithFormat(format), WithKMSKey(cfg.KMSKeyID)}
	if dir != "" {
		return NewFolderWriter(dir, opts...), nil
	}
	awsCfg, err := source.AWSConfig(context.Background(), cfg.S3)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", name, err)
	}
	return NewS3Writer(source.S3Client(awsCfg, cfg.S3, ""), bucket, prefix, opts...), nil
}
