package s3

import (
	"bytes"

	json "github.com/goccy/go-json"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// TypeServerAccessLoggingDisabled is the finding type of the logging detector.
const TypeServerAccessLoggingDisabled = "Stealth:S3/ServerAccessLoggingDisabled"

func init() {
	detect.Register(&detect.Detector{
		Name:  "s3.server_access_logging_disabled",
		Kinds: apiCalls,
		Types: []detect.Definition{{
			Type: TypeServerAccessLoggingDisabled, Severity: finding.SeverityLow, Tactic: "Defense Evasion", DataSource: dataSource,
			Logic:       "Successful PutBucketLogging whose BucketLoggingStatus has no LoggingEnabled element.",
			Key:         bucketKey,
			Title:       "Amazon S3 server access logging was disabled for an S3 bucket.",
			Description: "S3 server access logging was disabled for a bucket, which removes the record of requests made to it." + suffix,
		}},
		Sample: func(string) finding.Finding {
			return detectLogging(nil, detect.SampleEvent(s3Source, "PutBucketLogging",
				`{"bucketName":"sample-data-bucket","logging":"","BucketLoggingStatus":{"xmlns":"http://s3.amazonaws.com/doc/2006-03-01/"}}`))[0]
		},
		Detect: detectLogging,
	})
}

func detectLogging(_ *detect.Context, ev *event.Event) []finding.Finding {
	if !succeeded(ev, []string{s3Source}, "PutBucketLogging") {
		return nil
	}
	var p struct {
		BucketName string `json:"bucketName"`
		Status     struct {
			LoggingEnabled json.RawMessage `json:"LoggingEnabled"`
		} `json:"BucketLoggingStatus"`
	}
	if !detect.Params(ev, &p) {
		return nil
	}
	if le := bytes.TrimSpace(p.Status.LoggingEnabled); len(le) > 0 && string(le) != "null" {
		return nil
	}
	f := bucketFinding(TypeServerAccessLoggingDisabled, ev, p.BucketName)
	f.Title = "Amazon S3 server access logging was disabled for S3 bucket " + p.BucketName + "."
	f.Description = "Amazon S3 server access logging was disabled for S3 bucket " + p.BucketName + " " + by(ev) + suffix
	return []finding.Finding{f}
}
