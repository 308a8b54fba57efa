package simulate

import (
	"strconv"
	"time"
)

// record is one CloudTrail record being built. A generator reuses one
// record for every event it writes; appendJSON renders it.
type record struct {
	version     string
	who         identity
	t           time.Time
	source      string
	name        string
	region      string
	ip          string
	ua          js // user agent, built by appending (no quotes)
	errCode     string
	errMsg      string
	params      js // requestParameters; empty = null
	resp        js // responseElements; empty = null
	extra       js // additionalEventData; empty = omitted
	details     js // serviceEventDetails; empty = omitted
	readOnly    bool
	res         []resource
	eventType   string
	mgmt        bool
	recipient   string
	shared      bool // write a sharedEventID (cross-account calls)
	tlsHost     string
	fromConsole bool // sessionCredentialFromConsole
}

type resource struct{ account, typ, arn string }

// identity is userIdentity. Which fields are written depends on typ.
type identity struct {
	typ          string     // IAMUser, AssumedRole, FederatedUser, Root, AWSAccount, AWSService, IdentityCenterUser, "" (service events)
	p            *principal // the user, or the role of an AssumedRole, or the user behind a FederatedUser
	session      string     // role session or federated user name
	account      string
	key          string
	principalID  string // AWSAccount callers
	session0     time.Time
	sessCtx      bool // write sessionContext
	mfa          bool
	ec2          bool // ec2RoleDelivery "2.0"
	invokedBy    string
	assumedRoot  bool
	onBehalfUser string // IdentityCenterUser
	storeID      string
	credentialID string
}

func (r *record) reset() {
	r.version = "1.08"
	r.who = identity{}
	r.ua.reset()
	r.errCode, r.errMsg = "", ""
	r.params.reset()
	r.resp.reset()
	r.extra.reset()
	r.details.reset()
	r.res = r.res[:0]
	r.eventType, r.mgmt, r.shared, r.tlsHost, r.fromConsole = "AwsApiCall", true, false, "", false
}

// appendJSON appends the record as CloudTrail writes it, fields in
// CloudTrail's order. The id bytes (requestID, eventID, sharedEventID) come
// from ids.
func (r *record) appendJSON(b []byte, reqID, eventID, sharedID []byte) []byte {
	b = append(b, `{"eventVersion":"`...)
	b = append(b, r.version...)
	b = append(b, `","userIdentity":`...)
	b = r.who.appendJSON(b)
	b = append(b, `,"eventTime":"`...)
	b = append(r.t.AppendFormat(b, timeLayout), '"')
	b = r.appendCall(b)
	b = append(b, `,"requestID":"`...)
	b = append(b, reqID...)
	b = append(b, `","eventID":"`...)
	b = append(b, eventID...)
	b = append(b, `","readOnly":`...)
	b = strconv.AppendBool(b, r.readOnly)
	b = r.appendResources(b)
	b = appendField(b, "eventType", r.eventType)
	b = append(b, `,"managementEvent":`...)
	b = strconv.AppendBool(b, r.mgmt)
	b = appendField(b, "recipientAccountId", r.recipient)
	if r.shared {
		b = appendField(b, "sharedEventID", sharedID)
	}
	if r.details.set() {
		b = appendRaw(b, "serviceEventDetails", r.details.bytes())
	}
	b = r.appendTail(b)
	return append(b, '}')
}

// appendCall writes the fields from eventSource to additionalEventData.
func (r *record) appendCall(b []byte) []byte {
	b = appendField(b, "eventSource", r.source)
	b = appendField(b, "eventName", r.name)
	b = appendField(b, "awsRegion", r.region)
	b = appendField(b, "sourceIPAddress", r.ip)
	b = appendField(b, "userAgent", r.ua.b)
	if r.errCode != "" {
		b = appendField(b, "errorCode", r.errCode)
		b = appendField(b, "errorMessage", r.errMsg)
	}
	b = appendRaw(b, "requestParameters", r.params.bytes())
	b = appendRaw(b, "responseElements", r.resp.bytes())
	if r.extra.set() {
		b = appendRaw(b, "additionalEventData", r.extra.bytes())
	}
	return b
}

func (r *record) appendTail(b []byte) []byte {
	cat := "Management"
	if !r.mgmt {
		cat = "Data"
	}
	b = appendField(b, "eventCategory", cat)
	if r.tlsHost != "" {
		b = append(b, `,"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":`...)
		b = appendString(b, r.tlsHost)
		b = append(b, '}')
	}
	if r.fromConsole {
		b = append(b, `,"sessionCredentialFromConsole":"true"`...)
	}
	return b
}

func (r *record) appendResources(b []byte) []byte {
	if len(r.res) == 0 {
		return b
	}
	b = append(b, `,"resources":[`...)
	for i, x := range r.res {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if x.account != "" {
			b = append(b, `"accountId":"`...)
			b = append(b, x.account...)
			b = append(b, `",`...)
		}
		b = append(b, `"type":"`...)
		b = append(b, x.typ...)
		b = append(b, `","ARN":`...)
		b = appendString(b, x.arn)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendField[S ~string | ~[]byte](b []byte, k string, v S) []byte {
	b = append(b, ',', '"')
	b = append(b, k...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

func appendRaw(b []byte, k string, v []byte) []byte {
	b = append(b, ',', '"')
	b = append(b, k...)
	b = append(b, '"', ':')
	if len(v) == 0 {
		return append(b, "null"...)
	}
	return append(b, v...)
}
