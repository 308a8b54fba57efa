package protect

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// PostScanAction is what a plan does with an object in which threats were
// found, after tagging it.
type PostScanAction string

// Post-scan actions.
const (
	ActionNone       PostScanAction = "none"
	ActionQuarantine PostScanAction = "quarantine" // copy to the quarantine bucket, then delete
	ActionDelete     PostScanAction = "delete"
)

// Defaults of the identity Vigil reports in ARNs, events and findings.
const (
	DefaultAccountID = "000000000000"
	DefaultRegion    = "us-east-1"
	// MaxPrefixes is GuardDuty's limit of object prefixes per plan.
	MaxPrefixes = 5
)

// Plan is a Malware Protection plan: which objects of one bucket are
// scanned, and what is done with the results.
type Plan struct {
	ID     string
	Bucket string
	// Prefixes limit the plan to keys starting with one of them (at most
	// 5); none protects the whole bucket.
	Prefixes []string
	// Tagging writes GuardDutyMalwareScanStatus=<result> on each scanned
	// object (New's callers usually default it to true, as the config does).
	Tagging          bool
	PostScanAction   PostScanAction // "" is ActionNone
	QuarantineBucket string
	QuarantinePrefix string // prepended to the key of a quarantined object
	// KeyDecoding is how the bucket's server encodes keys in event
	// notifications; see CommonKeyDecoding.
	KeyDecoding KeyDecoding
	// PollInterval, when positive, makes the Poller list the plan's
	// prefixes at this interval (for servers without notifications).
	PollInterval time.Duration
}

var planIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Validate checks the plan on its own; New also checks plans against each
// other.
func (p *Plan) Validate() error {
	var errs []error
	if !planIDRe.MatchString(p.ID) {
		errs = append(errs, fmt.Errorf("id %q: want 1-64 letters, digits, '.', '_' or '-'", p.ID))
	}
	if p.Bucket == "" {
		errs = append(errs, errors.New("no bucket"))
	}
	if len(p.Prefixes) > MaxPrefixes {
		errs = append(errs, fmt.Errorf("%d prefixes, at most %d", len(p.Prefixes), MaxPrefixes))
	}
	for _, pre := range p.Prefixes {
		if pre == "" {
			errs = append(errs, errors.New("an empty prefix (omit prefixes to protect the whole bucket)"))
		}
	}
	switch p.PostScanAction {
	case "", ActionNone, ActionDelete:
	case ActionQuarantine:
		if p.QuarantineBucket == "" {
			errs = append(errs, errors.New("quarantine without a quarantine bucket"))
		}
	default:
		errs = append(errs, fmt.Errorf("post-scan action %q: want none, quarantine or delete", p.PostScanAction))
	}
	if p.PollInterval < 0 {
		errs = append(errs, errors.New("negative poll interval"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("plan %s: %w", p.ID, err)
	}
	return nil
}

// Matches reports whether the plan covers the object.
func (p *Plan) Matches(bucket, key string) bool {
	if bucket != p.Bucket {
		return false
	}
	if len(p.Prefixes) == 0 {
		return true
	}
	for _, pre := range p.Prefixes {
		if strings.HasPrefix(key, pre) {
			return true
		}
	}
	return false
}

// covers reports whether some object whose key starts with prefix may be
// covered by the plan.
func (p *Plan) covers(bucket, prefix string) bool {
	if bucket != p.Bucket {
		return false
	}
	if len(p.Prefixes) == 0 {
		return true
	}
	for _, pre := range p.Prefixes {
		if strings.HasPrefix(prefix, pre) || strings.HasPrefix(pre, prefix) {
			return true
		}
	}
	return false
}

// PlanARN returns GuardDuty's ARN of a Malware Protection plan.
func PlanARN(partition, region, account, id string) string {
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":guardduty:" + region + ":" + account + ":malware-protection-plan/" + id
}

// checkPlans validates the plans and their relations: one plan per bucket,
// unique ids, and no quarantine destination covered by a plan (a
// quarantined copy would be scanned and quarantined again, for ever).
func checkPlans(plans []Plan) error {
	var errs []error
	ids, buckets := map[string]bool{}, map[string]bool{}
	for i := range plans {
		p := &plans[i]
		if err := p.Validate(); err != nil {
			errs = append(errs, err)
		}
		if ids[p.ID] {
			errs = append(errs, fmt.Errorf("plan %s: id used twice", p.ID))
		}
		if buckets[p.Bucket] {
			errs = append(errs, fmt.Errorf("plan %s: bucket %s has another plan (one plan per bucket)", p.ID, p.Bucket))
		}
		ids[p.ID], buckets[p.Bucket] = true, true
	}
	for i := range plans {
		if plans[i].PostScanAction != ActionQuarantine {
			continue
		}
		for j := range plans {
			if plans[j].covers(plans[i].QuarantineBucket, plans[i].QuarantinePrefix) {
				errs = append(errs, fmt.Errorf("plan %s: quarantine destination s3://%s/%s is protected by plan %s; quarantined objects would be scanned again",
					plans[i].ID, plans[i].QuarantineBucket, plans[i].QuarantinePrefix, plans[j].ID))
			}
		}
	}
	return errors.Join(errs...)
}

// CommonKeyDecoding returns the key decoding of the plans, for a
// notification endpoint (webhook, queue) that serves all of them: keys are
// encoded by the server that sends the notifications, so plans fed by one
// endpoint must agree. No plans means KeyURLEncoded.
func CommonKeyDecoding(plans []Plan) (KeyDecoding, error) {
	if len(plans) == 0 {
		return KeyURLEncoded, nil
	}
	dec := plans[0].KeyDecoding
	for _, p := range plans[1:] {
		if p.KeyDecoding != dec {
			return dec, fmt.Errorf("plans %s and %s disagree on key decoding; give each notification endpoint the plans of one server",
				plans[0].ID, p.ID)
		}
	}
	return dec, nil
}
