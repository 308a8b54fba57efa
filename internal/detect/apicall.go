package detect

import (
	"bytes"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// Caller types of awsApiCallAction.callerType, as GuardDuty writes them.
const (
	CallerRemoteIP     = "Remote IP"
	CallerRemoteDomain = "Remote domain"
	CallerAWSService   = "AWS Service"
)

// APICallFinding returns the finding every CloudTrail detector starts
// from: an AccessKey resource naming the caller, an AWS_API_CALL action
// describing the call, resource role TARGET and the aggregation key
// principal + API + affected resources. affected maps a CloudFormation
// resource type ("AWS::S3::Bucket") to the resource's name or ARN; it may
// be nil. The caller sets the title and description (and the severity when
// it differs from the definition's).
func APICallFinding(typ string, ev *event.Event, affected map[string]string) finding.Finding {
	if len(affected) == 0 {
		affected = nil
	}
	a := ev.Actor
	call := &finding.AwsAPICallAction{
		CallerType:        CallerType(ev),
		UserAgent:         ev.UserAgent,
		RemoteIPDetails:   RemoteIP(ev.SourceIP),
		AffectedResources: affected,
	}
	if ev.API != nil {
		call.API = ev.API.Name
		call.ServiceName = ev.API.EventSource
		call.ErrorCode = ev.API.ErrorCode
	}
	if ev.SourceHost != "" {
		call.DomainDetails = &finding.DomainDetails{Domain: ev.SourceHost}
	}
	return finding.Finding{
		Type:           typ,
		AggregationKey: APICallKey(ev, affected),
		Resource: finding.Resource{
			ResourceType: finding.ResourceAccessKey,
			AccessKeyDetails: &finding.AccessKeyDetails{
				AccessKeyID: a.AccessKeyID,
				PrincipalID: a.PrincipalID,
				UserName:    a.Name(),
				UserType:    a.Type,
			},
		},
		Service: finding.Service{
			Action:       &finding.Action{ActionType: finding.ActionAWSAPICall, AwsAPICallAction: call},
			ResourceRole: finding.RoleTarget,
		},
	}
}

// Principal identifies the credentials behind a call: the access key id,
// else the principal id.
func Principal(a *event.Actor) string {
	if a.AccessKeyID != "" {
		return a.AccessKeyID
	}
	return a.PrincipalID
}

// APICallKey is the aggregation key of an API-call finding: the principal,
// the API name and the affected resources (sorted), separated by "|".
func APICallKey(ev *event.Event, affected map[string]string) string {
	var b strings.Builder
	b.WriteString(Principal(ev.Actor))
	b.WriteByte('|')
	if ev.API != nil {
		b.WriteString(ev.API.Name)
	}
	keys := make([]string, 0, len(affected))
	for k := range affected {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteByte('|')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + affected[k])
	}
	return b.String()
}

// CallerType classifies where a call came from: an AWS service, a remote
// IP address or a remote domain (a hostname such as ec2.amazonaws.com).
func CallerType(ev *event.Event) string {
	switch {
	case ev.Actor.Type == "AWSService":
		return CallerAWSService
	case ev.SourceIP.IsValid():
		return CallerRemoteIP
	case ev.SourceHost != "":
		return CallerRemoteDomain
	}
	return ""
}

// RemoteIP returns the remote address details of ip, nil when it is not valid.
func RemoteIP(ip netip.Addr) *finding.RemoteIPDetails {
	switch {
	case !ip.IsValid():
		return nil
	case ip.Is4():
		return &finding.RemoteIPDetails{IPAddressV4: ip.String()}
	}
	return &finding.RemoteIPDetails{IPAddressV6: ip.String()}
}

// Caller names who made a call the way GuardDuty's descriptions do, such
// as "root credentials" or "IAM user alice".
func Caller(a *event.Actor) string {
	name := a.Name()
	switch a.Type {
	case "Root":
		if a.AssumedRoot {
			return "short-term root credentials"
		}
		return "root credentials"
	case "IAMUser":
		return "IAM user " + name
	case "AssumedRole":
		return "assumed role " + name
	case "FederatedUser":
		return "federated user " + name
	case "AWSService":
		return "AWS service " + name
	case "IdentityCenterUser":
		return "IAM Identity Center user " + name
	}
	if name == "" {
		return "an unknown principal"
	}
	return a.Type + " principal " + name
}

// From returns " from IP address 198.51.100.7" or " from ec2.amazonaws.com"
// for descriptions, or "" when the log gives no source.
func From(ev *event.Event) string {
	switch {
	case ev.SourceIP.IsValid():
		return " from IP address " + ev.SourceIP.String()
	case ev.SourceHost != "":
		return " from " + ev.SourceHost
	}
	return ""
}

// Info returns service.additionalInfo carrying v as a JSON document.
func Info(v any) *finding.AdditionalInfo {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return &finding.AdditionalInfo{Value: string(b), Type: "default"}
}

// Partition returns the AWS partition of a region name.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// Params decodes the event's requestParameters into v. It reports false
// when the event has none or they do not decode.
func Params(ev *event.Event, v any) bool {
	if ev.API == nil || len(ev.API.RequestParameters) == 0 {
		return false
	}
	return json.Unmarshal(ev.API.RequestParameters, v) == nil
}

// Response decodes the event's responseElements into v. It reports false
// when the event has none or they do not decode.
func Response(ev *event.Event, v any) bool {
	if ev.API == nil || len(ev.API.ResponseElements) == 0 {
		return false
	}
	return json.Unmarshal(ev.API.ResponseElements, v) == nil
}

// Bool is a request parameter that CloudTrail writes as a JSON boolean or
// as the string "true"/"false". Use *Bool to tell an absent value apart.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *Bool) UnmarshalJSON(data []byte) error {
	*b = Bool(strings.EqualFold(string(bytes.Trim(data, `"`)), "true"))
	return nil
}

// Int is a request parameter written as a JSON number or a numeric string.
type Int int

// UnmarshalJSON implements json.Unmarshaler; a non-numeric value is 0.
func (n *Int) UnmarshalJSON(data []byte) error {
	v, err := strconv.ParseFloat(string(bytes.Trim(data, `"`)), 64)
	if err != nil {
		v = 0
	}
	*n = Int(v)
	return nil
}

// Strings is a value written either as one string or as a list of strings
// (x-amz-acl, IAM policy principals and condition values).
type Strings []string

// UnmarshalJSON implements json.Unmarshaler; other JSON types decode to nil.
func (s *Strings) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) > 0 && data[0] == '"':
		var one string
		if err := json.Unmarshal(data, &one); err != nil {
			return err
		}
		*s = Strings{one}
	case len(data) > 0 && data[0] == '[':
		var many []json.RawMessage
		if err := json.Unmarshal(data, &many); err != nil {
			return err
		}
		out := make(Strings, 0, len(many))
		for _, m := range many {
			var one string
			if json.Unmarshal(m, &one) == nil {
				out = append(out, one)
			}
		}
		*s = out
	default:
		*s = nil
	}
	return nil
}

// Contains reports whether s holds v (case-insensitively).
func (s Strings) Contains(v string) bool {
	for _, x := range s {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// List is a value written either as one JSON object or as a list of them,
// such as a policy's Statement or an ACL's Grant.
type List[T any] []T

// UnmarshalJSON implements json.Unmarshaler; scalars decode to nil.
func (l *List[T]) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) > 0 && data[0] == '{':
		var one T
		if err := json.Unmarshal(data, &one); err != nil {
			return err
		}
		*l = List[T]{one}
	case len(data) > 0 && data[0] == '[':
		var many []T
		if err := json.Unmarshal(data, &many); err != nil {
			return err
		}
		*l = many
	default:
		*l = nil
	}
	return nil
}
