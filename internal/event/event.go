// Package event is Vigil's normalized event model: every log format that a
// source reads (CloudTrail, flow logs, DNS logs, Kubernetes audit, ...) is
// turned into an Event before detection.
//
// The package depends on nothing else in the project and must never grow
// behaviour beyond small accessors: parsing lives in internal/source,
// detection in internal/detect.
package event

import (
	"net/netip"
	"time"
)

// Kind says what an event describes; the detection engine dispatches on it.
type Kind uint8

// Event kinds. New kinds are appended; the numeric values are not persisted.
const (
	KindUnknown Kind = iota
	KindAPICall
	KindFlow
	KindDNS
	KindKubernetesAudit
	KindRDSLogin
	KindRuntime
	KindS3Object
	numKinds
)

var kindNames = [...]string{
	KindUnknown:         "unknown",
	KindAPICall:         "api_call",
	KindFlow:            "flow",
	KindDNS:             "dns",
	KindKubernetesAudit: "kubernetes_audit",
	KindRDSLogin:        "rds_login",
	KindRuntime:         "runtime",
	KindS3Object:        "s3_object",
}

// NumKinds is the number of defined kinds, for tables indexed by Kind.
const NumKinds = int(numKinds)

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Origin locates the record an event came from, so that errors and
// findings can point back at the log.
type Origin struct {
	File   string // path or s3:// URL of the log file
	Record int    // 0-based index of the record within the file
	Offset int64  // byte offset of the record in the (decompressed) file
}

// Event is one normalized record.
type Event struct {
	Kind    Kind
	Time    time.Time // when the activity happened (UTC)
	Account string    // the account the activity happened in (recipient)
	Region  string    // AWS region as logged; may be empty or unknown
	Source  string    // data source name, such as "cloudtrail"

	// Actor is who made an API call; nil for kinds without one (flows,
	// DNS queries), which keeps their events small.
	Actor *Actor

	// SourceIP is the caller's address when the log gives a valid IP
	// (for flows, the source address; for DNS queries, the querying
	// address).
	// SourceHost keeps a non-IP value such as "ec2.amazonaws.com" or
	// "AWS Internal".
	SourceIP   netip.Addr
	SourceHost string
	UserAgent  string

	API  *APICall  // set for KindAPICall
	Flow *Flow     // set for KindFlow
	DNS  *DNSQuery // set for KindDNS

	Origin Origin
	Raw    []byte // the original record, as read
}

// Actor is who performed the activity.
type Actor struct {
	// Type is the CloudTrail userIdentity type: Root, IAMUser,
	// AssumedRole, FederatedUser, AWSService, AWSAccount,
	// IdentityCenterUser, Unknown (or whatever the log says).
	Type        string
	PrincipalID string
	ARN         string
	AccountID   string
	AccessKeyID string
	UserName    string
	InvokedBy   string // the AWS service that made the call on the actor's behalf

	// Session context, for temporary credentials.
	SessionIssuerType     string
	SessionIssuerUserName string
	SessionIssuerARN      string
	MFAAuthenticated      bool
	SessionCreated        time.Time
	// EC2RoleDelivery is set when the credentials were delivered to an
	// EC2 instance through its instance profile ("ec2RoleDelivery").
	EC2RoleDelivery string
	SourceIdentity  string
	// AssumedRoot is set for root sessions made with sts:AssumeRoot
	// (short-term, task-scoped root credentials).
	AssumedRoot bool
	// IdentityStoreUserID is the IAM Identity Center user behind an
	// IdentityCenterUser identity or a role session made on its behalf.
	IdentityStoreUserID string
}

// Name returns the most readable name of the actor: the user name, the
// role session's issuer name, or the principal id.
func (a *Actor) Name() string {
	switch {
	case a.UserName != "":
		return a.UserName
	case a.SessionIssuerUserName != "":
		return a.SessionIssuerUserName
	case a.Type == "Root":
		return "Root"
	case a.InvokedBy != "":
		return a.InvokedBy
	}
	return a.PrincipalID
}

// APICall holds the fields of an AWS API call (a CloudTrail record).
type APICall struct {
	EventID     string
	EventType   string // AwsApiCall, AwsConsoleSignIn, AwsServiceEvent, ...
	EventSource string // service endpoint, such as "cloudtrail.amazonaws.com"
	Name        string // eventName, such as "StopLogging"
	ErrorCode   string
	ErrorMsg    string
	ReadOnly    bool
	Management  bool // managementEvent; false for data events
	// RecipientAccountID is the account that received the event.
	RecipientAccountID string
	// RequestParameters and ResponseElements are the raw JSON objects of
	// the record (nil when absent or null); detectors decode what they need.
	RequestParameters []byte
	ResponseElements  []byte
	AdditionalData    []byte
	Resources         []Resource
	ConsoleSession    bool // sessionCredentialFromConsole
}

// Service returns the short service name of the event source:
// "cloudtrail" for "cloudtrail.amazonaws.com".
func (c *APICall) Service() string {
	s := c.EventSource
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i]
		}
	}
	return s
}

// Failed reports whether the call returned an error.
func (c *APICall) Failed() bool { return c.ErrorCode != "" }

// Resource is one entry of a CloudTrail record's resources list.
type Resource struct {
	ARN       string
	Type      string
	AccountID string
}
