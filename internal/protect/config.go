package protect

import (
	"fmt"

	"github.com/vigil-sec/vigil/internal/config"
)

// PlansFromConfig returns the plans of the malware_protection section
// (defaults already filled by config.Parse).
func PlansFromConfig(c config.MalwareProtection) ([]Plan, error) {
	plans := make([]Plan, 0, len(c.Plans))
	for i, cp := range c.Plans {
		dec, err := ParseKeyDecoding(cp.KeyDecoding)
		if err != nil {
			return nil, fmt.Errorf("malware_protection.plans[%d]: %w", i, err)
		}
		plans = append(plans, Plan{
			ID: cp.ID, Bucket: cp.Bucket, Prefixes: cp.Prefixes, Tagging: cp.Tagging == nil || *cp.Tagging,
			PostScanAction: PostScanAction(cp.PostScanAction), QuarantineBucket: cp.QuarantineBucket,
			QuarantinePrefix: cp.QuarantinePrefix, KeyDecoding: dec, PollInterval: cp.PollInterval,
		})
	}
	if err := checkPlans(plans); err != nil {
		return nil, err
	}
	return plans, nil
}
