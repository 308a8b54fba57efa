package iam

import (
	"strings"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// TypePasswordPolicyChange is the finding type of the password policy detector.
const TypePasswordPolicyChange = "Stealth:IAMUser/PasswordPolicyChange"

// resPasswordPolicy is the affected-resource key of an account password policy.
const resPasswordPolicy = "AWS::IAM::AccountPasswordPolicy"

func init() {
	detect.Register(&detect.Detector{
		Name:  "iam.password_policy_change",
		Kinds: apiCalls,
		Types: []detect.Definition{{
			Type:       TypePasswordPolicyChange,
			Severity:   finding.SeverityLow,
			Tactic:     "Defense Evasion",
			DataSource: dataSource,
			Logic: "Successful DeleteAccountPasswordPolicy (High), or UpdateAccountPasswordPolicy weakening settings compared with the account's last " +
				"policy seen, else the baseline; 1 weakened setting Low, 2-3 Medium, 4 or more High.",
			Key:         "principal (accessKeyId, else principalId) + API name + account (AWS::IAM::AccountPasswordPolicy); state: last policy per account",
			Title:       "Account password policy was weakened.",
			Description: "The account password policy was weakened or deleted, which makes IAM user passwords easier to guess or reuse.",
			Thresholds: map[string]string{
				"baseline.minimumPasswordLength":      "14",
				"baseline.requireSymbols":             "true",
				"baseline.requireNumbers":             "true",
				"baseline.requireUppercaseCharacters": "true",
				"baseline.requireLowercaseCharacters": "true",
				"baseline.passwordReusePrevention":    "24",
				"baseline.maxPasswordAge":             "90 (days, at most)",
				"severity":                            "1 weakened setting: 2 (Low); 2-3: 5 (Medium); 4 or more, or deletion: 7 (High)",
			},
		}},
		Sample: func(string) finding.Finding {
			ev := detect.SampleEvent("iam.amazonaws.com", "UpdateAccountPasswordPolicy",
				`{"minimumPasswordLength":8,"requireSymbols":false,"requireNumbers":true,"requireUppercaseCharacters":true,"requireLowercaseCharacters":true,"passwordReusePrevention":24,"maxPasswordAge":90}`)
			return detectPassword(&detect.Context{State: detect.NewState(1)}, ev)[0]
		},
		Detect:      detectPassword,
		DecodeState: decodePolicy,
	})
}

func detectPassword(ctx *detect.Context, ev *event.Event) []finding.Finding {
	c := ev.API
	if c == nil || c.EventSource != "iam.amazonaws.com" || c.Failed() {
		return nil
	}
	switch c.Name {
	case "DeleteAccountPasswordPolicy":
		// Later policies are compared with the baseline again.
		ctx.State.Delete(ev.Account)
		f := passwordFinding(ev, "deleted")
		f.Severity = severityDeleted
		f.Service.AdditionalInfo = detect.Info(map[string]any{"deleted": true})
		return []finding.Finding{f}
	case "UpdateAccountPasswordPolicy":
	default:
		return nil
	}
	var p policyParams
	if !detect.Params(ev, &p) {
		return nil
	}
	now, prev, against := p.policy(), baseline, "baseline"
	if v, ok := ctx.State.Get(ev.Account); ok {
		if old, ok := policyFrom(v); ok {
			prev, against = old, "previous policy"
		}
	}
	ctx.State.Put(ev.Account, now)
	changes, names := weakened(prev, now)
	if len(changes) == 0 {
		return nil
	}
	f := passwordFinding(ev, "weakened")
	f.Severity = severityFor(len(changes))
	f.Description += " Compared with the " + against + ": " + strings.Join(changes, "; ") + "."
	f.Service.AdditionalInfo = detect.Info(map[string]any{"weakenedSettings": names, "comparedWith": against})
	return []finding.Finding{f}
}

// passwordFinding is the finding for a policy that was weakened or deleted.
func passwordFinding(ev *event.Event, what string) finding.Finding {
	f := detect.APICallFinding(TypePasswordPolicyChange, ev, map[string]string{resPasswordPolicy: ev.Account})
	f.Title = "Password policy for account " + ev.Account + " was " + what + "."
	f.Description = "The password policy of account " + ev.Account + " was " + what + " by " +
		detect.Caller(ev.Actor) + " calling " + ev.API.Name + detect.From(ev) + "."
	return f
}
