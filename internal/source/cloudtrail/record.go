package cloudtrail

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	json "github.com/goccy/go-json"

	"github.com/vigil-sec/vigil/internal/event"
)

// record is a CloudTrail event as AWS writes it (eventVersion 1.0x). Only
// the fields Vigil uses are decoded; unknown fields are ignored. Fields
// whose type varies in the wild use tolerant types.
type record struct {
	EventVersion        string          `json:"eventVersion"`
	UserIdentity        userIdentity    `json:"userIdentity"`
	EventTime           string          `json:"eventTime"`
	EventSource         string          `json:"eventSource"`
	EventName           string          `json:"eventName"`
	AwsRegion           string          `json:"awsRegion"`
	SourceIPAddress     string          `json:"sourceIPAddress"`
	UserAgent           string          `json:"userAgent"`
	ErrorCode           string          `json:"errorCode"`
	ErrorMessage        string          `json:"errorMessage"`
	RequestParameters   json.RawMessage `json:"requestParameters"`
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData json.RawMessage `json:"additionalEventData"`
	EventID             string          `json:"eventID"`
	ReadOnly            flexBool        `json:"readOnly"`
	EventType           string          `json:"eventType"`
	ManagementEvent     flexBool        `json:"managementEvent"`
	RecipientAccountID  string          `json:"recipientAccountId"`
	Resources           []resource      `json:"resources"`
	ConsoleSession      flexBool        `json:"sessionCredentialFromConsole"`
	EventCategory       string          `json:"eventCategory"`
}

type userIdentity struct {
	Type           string         `json:"type"`
	PrincipalID    string         `json:"principalId"`
	Arn            string         `json:"arn"`
	AccountID      string         `json:"accountId"`
	AccessKeyID    string         `json:"accessKeyId"`
	UserName       string         `json:"userName"`
	InvokedBy      string         `json:"invokedBy"`
	SessionContext sessionContext `json:"sessionContext"`
	AssumedRoot    flexBool       `json:"assumedRoot"`
	OnBehalfOf     struct {
		UserID string `json:"userId"`
	} `json:"onBehalfOf"`
}

type sessionContext struct {
	SessionIssuer struct {
		Type        string `json:"type"`
		PrincipalID string `json:"principalId"`
		Arn         string `json:"arn"`
		AccountID   string `json:"accountId"`
		UserName    string `json:"userName"`
	} `json:"sessionIssuer"`
	Attributes struct {
		CreationDate     string   `json:"creationDate"`
		MfaAuthenticated flexBool `json:"mfaAuthenticated"`
	} `json:"attributes"`
	EC2RoleDelivery string `json:"ec2RoleDelivery"`
	SourceIdentity  string `json:"sourceIdentity"`
}

type resource struct {
	ARN       string `json:"ARN"`
	Type      string `json:"type"`
	AccountID string `json:"accountId"`
}

// flexBool is a boolean that some logs write as a string: it accepts
// true/false, "true"/"false" (any case) and null. It is decoded as any,
// which needs no allocation for these values (an UnmarshalJSON method
// costs a copy of the bytes each time).
type flexBool = any

// isTrue reports whether a flexBool is true.
func isTrue(v flexBool) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// ParseRecord turns one CloudTrail record (or EventBridge envelope) into an
// event; detector tests use it to feed real-format records.
func ParseRecord(raw []byte) (*event.Event, error) { return decodeRecord(raw, pathHint{}) }

// errNotAPICall marks a well-formed record that is not an API call, such
// as a CloudTrail Insights event; the parser counts and skips it.
var errNotAPICall = errors.New("not an API call")

// envelope is an EventBridge event around a CloudTrail record ("AWS API
// Call via CloudTrail", "AWS Console Sign In via CloudTrail", ...). Its
// resources are ARN strings, unlike a record's, so it has a type of its own.
type envelope struct {
	DetailType string          `json:"detail-type"`
	Detail     json.RawMessage `json:"detail"`
	Account    string          `json:"account"`
	Region     string          `json:"region"`
}

var (
	keyDetailType = []byte(`"detail-type"`)
	recordStart   = []byte(`{"eventVersion"`)
)

// decodeRecord turns one CloudTrail record (or an EventBridge envelope
// around one) into an event. hint supplies the account and region taken
// from the delivery path, used when the record lacks them.
//
// The event owns a copy of raw, its Raw: the decoded strings refer to it
// (one allocation instead of one per field), and none to raw, which the
// caller may reuse.
func decodeRecord(raw []byte, hint pathHint) (*event.Event, error) {
	raw = bytes.Clone(raw)
	var r record
	if err := decodeInto(raw, &r); err != nil {
		return nil, err
	}
	if r.EventType == "AwsCloudTrailInsight" || r.EventCategory == "Insight" {
		return nil, fmt.Errorf("CloudTrail Insights event: %w", errNotAPICall)
	}
	if r.EventName == "" && r.EventSource == "" {
		return nil, errors.New("not a CloudTrail record: no eventName or eventSource")
	}
	ev, err := r.normalize(hint)
	if err != nil {
		return nil, err
	}
	ev.Raw = raw
	return ev, nil
}

// decodeInto decodes raw into r, unwrapping an EventBridge envelope. A
// record cannot hold "detail-type" as a top-level key, so only data that
// mentions it, and does not start as CloudTrail records do, is tried as an
// envelope. The strings of r refer to raw.
func decodeInto(raw []byte, r *record) error {
	if !bytes.HasPrefix(raw, recordStart) && bytes.Contains(raw, keyDetailType) {
		var env envelope
		if err := json.UnmarshalNoEscape(raw, &env); err != nil {
			return fmt.Errorf("decode EventBridge envelope: %w", err)
		}
		if env.DetailType != "" && isObject(env.Detail) {
			if err := json.UnmarshalNoEscape(env.Detail, r, json.DecodeNoCopyString()); err != nil {
				return fmt.Errorf("decode EventBridge detail: %w", err)
			}
			if r.RecipientAccountID == "" {
				r.RecipientAccountID = env.Account
			}
			if r.AwsRegion == "" {
				r.AwsRegion = env.Region
			}
			return nil
		}
	}
	if err := json.UnmarshalNoEscape(raw, r, json.DecodeNoCopyString()); err != nil {
		return fmt.Errorf("decode CloudTrail record: %w", err)
	}
	return nil
}

func isObject(m []byte) bool {
	m = bytes.TrimLeft(m, " \t\r\n")
	return len(m) > 0 && m[0] == '{'
}

func (r *record) normalize(hint pathHint) (*event.Event, error) {
	// The event, its actor and its API call are allocated together.
	both := &struct {
		ev    event.Event
		actor event.Actor
		api   event.APICall
	}{}
	both.actor = r.UserIdentity.actor()
	ev := &both.ev
	*ev = event.Event{
		Kind:      event.KindAPICall,
		Source:    "cloudtrail",
		Account:   firstNonEmpty(r.RecipientAccountID, hint.account, r.UserIdentity.AccountID),
		Region:    firstNonEmpty(r.AwsRegion, hint.region),
		UserAgent: r.UserAgent,
		Actor:     &both.actor,
		API:       &both.api,
	}
	*ev.API = event.APICall{
		EventID:            r.EventID,
		EventType:          r.EventType,
		EventSource:        r.EventSource,
		Name:               r.EventName,
		ErrorCode:          r.ErrorCode,
		ErrorMsg:           r.ErrorMessage,
		ReadOnly:           isTrue(r.ReadOnly),
		Management:         r.ManagementEvent == nil || isTrue(r.ManagementEvent),
		RecipientAccountID: r.RecipientAccountID,
		RequestParameters:  object(r.RequestParameters),
		ResponseElements:   object(r.ResponseElements),
		AdditionalData:     object(r.AdditionalEventData),
		ConsoleSession:     isTrue(r.ConsoleSession),
	}
	if r.ManagementEvent == nil && strings.EqualFold(r.EventCategory, "Data") {
		ev.API.Management = false
	}
	for _, res := range r.Resources {
		ev.API.Resources = append(ev.API.Resources, event.Resource{ARN: res.ARN, Type: res.Type, AccountID: res.AccountID})
	}
	if r.EventTime != "" {
		t, err := parseTime(r.EventTime)
		if err != nil {
			return nil, fmt.Errorf("eventTime %q: %w", r.EventTime, err)
		}
		ev.Time = t
	}
	if ip, err := netip.ParseAddr(r.SourceIPAddress); err == nil {
		ev.SourceIP = ip.Unmap()
	} else {
		ev.SourceHost = r.SourceIPAddress
	}
	return ev, nil
}

func (u *userIdentity) actor() event.Actor {
	sc := &u.SessionContext
	a := event.Actor{
		Type:                  u.Type,
		PrincipalID:           u.PrincipalID,
		ARN:                   u.Arn,
		AccountID:             u.AccountID,
		AccessKeyID:           u.AccessKeyID,
		UserName:              u.UserName,
		InvokedBy:             u.InvokedBy,
		SessionIssuerType:     sc.SessionIssuer.Type,
		SessionIssuerUserName: sc.SessionIssuer.UserName,
		SessionIssuerARN:      sc.SessionIssuer.Arn,
		MFAAuthenticated:      isTrue(sc.Attributes.MfaAuthenticated),
		EC2RoleDelivery:       sc.EC2RoleDelivery,
		SourceIdentity:        sc.SourceIdentity,
		AssumedRoot:           isTrue(u.AssumedRoot),
		IdentityStoreUserID:   u.OnBehalfOf.UserID,
	}
	if a.Type == "" {
		a.Type = "Unknown"
	}
	if sc.Attributes.CreationDate != "" {
		if t, err := parseTime(sc.Attributes.CreationDate); err == nil {
			a.SessionCreated = t
		}
	}
	return a
}

// object keeps a raw JSON value only when it is an object or array, or a
// string holding one (as Athena and some exports write it).
func object(m json.RawMessage) []byte {
	m = bytes.TrimSpace(m)
	if len(m) > 1 && m[0] == '"' && (m[1] == '{' || m[1] == '[') {
		var s string
		if json.Unmarshal(m, &s) == nil && json.Valid([]byte(s)) {
			return []byte(s)
		}
	}
	if len(m) == 0 || (m[0] != '{' && m[0] != '[') {
		return nil
	}
	return m
}

// timeLayouts are the eventTime forms seen in the wild: CloudTrail's
// RFC 3339 first, then CloudTrail Lake and Athena's SQL timestamps.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// parseTime parses an eventTime in UTC.
func parseTime(s string) (time.Time, error) {
	var first error
	for _, l := range timeLayouts {
		t, err := time.Parse(l, s)
		if err == nil {
			return t.UTC(), nil
		}
		if first == nil {
			first = err
		}
	}
	return time.Time{}, first
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
