package iam

import (
	"fmt"

	json "github.com/goccy/go-json"

	"github.com/vigil-sec/vigil/internal/detect"
)

// passwordPolicy is an account password policy, the detector's state per
// account. MaxPasswordAge 0 means passwords never expire.
type passwordPolicy struct {
	MinimumPasswordLength      int  `json:"minimumPasswordLength"`
	RequireSymbols             bool `json:"requireSymbols"`
	RequireNumbers             bool `json:"requireNumbers"`
	RequireUppercaseCharacters bool `json:"requireUppercaseCharacters"`
	RequireLowercaseCharacters bool `json:"requireLowercaseCharacters"`
	PasswordReusePrevention    int  `json:"passwordReusePrevention"`
	MaxPasswordAge             int  `json:"maxPasswordAge"`
}

// baseline is what a policy is compared with when no earlier policy of the
// account has been seen (CIS-style recommendations).
var baseline = passwordPolicy{14, true, true, true, true, 24, 90}

// policyParams are UpdateAccountPasswordPolicy's parameters; an omitted
// setting takes AWS's default (length 8, nothing required, no reuse
// prevention, no expiry).
type policyParams struct {
	MinimumPasswordLength      *detect.Int `json:"minimumPasswordLength"`
	RequireSymbols             detect.Bool `json:"requireSymbols"`
	RequireNumbers             detect.Bool `json:"requireNumbers"`
	RequireUppercaseCharacters detect.Bool `json:"requireUppercaseCharacters"`
	RequireLowercaseCharacters detect.Bool `json:"requireLowercaseCharacters"`
	PasswordReusePrevention    detect.Int  `json:"passwordReusePrevention"`
	MaxPasswordAge             detect.Int  `json:"maxPasswordAge"`
}

func (p *policyParams) policy() passwordPolicy {
	length := 8
	if p.MinimumPasswordLength != nil {
		length = int(*p.MinimumPasswordLength)
	}
	return passwordPolicy{length, bool(p.RequireSymbols), bool(p.RequireNumbers), bool(p.RequireUppercaseCharacters),
		bool(p.RequireLowercaseCharacters), int(p.PasswordReusePrevention), int(p.MaxPasswordAge)}
}

// weakened lists the settings of now that are weaker than in prev, as
// phrases and as setting names.
func weakened(prev, now passwordPolicy) (changes, names []string) {
	add := func(name, change string) {
		names = append(names, name)
		changes = append(changes, name+" "+change)
	}
	if now.MinimumPasswordLength < prev.MinimumPasswordLength {
		add("minimumPasswordLength", fmt.Sprintf("lowered from %d to %d", prev.MinimumPasswordLength, now.MinimumPasswordLength))
	}
	for _, r := range []struct {
		name    string
		was, is bool
	}{
		{"requireSymbols", prev.RequireSymbols, now.RequireSymbols},
		{"requireNumbers", prev.RequireNumbers, now.RequireNumbers},
		{"requireUppercaseCharacters", prev.RequireUppercaseCharacters, now.RequireUppercaseCharacters},
		{"requireLowercaseCharacters", prev.RequireLowercaseCharacters, now.RequireLowercaseCharacters},
	} {
		if r.was && !r.is {
			add(r.name, "turned off")
		}
	}
	if now.PasswordReusePrevention < prev.PasswordReusePrevention {
		add("passwordReusePrevention", fmt.Sprintf("lowered from %d to %d", prev.PasswordReusePrevention, now.PasswordReusePrevention))
	}
	if prev.MaxPasswordAge > 0 && (now.MaxPasswordAge == 0 || now.MaxPasswordAge > prev.MaxPasswordAge) {
		to := "no expiry"
		if now.MaxPasswordAge > 0 {
			to = fmt.Sprintf("%d days", now.MaxPasswordAge)
		}
		add("maxPasswordAge", fmt.Sprintf("raised from %d days to %s", prev.MaxPasswordAge, to))
	}
	return changes, names
}

// severityDeleted is the severity of a deleted password policy.
const severityDeleted = 7

// severityFor maps the number of weakened settings to a severity.
func severityFor(n int) float64 {
	switch {
	case n >= 4:
		return 7
	case n >= 2:
		return 5
	}
	return 2
}

// decodePolicy restores a snapshotted state value.
func decodePolicy(raw json.RawMessage) (any, error) {
	var p passwordPolicy
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	return p, nil
}

// policyFrom accepts a stored policy whatever form a restored snapshot
// left it in (the value itself, raw JSON or a generic map).
func policyFrom(v any) (passwordPolicy, bool) {
	switch p := v.(type) {
	case passwordPolicy:
		return p, true
	case *passwordPolicy:
		return *p, p != nil
	}
	raw, ok := v.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return passwordPolicy{}, false
		}
	}
	var p passwordPolicy
	return p, json.Unmarshal(raw, &p) == nil
}
