package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

// TestMalwareProtectionNewVersions uploads a clean version and then an
// infected version of one key to a versioned bucket: each version is
// scanned on its own, and the first keeps its NO_THREATS_FOUND tag.
func TestMalwareProtectionNewVersions(t *testing.T) {
	ctx := context.Background()
	ps := startProtected(t, "versioned", versitygw.Options{Versioning: true}, func(s *versitygw.Server) {
		if _, err := s.Client().PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("versioned"),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatalf("enable versioning: %v", err)
		}
	})
	c := ps.s3.Client()

	put := func(body []byte) string {
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("versioned"), Key: aws.String("doc.bin"), Body: bytes.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.VersionId)
	}
	tagOf := func(version string) string {
		in := &s3.GetObjectTaggingInput{Bucket: aws.String("versioned"), Key: aws.String("doc.bin")}
		if version != "" {
			in.VersionId = aws.String(version)
		}
		out, err := c.GetObjectTagging(ctx, in)
		if err != nil {
			return "error: " + err.Error()
		}
		for _, tg := range out.TagSet {
			if aws.ToString(tg.Key) == "GuardDutyMalwareScanStatus" {
				return aws.ToString(tg.Value)
			}
		}
		return ""
	}
	waitFor := func(version, want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for tagOf(version) != want {
			if time.Now().After(deadline) {
				t.Fatalf("version %q: tag %q, want %q", version, tagOf(version), want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	v1 := put([]byte("first version, clean\n"))
	waitFor(v1, "NO_THREATS_FOUND")
	v2 := put(eicar())
	if v1 == "" || v2 == "" || v1 == v2 {
		t.Fatalf("versions %q, %q: the server did not version the object", v1, v2)
	}
	waitFor(v2, "THREATS_FOUND")
	if got := tagOf(v1); got != "NO_THREATS_FOUND" {
		t.Errorf("first version's tag = %q after the second was scanned, want NO_THREATS_FOUND", got)
	}
}
