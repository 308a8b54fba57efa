package notify

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
)

// EventBridge envelope constants, as GuardDuty sends them.
const (
	EnvelopeVersion    = "0"
	EnvelopeDetailType = "GuardDuty Finding"
	EnvelopeSource     = "aws.guardduty"
)

// envelope is GuardDuty's EventBridge event, field for field and in the
// same order.
type envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// Envelope returns the EventBridge event GuardDuty would publish for f:
//
//	{"version":"0","id":id,"detail-type":"GuardDuty Finding",
//	 "source":"aws.guardduty","account":f.accountId,"time":f.updatedAt,
//	 "region":f.region,"resources":[],"detail":f}
//
// so rules and consumers written for GuardDuty's events (matching on
// source, detail-type, detail.severity, detail.type) work unchanged.
// "time" is the finding's updatedAt in RFC 3339 to the second, or its
// createdAt, or its eventLastSeen when that is unset; the result depends
// only on f and id, so a retry sends the same bytes. id is normally
// EventID(Message.ID).
func Envelope(f finding.Finding, id string) ([]byte, error) {
	detail, err := marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encode finding %s: %w", f.ID, err)
	}
	return marshal(envelope{
		Version:    EnvelopeVersion,
		ID:         id,
		DetailType: EnvelopeDetailType,
		Source:     EnvelopeSource,
		Account:    f.AccountID,
		Time:       envelopeTime(f),
		Region:     f.Region,
		Resources:  []string{},
		Detail:     detail,
	})
}

// marshal encodes v as JSON without escaping <, > and &, as AWS writes
// its events ("Backdoor:EC2/C&CActivity.B", not "C\u0026CActivity").
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func envelopeTime(f finding.Finding) string {
	t := time.Unix(0, 0)
	for _, c := range []finding.Time{f.UpdatedAt, f.CreatedAt, f.Service.EventLastSeen} {
		if !c.IsZero() {
			t = c.Time
			break
		}
	}
	return t.UTC().Format(time.RFC3339)
}

// eventNamespace is the UUID namespace of Vigil's event ids.
var eventNamespace = [16]byte{
	0x6b, 0x1f, 0x3c, 0x52, 0x9e, 0x0d, 0x4a, 0x7b,
	0x8c, 0x21, 0x5d, 0x94, 0xe3, 0x07, 0xa8, 0x6f,
}

// EventID returns a name-based (version 5) UUID for key, such as
// Message.ID, or Message.ID + "/" + finding id for one finding of a
// digest. The same key always gives the same id, so a receiver that
// deduplicates EventBridge events by id sees a retry as the same event.
func EventID(key string) string {
	h := sha1.New()
	h.Write(eventNamespace[:])
	h.Write([]byte(key))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
