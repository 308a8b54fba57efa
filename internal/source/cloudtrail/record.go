package cloudtrail

import (
	"bytes"
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
	ManagementEvent     *flexBool       `json:"managementEvent"`
	RecipientAccountID  string          `json:"recipientAccountId"`
	Resources           []resource      `json:"resources"`
	ConsoleSession      flexBool        `json:"sessionCredentialFromConsole"`
	EventCategory       string          `json:"eventCategory"`

	// EventBridge envelope ("AWS API Call via CloudTrail").
	DetailType string          `json:"detail-type"`
	Detail     json.RawMessage `json:"detail"`
	Account    string          `json:"account"`
	Region     string          `json:"region"`
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

// flexBool accepts true/false, "true"/"false" and null.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	s := strings.Trim(string(data), `"`)
	*b = flexBool(strings.EqualFold(s, "true"))
	return nil
}

// ParseRecord turns one CloudTrail record (or EventBridge envelope) into an
// event; detector tests use it to feed real-format records.
func ParseRecord(raw []byte) (*event.Event, error) { return decodeRecord(raw, pathHint{}) }

// decodeRecord turns one CloudTrail record (or an EventBridge envelope
// around one) into an event. hint supplies the account and region taken
// from the delivery path, used when the record lacks them.
func decodeRecord(raw []byte, hint pathHint) (*event.Event, error) {
	var r record
	if err := json.UnmarshalNoEscape(raw, &r); err != nil {
		return nil, fmt.Errorf("decode CloudTrail record: %w", err)
	}
	if r.DetailType != "" && len(r.Detail) > 0 && r.Detail[0] == '{' {
		outer := r
		r = record{}
		if err := json.UnmarshalNoEscape(outer.Detail, &r); err != nil {
			return nil, fmt.Errorf("decode EventBridge detail: %w", err)
		}
		if r.RecipientAccountID == "" {
			r.RecipientAccountID = outer.Account
		}
		if r.AwsRegion == "" {
			r.AwsRegion = outer.Region
		}
	}
	if r.EventName == "" && r.EventSource == "" {
		return nil, fmt.Errorf("not a CloudTrail record: no eventName or eventSource")
	}
	return r.normalize(hint)
}

func (r *record) normalize(hint pathHint) (*event.Event, error) {
	ev := &event.Event{
		Kind:      event.KindAPICall,
		Source:    "cloudtrail",
		Account:   firstNonEmpty(r.RecipientAccountID, hint.account, r.UserIdentity.AccountID),
		Region:    firstNonEmpty(r.AwsRegion, hint.region),
		UserAgent: r.UserAgent,
		Actor:     r.UserIdentity.actor(),
		API: &event.APICall{
			EventID:            r.EventID,
			EventType:          r.EventType,
			EventSource:        r.EventSource,
			Name:               r.EventName,
			ErrorCode:          r.ErrorCode,
			ErrorMsg:           r.ErrorMessage,
			ReadOnly:           bool(r.ReadOnly),
			Management:         r.ManagementEvent == nil || bool(*r.ManagementEvent),
			RecipientAccountID: r.RecipientAccountID,
			RequestParameters:  object(r.RequestParameters),
			ResponseElements:   object(r.ResponseElements),
			AdditionalData:     object(r.AdditionalEventData),
			ConsoleSession:     bool(r.ConsoleSession),
		},
	}
	if r.ManagementEvent == nil && strings.EqualFold(r.EventCategory, "Data") {
		ev.API.Management = false
	}
	for _, res := range r.Resources {
		ev.API.Resources = append(ev.API.Resources, event.Resource{ARN: res.ARN, Type: res.Type, AccountID: res.AccountID})
	}
	if r.EventTime != "" {
		t, err := time.Parse(time.RFC3339, r.EventTime)
		if err != nil {
			return nil, fmt.Errorf("eventTime %q: %w", r.EventTime, err)
		}
		ev.Time = t.UTC()
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
		MFAAuthenticated:      bool(sc.Attributes.MfaAuthenticated),
		EC2RoleDelivery:       sc.EC2RoleDelivery,
		SourceIdentity:        sc.SourceIdentity,
		AssumedRoot:           bool(u.AssumedRoot),
		IdentityStoreUserID:   u.OnBehalfOf.UserID,
	}
	if a.Type == "" {
		a.Type = "Unknown"
	}
	if sc.Attributes.CreationDate != "" {
		if t, err := time.Parse(time.RFC3339, sc.Attributes.CreationDate); err == nil {
			a.SessionCreated = t.UTC()
		}
	}
	return a
}

// object keeps a raw JSON value only when it is an object or array.
func object(m json.RawMessage) []byte {
	m = bytes.TrimSpace(m)
	if len(m) == 0 || (m[0] != '{' && m[0] != '[') {
		return nil
	}
	return m
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
