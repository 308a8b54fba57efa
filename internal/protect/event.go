// Package protect is Malware Protection for S3 (and for volumes and
// folders): protection plans per bucket, object events in (S3 event
// notifications by webhook, SQS or NATS, or polling), scan with the
// internal/malware Scanner, then tag the object, apply the post-scan
// action, publish GuardDuty's scan-result event, record the scan and make
// an Object:S3/MaliciousFile finding.
//
// It never decides what is malicious (internal/malware does) and never
// detects from logs (internal/detect does).
package protect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// ObjectEvent says an object was created (or a new version of it).
type ObjectEvent struct {
	Bucket    string
	Key       string // decoded
	VersionID string
	ETag      string
	Size      int64 // 0 when the event does not tell (multipart, copy): HEAD the object
	EventName string
	Time      time.Time
	Region    string
	Sequencer string
}

// KeyDecoding says how object keys arrive in S3 event notifications
// ({"Records":[...]}); EventBridge events always carry keys unencoded.
type KeyDecoding int

const (
	// KeyURLEncoded is AWS's form: keys are URL-encoded with spaces as "+".
	KeyURLEncoded KeyDecoding = iota
	// KeyRaw is the form of servers that send keys as they are (versitygw).
	KeyRaw
)

// ParseKeyDecoding parses "url" or "raw".
func ParseKeyDecoding(s string) (KeyDecoding, error) {
	switch s {
	case "", "url":
		return KeyURLEncoded, nil
	case "raw":
		return KeyRaw, nil
	}
	return 0, fmt.Errorf("key decoding %q: want url or raw", s)
}

// s3Notification is the S3 event notification document, and the
// EventBridge "Object Created" envelope, in one struct.
type s3Notification struct {
	Records []struct {
		EventName string    `json:"eventName"`
		EventTime time.Time `json:"eventTime"`
		AwsRegion string    `json:"awsRegion"`
		S3        struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key       string  `json:"key"`
				Size      int64   `json:"size"`
				ETag      *string `json:"eTag"`
				VersionID *string `json:"versionId"`
				Sequencer string  `json:"sequencer"`
			} `json:"object"`
		} `json:"s3"`
	} `json:"Records"`

	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Region     string          `json:"region"`
	Time       time.Time       `json:"time"`
	Detail     json.RawMessage `json:"detail"`
	Event      string          `json:"Event"` // "s3:TestEvent"
}

type eventBridgeDetail struct {
	Bucket struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key       string `json:"key"`
		Size      int64  `json:"size"`
		ETag      string `json:"etag"`
		VersionID string `json:"version-id"`
		Sequencer string `json:"sequencer"`
	} `json:"object"`
	Reason string `json:"reason"`
}

// ErrNotS3Event is returned for a document that is neither an S3 event
// notification nor an EventBridge S3 event.
var ErrNotS3Event = errors.New("not an S3 event notification")

// ParseNotification returns the object-created events of an S3 event
// notification ({"Records":[...]}, as S3 and S3-compatible servers send to
// webhooks, SQS, SNS and NATS) or of an EventBridge "Object Created" event.
// Other event types (tagging, deletion, the s3:TestEvent a server sends at
// start-up) yield no events and no error, so Vigil ignores the tagging
// events its own tags cause.
func ParseNotification(body []byte, dec KeyDecoding) ([]ObjectEvent, error) {
	var n s3Notification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotS3Event, err)
	}
	switch {
	case n.Records != nil:
		return n.records(dec)
	case n.DetailType != "":
		return n.eventBridge()
	case strings.HasSuffix(n.Event, "TestEvent"):
		return nil, nil
	}
	return nil, ErrNotS3Event
}

func (n *s3Notification) records(dec KeyDecoding) ([]ObjectEvent, error) {
	var out []ObjectEvent
	for i, r := range n.Records {
		if !isObjectCreated(r.EventName) {
			continue
		}
		key, err := decodeKey(r.S3.Object.Key, dec)
		if err != nil {
			return out, fmt.Errorf("record %d: %w", i, err)
		}
		ev := ObjectEvent{
			Bucket: r.S3.Bucket.Name, Key: key, Size: r.S3.Object.Size, EventName: r.EventName,
			Time: r.EventTime, Region: r.AwsRegion, Sequencer: r.S3.Object.Sequencer,
		}
		if r.S3.Object.ETag != nil {
			ev.ETag = strings.Trim(*r.S3.Object.ETag, `"`)
		}
		if r.S3.Object.VersionID != nil {
			ev.VersionID = *r.S3.Object.VersionID
		}
		if ev.Bucket == "" || ev.Key == "" {
			return out, fmt.Errorf("record %d: no bucket or key", i)
		}
		out = append(out, ev)
	}
	return out, nil
}

func (n *s3Notification) eventBridge() ([]ObjectEvent, error) {
	if n.DetailType != "Object Created" {
		return nil, nil
	}
	var d eventBridgeDetail
	if err := json.Unmarshal(n.Detail, &d); err != nil {
		return nil, fmt.Errorf("EventBridge detail: %w", err)
	}
	key := d.Object.Key // EventBridge carries keys as they are, not URL-encoded
	if d.Bucket.Name == "" || key == "" {
		return nil, errors.New("EventBridge Object Created event without bucket or key")
	}
	return []ObjectEvent{{
		Bucket: d.Bucket.Name, Key: key, Size: d.Object.Size, ETag: strings.Trim(d.Object.ETag, `"`),
		VersionID: d.Object.VersionID, EventName: "ObjectCreated:" + d.Reason, Time: n.Time, Region: n.Region,
		Sequencer: d.Object.Sequencer,
	}}, nil
}

// isObjectCreated accepts AWS's "ObjectCreated:Put" and the "s3:"-prefixed
// form of S3-compatible servers.
func isObjectCreated(name string) bool {
	return strings.HasPrefix(strings.TrimPrefix(name, "s3:"), "ObjectCreated:")
}

func decodeKey(k string, dec KeyDecoding) (string, error) {
	if dec == KeyRaw {
		return k, nil
	}
	s, err := url.QueryUnescape(k) // AWS encodes spaces as "+"
	if err != nil {
		return "", fmt.Errorf("object key %q: %w", k, err)
	}
	return s, nil
}

// Deliver hands one object event to the processor. It returns an error
// when the event was not accepted (queue full, shutting down); a source
// must then keep the event for redelivery rather than acknowledge it.
type Deliver func(ctx context.Context, ev ObjectEvent) error

// Source delivers object events until ctx ends (webhook receiver, SQS
// queue, NATS subject, polling of a prefix).
type Source interface {
	Run(ctx context.Context, deliver Deliver) error
}
