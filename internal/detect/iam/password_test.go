package iam

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/vigil-sec/vigil/internal/detect"
)

// update returns an UpdateAccountPasswordPolicy record patch.
func update(params string) string {
	return `{"eventSource": "iam.amazonaws.com", "eventName": "UpdateAccountPasswordPolicy", "readOnly": false, "requestParameters": ` + params + `}`
}

const (
	strongPolicy = `{"minimumPasswordLength": 14, "requireSymbols": true, "requireNumbers": true, "requireUppercaseCharacters": true,
	  "requireLowercaseCharacters": true, "allowUsersToChangePassword": true, "maxPasswordAge": 90, "passwordReusePrevention": 24}`
	shorterPolicy = `{"minimumPasswordLength": 8, "requireSymbols": true, "requireNumbers": true, "requireUppercaseCharacters": true,
	  "requireLowercaseCharacters": true, "allowUsersToChangePassword": true, "maxPasswordAge": 90, "passwordReusePrevention": 24}`
	weakPolicy = `{"minimumPasswordLength": 6, "requireSymbols": false, "requireNumbers": false, "requireUppercaseCharacters": true,
	  "requireLowercaseCharacters": true, "allowUsersToChangePassword": true, "maxPasswordAge": 90, "passwordReusePrevention": 24}`
	veryWeakPolicy = `{"minimumPasswordLength": 6, "allowUsersToChangePassword": true}`
	stricterPolicy = `{"minimumPasswordLength": 20, "requireSymbols": true, "requireNumbers": true, "requireUppercaseCharacters": true,
	  "requireLowercaseCharacters": true, "allowUsersToChangePassword": true, "maxPasswordAge": 60, "passwordReusePrevention": 24, "hardExpiry": true}`
)

func TestPasswordPolicyChange(t *testing.T) {
	deletePolicy := `{"eventSource": "iam.amazonaws.com", "eventName": "DeleteAccountPasswordPolicy", "readOnly": false, "requestParameters": null}`
	tests := []struct {
		name    string
		patches []string // one record per patch, in order
		want    []string
	}{
		{"delete", []string{deletePolicy}, []string{TypePasswordPolicyChange + " 7"}},
		{"failed delete", []string{`{"eventSource": "iam.amazonaws.com", "eventName": "DeleteAccountPasswordPolicy", "errorCode": "NoSuchEntityException",
		  "errorMessage": "The account policy with name PasswordPolicy cannot be found."}`}, nil},
		{"delete then weak policy is compared with baseline", []string{deletePolicy, update(shorterPolicy)},
			[]string{TypePasswordPolicyChange + " 7", TypePasswordPolicyChange + " 2"}},
		{"baseline policy", []string{update(strongPolicy)}, nil},
		{"strengthening", []string{update(strongPolicy), update(stricterPolicy)}, nil},
		{"one setting weaker than baseline", []string{update(shorterPolicy)}, []string{TypePasswordPolicyChange + " 2"}},
		{"three settings weaker than previous", []string{update(strongPolicy), update(weakPolicy)}, []string{TypePasswordPolicyChange + " 5"}},
		{"omitted settings take weak defaults", []string{update(veryWeakPolicy)}, []string{TypePasswordPolicyChange + " 7"}},
		{"compared with previous, not baseline", []string{update(veryWeakPolicy), update(weakPolicy)}, []string{TypePasswordPolicyChange + " 7"}},
		{"failed update", []string{update(strongPolicy), `{"eventSource": "iam.amazonaws.com", "eventName": "UpdateAccountPasswordPolicy", "errorCode": "AccessDenied",
		  "requestParameters": ` + veryWeakPolicy + `}`}, nil},
		{"read", []string{`{"eventSource": "iam.amazonaws.com", "eventName": "GetAccountPasswordPolicy", "requestParameters": null}`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var recs []string
			for _, p := range tt.patches {
				recs = append(recs, record(t, p))
			}
			if g := got(run(t, recs...)); !slices.Equal(g, tt.want) {
				t.Errorf("findings = %v, want %v", g, tt.want)
			}
		})
	}
}

func TestPasswordPolicyChangeDetails(t *testing.T) {
	fs := run(t, record(t, update(strongPolicy)), record(t, update(weakPolicy)))
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1", len(fs))
	}
	f := fs[0]
	if want := "Password policy for account 111122223333 was weakened."; f.Title != want {
		t.Errorf("title = %q, want %q", f.Title, want)
	}
	want := "The password policy of account 111122223333 was weakened by IAM user alice calling UpdateAccountPasswordPolicy from IP address 203.0.113.10." +
		" Compared with the previous policy: minimumPasswordLength lowered from 14 to 6; requireSymbols turned off; requireNumbers turned off."
	if f.Description != want {
		t.Errorf("description = %q, want %q", f.Description, want)
	}
	if want := `{"comparedWith":"previous policy","weakenedSettings":["minimumPasswordLength","requireSymbols","requireNumbers"]}`; f.Service.AdditionalInfo == nil || f.Service.AdditionalInfo.Value != want {
		t.Errorf("additionalInfo = %+v, want value %s", f.Service.AdditionalInfo, want)
	}
}

// TestPasswordPolicyStateSurvivesSnapshot checks that the last policy per
// account is restored from a snapshot, so a restart does not fall back to
// the baseline.
func TestPasswordPolicyStateSurvivesSnapshot(t *testing.T) {
	ev := func(params string) string { return record(t, update(params)) }
	e1 := detect.New(detect.Registered(), detect.Options{})
	process(t, e1, ev(veryWeakPolicy))
	snaps, err := e1.Snapshots()
	if err != nil {
		t.Fatal(err)
	}
	snap, ok := snaps["iam.password_policy_change"]
	if !ok {
		t.Fatalf("Snapshots() = %v, want the password policy state", snaps)
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(snap, &entries); err != nil || len(entries) != 1 {
		t.Fatalf("snapshot %s: %d entries, %v", snap, len(entries), err)
	}

	e2 := detect.New(detect.Registered(), detect.Options{})
	if err := e2.Restore("iam.password_policy_change", snap); err != nil {
		t.Fatal(err)
	}
	// Weaker than the baseline but stronger than the restored policy.
	if fs := process(t, e2, ev(weakPolicy)); len(fs) != 0 {
		t.Errorf("after restore: findings %v, want none", got(fs))
	}
}

func TestPolicyFrom(t *testing.T) {
	want := passwordPolicy{MinimumPasswordLength: 10, RequireSymbols: true, MaxPasswordAge: 30}
	raw, _ := json.Marshal(want)
	var generic map[string]any
	_ = json.Unmarshal(raw, &generic)
	for _, v := range []any{want, &want, json.RawMessage(raw), generic} {
		if p, ok := policyFrom(v); !ok || p != want {
			t.Errorf("policyFrom(%T) = %+v, %v; want %+v", v, p, ok, want)
		}
	}
}
