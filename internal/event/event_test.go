package event_test

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

func TestActorName(t *testing.T) {
	tests := []struct {
		name  string
		actor event.Actor
		want  string
	}{
		{"user name first", event.Actor{Type: "IAMUser", UserName: "alice", SessionIssuerUserName: "deployer", PrincipalID: "AIDAEXAMPLE"}, "alice"},
		{"root with user name", event.Actor{Type: "Root", UserName: "admin-alias", PrincipalID: "111122223333"}, "admin-alias"},
		{"role session issuer", event.Actor{Type: "AssumedRole", SessionIssuerUserName: "deployer", PrincipalID: "AROAEXAMPLE:ci", InvokedBy: "ec2.amazonaws.com"}, "deployer"},
		{"root", event.Actor{Type: "Root", PrincipalID: "111122223333", InvokedBy: "cloudformation.amazonaws.com"}, "Root"},
		{"root type is case sensitive", event.Actor{Type: "root", PrincipalID: "111122223333"}, "111122223333"},
		{"invoking service", event.Actor{Type: "AWSService", InvokedBy: "cloudtrail.amazonaws.com", PrincipalID: "x"}, "cloudtrail.amazonaws.com"},
		{"principal id last", event.Actor{Type: "FederatedUser", PrincipalID: "111122223333:bob"}, "111122223333:bob"},
		{"nothing known", event.Actor{Type: "Unknown"}, ""},
		{"zero", event.Actor{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.actor.Name(); got != tt.want {
				t.Errorf("%+v.Name() = %q, want %q", tt.actor, got, tt.want)
			}
		})
	}
}

func TestAPICallService(t *testing.T) {
	tests := []struct {
		source string
		want   string
	}{
		{"cloudtrail.amazonaws.com", "cloudtrail"},
		{"iam.amazonaws.com", "iam"},
		{"s3.amazonaws.com", "s3"},
		{"sso-directory.amazonaws.com", "sso-directory"},
		{"signin.amazonaws.com", "signin"},
		{"ec2.amazonaws.com.cn", "ec2"},
		{"s3", "s3"}, // no dot: the whole source
		{"", ""},
		{".amazonaws.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			c := event.APICall{EventSource: tt.source}
			if got := c.Service(); got != tt.want {
				t.Errorf("APICall{EventSource: %q}.Service() = %q, want %q", tt.source, got, tt.want)
			}
		})
	}
}

func TestAPICallFailed(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"", false},
		{"AccessDenied", true},
		{"Client.UnauthorizedOperation", true},
	}
	for _, tt := range tests {
		c := event.APICall{ErrorCode: tt.code}
		if got := c.Failed(); got != tt.want {
			t.Errorf("APICall{ErrorCode: %q}.Failed() = %t, want %t", tt.code, got, tt.want)
		}
	}
}

func TestKindString(t *testing.T) {
	tests := []struct {
		kind event.Kind
		want string
	}{
		{event.KindUnknown, "unknown"},
		{event.KindAPICall, "api_call"},
		{event.KindFlow, "flow"},
		{event.KindDNS, "dns"},
		{event.KindKubernetesAudit, "kubernetes_audit"},
		{event.KindRDSLogin, "rds_login"},
		{event.KindRuntime, "runtime"},
		{event.KindS3Object, "s3_object"},
		{event.Kind(event.NumKinds), "unknown"},
		{event.Kind(255), "unknown"},
	}
	seen := map[string]event.Kind{}
	for _, tt := range tests {
		got := tt.kind.String()
		if got != tt.want {
			t.Errorf("Kind(%d).String() = %q, want %q", tt.kind, got, tt.want)
		}
		if int(tt.kind) < event.NumKinds {
			if other, dup := seen[got]; dup {
				t.Errorf("Kind(%d) and Kind(%d) are both named %q", other, tt.kind, got)
			}
			seen[got] = tt.kind
		}
	}
	if len(seen) != event.NumKinds {
		t.Errorf("tested %d named kinds, want all %d", len(seen), event.NumKinds)
	}
}
