// Package s3 holds the built-in detectors for S3 bucket findings from
// CloudTrail management events: Block Public Access disabled (bucket and
// account), anonymous or authenticated-users access granted by a bucket
// policy or ACL, and server access logging disabled. Each detector
// registers itself in init; import the package (or internal/detect/all)
// for its side effects.
//
// The detectors are stateless, look at one event at a time and never
// perform I/O or mutate the event.
package s3

import (
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

const (
	dataSource = "CloudTrail management events"
	s3Source   = "s3.amazonaws.com"
	resBucket  = "AWS::S3::Bucket"
	bucketKey  = "principal (accessKeyId, else principalId) + API name + bucket (AWS::S3::Bucket)"
)

// apiCalls is the event kind every detector in this package consumes.
var apiCalls = []event.Kind{event.KindAPICall}

// bucketParams is the request parameter naming the bucket of an S3 call.
type bucketParams struct {
	BucketName string `json:"bucketName"`
}

// bucketFinding returns an S3Bucket finding for a call on bucket: the
// caller's accessKeyDetails and the bucket as s3BucketDetails.
func bucketFinding(typ string, ev *event.Event, bucket string) finding.Finding {
	var affected map[string]string
	if bucket != "" {
		affected = map[string]string{resBucket: bucket}
	}
	f := detect.APICallFinding(typ, ev, affected)
	f.Resource.ResourceType = finding.ResourceS3Bucket
	if bucket != "" {
		f.Resource.S3BucketDetails = []finding.S3BucketDetail{{
			Arn:  "arn:" + detect.Partition(ev.Region) + ":s3:::" + bucket,
			Name: bucket,
			Type: "Destination",
		}}
	}
	return f
}

// succeeded reports whether ev is a successful call to one of the named
// APIs of an S3 endpoint.
func succeeded(ev *event.Event, sources []string, apis ...string) bool {
	c := ev.API
	if c == nil || c.Failed() {
		return false
	}
	ok := false
	for _, s := range sources {
		ok = ok || c.EventSource == s
	}
	if !ok {
		return false
	}
	for _, a := range apis {
		if c.Name == a {
			return true
		}
	}
	return false
}

// suffix ends descriptions of S3 configuration changes, as GuardDuty's do.
const suffix = " If this behavior is not expected, it may indicate a configuration mistake or that your credentials are compromised."

// by says who changed a bucket: "by IAM user alice calling X from IP address Y.".
func by(ev *event.Event) string {
	return "by " + detect.Caller(ev.Actor) + " calling " + ev.API.Name + detect.From(ev) + "."
}
