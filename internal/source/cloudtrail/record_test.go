package cloudtrail_test

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source/cloudtrail"
)

// baseKeys are the members of the minimal record rec builds, in order.
var baseKeys = []string{"eventVersion", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "recipientAccountId"}

var baseValues = map[string]string{
	"eventVersion":       `"1.08"`,
	"eventTime":          `"2024-05-01T12:00:00Z"`,
	"eventSource":        `"iam.amazonaws.com"`,
	"eventName":          `"ListUsers"`,
	"awsRegion":          `"us-east-1"`,
	"sourceIPAddress":    `"198.51.100.7"`,
	"recipientAccountId": `"111122223333"`,
}

// rec returns a minimal CloudTrail record. over holds key, raw JSON value
// pairs that replace or add members; an empty value removes the member.
func rec(over ...string) string {
	vals := map[string]string{}
	for k, v := range baseValues {
		vals[k] = v
	}
	keys := append([]string(nil), baseKeys...)
	for i := 0; i+1 < len(over); i += 2 {
		if _, ok := vals[over[i]]; !ok {
			keys = append(keys, over[i])
		}
		vals[over[i]] = over[i+1]
	}
	var b strings.Builder
	b.WriteByte('{')
	n := 0
	for _, k := range keys {
		if vals[k] == "" {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		b.WriteString(`"` + k + `":` + vals[k])
	}
	b.WriteByte('}')
	return b.String()
}

// baseEvent is the event of rec() with no overrides.
func baseEvent() *event.Event {
	return &event.Event{
		Kind:     event.KindAPICall,
		Time:     time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		Account:  "111122223333",
		Region:   "us-east-1",
		Source:   "cloudtrail",
		Actor:    &event.Actor{Type: "Unknown"},
		SourceIP: netip.MustParseAddr("198.51.100.7"),
		API: &event.APICall{
			EventSource:        "iam.amazonaws.com",
			Name:               "ListUsers",
			Management:         true,
			RecipientAccountID: "111122223333",
		},
	}
}

var cmpEvent = cmp.Options{
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseRecordUserIdentity(t *testing.T) {
	tests := []struct {
		name     string
		identity string // raw userIdentity; empty: the member is absent
		want     event.Actor
		wantName string // Actor.Name()
	}{
		{
			name:     "Root",
			identity: `{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"ASIAROOTEXAMPLE","sessionContext":{"attributes":{"creationDate":"2024-05-01T11:00:00Z","mfaAuthenticated":"true"}}}`,
			want: event.Actor{Type: "Root", PrincipalID: "111122223333", ARN: "arn:aws:iam::111122223333:root", AccountID: "111122223333",
				AccessKeyID: "ASIAROOTEXAMPLE", MFAAuthenticated: true, SessionCreated: ts("2024-05-01T11:00:00Z")},
			wantName: "Root",
		},
		{
			name:     "Root via sts:AssumeRoot",
			identity: `{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","assumedRoot":"true","sessionContext":{"attributes":{"creationDate":"2024-05-01T11:00:00Z","mfaAuthenticated":"false"}}}`,
			want: event.Actor{Type: "Root", PrincipalID: "111122223333", ARN: "arn:aws:iam::111122223333:root", AccountID: "111122223333",
				AccessKeyID: "ASIAEXAMPLE", AssumedRoot: true, SessionCreated: ts("2024-05-01T11:00:00Z")},
			wantName: "Root",
		},
		{
			name:     "IAMUser",
			identity: `{"type":"IAMUser","principalId":"AIDAJ45Q7YFFAREXAMPLE","arn":"arn:aws:iam::111122223333:user/Alice","accountId":"111122223333","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"Alice"}`,
			want: event.Actor{Type: "IAMUser", PrincipalID: "AIDAJ45Q7YFFAREXAMPLE", ARN: "arn:aws:iam::111122223333:user/Alice",
				AccountID: "111122223333", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", UserName: "Alice"},
			wantName: "Alice",
		},
		{
			name: "AssumedRole from an instance profile",
			identity: `{"type":"AssumedRole","principalId":"AROAEXAMPLEROLE:i-0123456789abcdef0","arn":"arn:aws:sts::111122223333:assumed-role/web/i-0123456789abcdef0","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEKEY",` +
				`"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEROLE","arn":"arn:aws:iam::111122223333:role/web","accountId":"111122223333","userName":"web"},"webIdFederationData":{},` +
				`"attributes":{"creationDate":"2024-05-01T10:00:00Z","mfaAuthenticated":"false"},"ec2RoleDelivery":"2.0","sourceIdentity":"alice"}}`,
			want: event.Actor{Type: "AssumedRole", PrincipalID: "AROAEXAMPLEROLE:i-0123456789abcdef0", ARN: "arn:aws:sts::111122223333:assumed-role/web/i-0123456789abcdef0",
				AccountID: "111122223333", AccessKeyID: "ASIAEXAMPLEKEY", SessionIssuerType: "Role", SessionIssuerUserName: "web",
				SessionIssuerARN: "arn:aws:iam::111122223333:role/web", SessionCreated: ts("2024-05-01T10:00:00Z"), EC2RoleDelivery: "2.0", SourceIdentity: "alice"},
			wantName: "web",
		},
		{
			name: "AssumedRole on behalf of an Identity Center user",
			identity: `{"type":"AssumedRole","principalId":"AROAEXAMPLESSO:bob","arn":"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123/bob","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE",` +
				`"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLESSO","arn":"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123","accountId":"111122223333","userName":"AWSReservedSSO_Admin_0123"},"attributes":{"creationDate":"2024-05-01T10:00:00Z","mfaAuthenticated":"false"}},` +
				`"onBehalfOf":{"userId":"544894e8-80c1-707f-60e3-3ba6510dfac1","identityStoreArn":"arn:aws:identitystore::111122223333:identitystore/d-9067642ac7"}}`,
			want: event.Actor{Type: "AssumedRole", PrincipalID: "AROAEXAMPLESSO:bob", ARN: "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123/bob",
				AccountID: "111122223333", AccessKeyID: "ASIAEXAMPLE", SessionIssuerType: "Role", SessionIssuerUserName: "AWSReservedSSO_Admin_0123",
				SessionIssuerARN: "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123", SessionCreated: ts("2024-05-01T10:00:00Z"),
				IdentityStoreUserID: "544894e8-80c1-707f-60e3-3ba6510dfac1"},
			wantName: "AWSReservedSSO_Admin_0123",
		},
		{
			name: "FederatedUser",
			identity: `{"type":"FederatedUser","principalId":"111122223333:bob","arn":"arn:aws:sts::111122223333:federated-user/bob","accountId":"111122223333","accessKeyId":"ASIAFEDEXAMPLE",` +
				`"sessionContext":{"sessionIssuer":{"type":"IAMUser","principalId":"AIDABROKEREXAMPLE","arn":"arn:aws:iam::111122223333:user/broker","accountId":"111122223333","userName":"broker"},"attributes":{"creationDate":"2024-05-01T09:30:00Z","mfaAuthenticated":"true"}}}`,
			want: event.Actor{Type: "FederatedUser", PrincipalID: "111122223333:bob", ARN: "arn:aws:sts::111122223333:federated-user/bob", AccountID: "111122223333",
				AccessKeyID: "ASIAFEDEXAMPLE", SessionIssuerType: "IAMUser", SessionIssuerUserName: "broker", SessionIssuerARN: "arn:aws:iam::111122223333:user/broker",
				MFAAuthenticated: true, SessionCreated: ts("2024-05-01T09:30:00Z")},
			wantName: "broker",
		},
		{
			name:     "AWSService",
			identity: `{"type":"AWSService","invokedBy":"cloudtrail.amazonaws.com"}`,
			want:     event.Actor{Type: "AWSService", InvokedBy: "cloudtrail.amazonaws.com"},
			wantName: "cloudtrail.amazonaws.com",
		},
		{
			name:     "AWSAccount",
			identity: `{"type":"AWSAccount","principalId":"AIDAJ2P4EXAMPLE","accountId":"444455556666","invokedBy":"AWS Internal"}`,
			want:     event.Actor{Type: "AWSAccount", PrincipalID: "AIDAJ2P4EXAMPLE", AccountID: "444455556666", InvokedBy: "AWS Internal"},
			wantName: "AWS Internal",
		},
		{
			name: "IdentityCenterUser",
			identity: `{"type":"IdentityCenterUser","accountId":"111122223333","onBehalfOf":{"userId":"544894e8-80c1-707f-60e3-3ba6510dfac1","identityStoreArn":"arn:aws:identitystore::111122223333:identitystore/d-9067642ac7"},` +
				`"credentialId":"EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE"}`,
			want:     event.Actor{Type: "IdentityCenterUser", AccountID: "111122223333", IdentityStoreUserID: "544894e8-80c1-707f-60e3-3ba6510dfac1"},
			wantName: "",
		},
		{
			name:     "Unknown, a failed console sign-in",
			identity: `{"type":"Unknown","principalId":"","accountId":"111122223333","accessKeyId":"","userName":"HIDDEN_DUE_TO_SECURITY_REASONS"}`,
			want:     event.Actor{Type: "Unknown", AccountID: "111122223333", UserName: "HIDDEN_DUE_TO_SECURITY_REASONS"},
			wantName: "HIDDEN_DUE_TO_SECURITY_REASONS",
		},
		{
			name:     "missing",
			identity: "",
			want:     event.Actor{Type: "Unknown"},
		},
		{
			name:     "null",
			identity: "null",
			want:     event.Actor{Type: "Unknown"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := rec("userIdentity", tt.identity)
			ev, err := cloudtrail.ParseRecord([]byte(raw))
			if err != nil {
				t.Fatalf("ParseRecord(%s) error: %v", raw, err)
			}
			if diff := cmp.Diff(tt.want, *ev.Actor); diff != "" {
				t.Errorf("ParseRecord(%s).Actor mismatch (-want +got):\n%s", raw, diff)
			}
			if got := ev.Actor.Name(); got != tt.wantName {
				t.Errorf("Actor.Name() = %q, want %q", got, tt.wantName)
			}
		})
	}
}

func TestParseRecordSourceIP(t *testing.T) {
	tests := []struct {
		in       string // raw JSON value of sourceIPAddress; empty: absent
		wantIP   netip.Addr
		wantHost string
	}{
		{`"198.51.100.7"`, netip.MustParseAddr("198.51.100.7"), ""},
		{`"2001:db8::1"`, netip.MustParseAddr("2001:db8::1"), ""},
		{`"::ffff:198.51.100.7"`, netip.MustParseAddr("198.51.100.7"), ""},
		{`"ec2.amazonaws.com"`, netip.Addr{}, "ec2.amazonaws.com"},
		{`"AWS Internal"`, netip.Addr{}, "AWS Internal"},
		{`"<script>alert(1)</script> 999.1.1.1"`, netip.Addr{}, "<script>alert(1)</script> 999.1.1.1"},
		{`"999.1.1.1"`, netip.Addr{}, "999.1.1.1"},
		{`""`, netip.Addr{}, ""},
		{"", netip.Addr{}, ""},
	}
	for _, tt := range tests {
		raw := rec("sourceIPAddress", tt.in)
		ev, err := cloudtrail.ParseRecord([]byte(raw))
		if err != nil {
			t.Fatalf("ParseRecord(%s) error: %v", raw, err)
		}
		if ev.SourceIP != tt.wantIP || ev.SourceHost != tt.wantHost {
			t.Errorf("ParseRecord(sourceIPAddress %s) = IP %v host %q, want IP %v host %q", tt.in, ev.SourceIP, ev.SourceHost, tt.wantIP, tt.wantHost)
		}
	}
}

func TestParseRecord(t *testing.T) {
	big := strings.Repeat("A", 100<<10)
	tests := []struct {
		name string
		raw  string
		want func(*event.Event) // changes baseEvent into the wanted event
	}{
		{"minimal", rec(), func(*event.Event) {}},
		{"unknown region", rec("awsRegion", `"xx-fake-9"`), func(e *event.Event) { e.Region = "xx-fake-9" }},
		{"no region", rec("awsRegion", ""), func(e *event.Event) { e.Region = "" }},
		{"no account: the user's", rec("recipientAccountId", "", "userIdentity", `{"type":"IAMUser","accountId":"444455556666"}`), func(e *event.Event) {
			e.Account, e.API.RecipientAccountID = "444455556666", ""
			e.Actor = &event.Actor{Type: "IAMUser", AccountID: "444455556666"}
		}},
		{"readOnly true", rec("readOnly", "true"), func(e *event.Event) { e.API.ReadOnly = true }},
		{"readOnly false", rec("readOnly", "false"), func(e *event.Event) {}},
		{"readOnly \"true\"", rec("readOnly", `"true"`), func(e *event.Event) { e.API.ReadOnly = true }},
		{"readOnly \"TRUE\"", rec("readOnly", `"TRUE"`), func(e *event.Event) { e.API.ReadOnly = true }},
		{"readOnly \"false\"", rec("readOnly", `"false"`), func(e *event.Event) {}},
		{"readOnly null", rec("readOnly", "null"), func(e *event.Event) {}},
		{"data event", rec("managementEvent", "false", "eventCategory", `"Data"`), func(e *event.Event) { e.API.Management = false }},
		{"data event, old record", rec("eventCategory", `"Data"`), func(e *event.Event) { e.API.Management = false }},
		{"managementEvent \"true\"", rec("managementEvent", `"true"`), func(e *event.Event) {}},
		{"console session", rec("sessionCredentialFromConsole", `"true"`), func(e *event.Event) { e.API.ConsoleSession = true }},
		{"error", rec("errorCode", `"AccessDenied"`, "errorMessage", `"User: x is not authorized"`), func(e *event.Event) {
			e.API.ErrorCode, e.API.ErrorMsg = "AccessDenied", "User: x is not authorized"
		}},
		{"ids and agent", rec("eventID", `"e-1"`, "eventType", `"AwsApiCall"`, "userAgent", `"aws-cli/2.15.0"`), func(e *event.Event) {
			e.API.EventID, e.API.EventType, e.UserAgent = "e-1", "AwsApiCall", "aws-cli/2.15.0"
		}},
		{"request, response, additional data", rec("requestParameters", `{"userName":"bob"}`, "responseElements", `{"user":{"arn":"x"}}`, "additionalEventData", `{"MFAUsed":"No"}`),
			func(e *event.Event) {
				e.API.RequestParameters = []byte(`{"userName":"bob"}`)
				e.API.ResponseElements = []byte(`{"user":{"arn":"x"}}`)
				e.API.AdditionalData = []byte(`{"MFAUsed":"No"}`)
			}},
		{"null and scalar parameters are dropped", rec("requestParameters", "null", "responseElements", `"ok"`), func(e *event.Event) {}},
		{"request parameters as a JSON string (Athena)", rec("requestParameters", `"{\"userName\":\"bob\"}"`), func(e *event.Event) {
			e.API.RequestParameters = []byte(`{"userName":"bob"}`)
		}},
		{"resources", rec("resources", `[{"ARN":"arn:aws:iam::111122223333:user/bob","accountId":"111122223333","type":"AWS::IAM::User"}]`), func(e *event.Event) {
			e.API.Resources = []event.Resource{{ARN: "arn:aws:iam::111122223333:user/bob", AccountID: "111122223333", Type: "AWS::IAM::User"}}
		}},
		{"fractional seconds", rec("eventTime", `"2024-05-01T12:00:00.250Z"`), func(e *event.Event) { e.Time = e.Time.Add(250 * time.Millisecond) }},
		{"time with offset", rec("eventTime", `"2024-05-01T14:00:00+02:00"`), func(e *event.Event) {}},
		{"Lake timestamp", rec("eventTime", `"2024-05-01 12:00:00.000"`), func(e *event.Event) {}},
		{"no time", rec("eventTime", ""), func(e *event.Event) { e.Time = time.Time{} }},
		{"only eventName", `{"eventName":"ListUsers"}`, func(e *event.Event) {
			*e = event.Event{Kind: event.KindAPICall, Source: "cloudtrail", Actor: &event.Actor{Type: "Unknown"},
				API: &event.APICall{Name: "ListUsers", Management: true}}
		}},
		{"unknown fields ignored", rec("vpcEndpointId", `"vpce-1"`, "tlsDetails", `{"tlsVersion":"TLSv1.3"}`, "future", `[1,{"a":null}]`), func(e *event.Event) {}},
		{"invalid UTF-8 kept, replaced in strings", rec("userAgent", "\"curl/\xff\xfe8\"", "requestParameters", "{\"k\":\"\xff\"}"), func(e *event.Event) {
			e.UserAgent = "curl/\uFFFD\uFFFD8"
			e.API.RequestParameters = []byte("{\"k\":\"\xff\"}")
		}},
		{"escapes", rec("userAgent", `"a\"b\\c\u00e9\n"`), func(e *event.Event) { e.UserAgent = "a\"b\\c\u00e9\n" }},
		{"record over 64 KB kept whole", rec("requestParameters", `{"policy":"`+big+`"}`), func(e *event.Event) {
			e.API.RequestParameters = []byte(`{"policy":"` + big + `"}`)
		}},
		{"EventBridge envelope", `{"version":"0","id":"6f87d04b-9f74-4f04-a780-7acf4b0a9b38","detail-type":"AWS API Call via CloudTrail","source":"aws.iam","account":"111122223333",` +
			`"time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":["arn:aws:iam::111122223333:user/bob"],"detail":` + rec("recipientAccountId", "", "awsRegion", "") + `}`,
			func(e *event.Event) { e.API.RecipientAccountID = "111122223333" }},
		{"EventBridge envelope, detail's own account and region win", `{"detail-type":"AWS Console Sign In via CloudTrail","account":"999999999999","region":"eu-west-1","detail":` + rec() + `}`,
			func(e *event.Event) {}},
		{"detail-type inside a record is not an envelope", rec("requestParameters", `{"eventPattern":{"detail-type":["x"]}}`), func(e *event.Event) {
			e.API.RequestParameters = []byte(`{"eventPattern":{"detail-type":["x"]}}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cloudtrail.ParseRecord([]byte(tt.raw))
			if err != nil {
				t.Fatalf("ParseRecord(%.200s) error: %v", tt.raw, err)
			}
			want := baseEvent()
			tt.want(want)
			want.Raw = []byte(tt.raw) // the record, as read
			if diff := cmp.Diff(want, got, cmpEvent); diff != "" {
				t.Errorf("ParseRecord(%.200s) mismatch (-want +got):\n%.2000s", tt.raw, diff)
			}
		})
	}
}

func TestParseRecordErrors(t *testing.T) {
	tests := []struct {
		name, raw, want string // want: a part of the error
	}{
		{"not CloudTrail", `{"foo":"bar"}`, "not a CloudTrail record"},
		{"empty object", `{}`, "not a CloudTrail record"},
		{"not an object", `[1,2]`, "decode CloudTrail record"},
		{"wrong type", rec("eventName", "5"), "decode CloudTrail record"},
		{"bad time", rec("eventTime", `"yesterday"`), `eventTime "yesterday"`},
		{"broken JSON", `{"eventName":"x",}`, "decode CloudTrail record"},
		{"Insights event", `{"eventVersion":"1.08","eventTime":"2024-05-01T12:00:00Z","awsRegion":"us-east-1","eventID":"x","eventType":"AwsCloudTrailInsight","recipientAccountId":"111122223333","insightDetails":{"state":"Start","eventSource":"iam.amazonaws.com","eventName":"ListUsers"},"eventCategory":"Insight"}`, "Insights"},
		{"envelope with a broken detail", `{"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":5}}`, "decode EventBridge detail"},
	}
	for _, tt := range tests {
		ev, err := cloudtrail.ParseRecord([]byte(tt.raw))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: ParseRecord(%s) = %v, %v; want an error containing %q", tt.name, tt.raw, ev, err, tt.want)
		}
	}
}

// TestParseRecordNoAlias checks that an event keeps nothing of its input:
// the caller's buffer is reused for the next file.
func TestParseRecordNoAlias(t *testing.T) {
	raw := []byte(rec("requestParameters", `{"userName":"bob"}`, "userAgent", `"aws-cli"`, "userIdentity", `{"type":"IAMUser","userName":"alice"}`))
	ev, err := cloudtrail.ParseRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := *ev
	wantParams := bytes.Clone(ev.API.RequestParameters)
	for i := range raw {
		raw[i] = 'X'
	}
	if string(ev.API.RequestParameters) != string(wantParams) || ev.UserAgent != want.UserAgent || ev.Actor.UserName != "alice" {
		t.Errorf("after overwriting the input, event = %+v, RequestParameters %q; want them unchanged", ev, ev.API.RequestParameters)
	}
}
