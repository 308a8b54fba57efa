package cloudtrail_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/source/cloudtrail"
)

const benchFile = "AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/123456789012_CloudTrail_us-east-1_20240501T1200Z_abcdEFGH1234.json.gz"

// BenchmarkParse measures a gzip delivery file of 1,000 records of about
// 1.2 KB each end to end through source.Reader (gunzip, detect, parse,
// normalize), and the parser alone on the decompressed file.
func BenchmarkParse(b *testing.B) {
	data := genDelivery(1000)
	zipped := gz(b, data)
	b.Logf("file: %d records, %d bytes (%d B/record), %d bytes gzip", 1000, len(data), len(data)/1000, len(zipped))
	var n int
	emit := func(*event.Event) { n++ }
	onErr := func(e *source.RecordError) { b.Fatal(e) }

	b.Run("reader", func(b *testing.B) {
		var r source.Reader
		b.SetBytes(int64(len(data)))
		n = 0
		for b.Loop() {
			if _, err := r.Read(bytes.NewReader(zipped), benchFile, emit, onErr); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		n = 0
		for b.Loop() {
			if _, err := cloudtrail.Parse(data, benchFile, emit, onErr); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	})
}

// stdRecord is the CloudTrail record as a typical Go tool decodes it with
// encoding/json v1: concrete structs for the fields detection needs, raw
// messages for the free-form parts.
type stdRecord struct {
	EventVersion string `json:"eventVersion"`
	UserIdentity struct {
		Type, PrincipalID, Arn, AccountID, AccessKeyID, UserName, InvokedBy string
		SessionContext                                                      struct {
			SessionIssuer struct{ Type, PrincipalID, Arn, AccountID, UserName string }
			Attributes    struct{ CreationDate, MfaAuthenticated string }
		}
	} `json:"userIdentity"`
	EventTime, EventSource, EventName, AwsRegion, SourceIPAddress, UserAgent string
	ErrorCode, ErrorMessage                                                  string
	RequestParameters, ResponseElements                                      json.RawMessage
	EventID, EventType, RecipientAccountID                                   string
	ReadOnly, ManagementEvent                                                bool
	Resources                                                                []struct{ ARN, Type, AccountID string }
}

// BenchmarkPeerEncodingJSON decodes the same file with encoding/json v1,
// the peer the issue names: the same run shows both figures.
func BenchmarkPeerEncodingJSON(b *testing.B) {
	data := genDelivery(1000)
	b.SetBytes(int64(len(data)))
	var n int
	for b.Loop() {
		var f struct{ Records []stdRecord }
		if err := json.Unmarshal(data, &f); err != nil {
			b.Fatal(err)
		}
		n += len(f.Records)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
