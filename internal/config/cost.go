package config

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Cost configures how Vigil prices its work as GuardDuty would ("vigil
// cost estimate", the usage page).
//
//	cost:
//	  free_trial: true          # show the 30-day free trial as an allowance
//	  free_tier: true           # show the Malware Protection for S3 free tier
//	  monitored:                # what Vigil cannot count itself
//	    ap-northeast-1: {runtime_vcpus: 64, rds_vcpus: 8, rds_acus: 2}
//	  prices:                   # replace a dimension's whole tier ladder
//	    ap-northeast-1:
//	      S3DataEvents:
//	        - {up_to: 500, usd: 0.94}   # per 1M events, first 500M a month
//	        - {usd: 0.47}               # the rest
type Cost struct {
	// FreeTrial shows GuardDuty's 30-day free trial as an allowance line
	// (never subtracted from the list-price total).
	FreeTrial bool `yaml:"free_trial"`
	// FreeTier shows the 12-month free tier of Malware Protection for S3
	// (1 GB and 1,000 objects a month) as an allowance line.
	FreeTier bool `yaml:"free_tier"`
	// Monitored gives, per region, the resources GuardDuty bills by size
	// rather than by traffic: vCPUs under Runtime Monitoring, provisioned
	// RDS vCPUs and Aurora Serverless ACUs (monthly averages).
	Monitored map[string]CostMonitored `yaml:"monitored"`
	// Prices override the built-in price table: region → dimension (as
	// in internal/cost, such as "FlowLogBytes") → tiers. An override
	// replaces that dimension's whole ladder; a region not in the table is
	// added.
	Prices map[string]map[string][]CostTier `yaml:"prices"`
}

// CostMonitored is the size of what GuardDuty bills per vCPU or ACU.
type CostMonitored struct {
	RuntimeVCPUs float64 `yaml:"runtime_vcpus"`
	RDSVCPUs     float64 `yaml:"rds_vcpus"`
	RDSACUs      float64 `yaml:"rds_acus"`
}

// CostTier is one step of a price ladder. UpTo is the cumulative monthly
// quantity, in the dimension's billing unit (GB, 1M events, 1,000
// objects, vCPU-month), at which the tier ends; 0 means no end and is
// allowed only on the last tier. USD is the price per billing unit as a
// plain decimal (at most 9 decimals), kept as text so it stays exact.
type CostTier struct {
	UpTo float64 `yaml:"up_to"`
	USD  string  `yaml:"usd"`
}

// CostDimensions lists the dimension names a price override may name.
// DNSLogBytes is absent: DNS logs are billed on FlowLogBytes' ladder.
// internal/cost's tests keep this list equal to its own.
func CostDimensions() []string {
	return []string{"CloudTrailEvents", "S3DataEvents", "EKSAuditEvents", "FlowLogBytes", "LambdaNetworkBytes",
		"S3MalwareBytes", "S3MalwareObjects", "EBSMalwareBytes", "RuntimeVCPUHours", "RDSVCPUHours", "RDSACUHours"}
}

var decimalRe = regexp.MustCompile(`^[0-9]{1,9}(\.[0-9]{1,9})?$`)

// ValidCostUSD reports whether s is a price Vigil accepts: a plain
// non-negative decimal with at most 9 digits before and after the point.
func ValidCostUSD(s string) bool { return decimalRe.MatchString(s) }

// Validate checks the cost section and returns every problem found.
func (c *Cost) Validate() error {
	var errs []error
	for _, region := range sortedKeys(c.Monitored) {
		m := c.Monitored[region]
		if !regionRe.MatchString(region) {
			errs = append(errs, fmt.Errorf("cost.monitored: %q is not a region name", region))
		}
		for name, v := range map[string]float64{"runtime_vcpus": m.RuntimeVCPUs, "rds_vcpus": m.RDSVCPUs, "rds_acus": m.RDSACUs} {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				errs = append(errs, fmt.Errorf("cost.monitored.%s.%s: %v is not a count", region, name, v))
			}
		}
	}
	for _, region := range sortedKeys(c.Prices) {
		if !regionRe.MatchString(region) {
			errs = append(errs, fmt.Errorf("cost.prices: %q is not a region name", region))
		}
		dims := c.Prices[region]
		for _, dim := range sortedKeys(dims) {
			errs = append(errs, validateLadder(fmt.Sprintf("cost.prices.%s.%s", region, dim), dim, dims[dim])...)
		}
	}
	return errors.Join(errs...)
}

func validateLadder(where, dim string, tiers []CostTier) []error {
	var errs []error
	switch {
	case dim == "DNSLogBytes":
		return []error{fmt.Errorf("%s: DNS logs are billed on FlowLogBytes' ladder; override FlowLogBytes", where)}
	case !slices.Contains(CostDimensions(), dim):
		return []error{fmt.Errorf("%s: unknown dimension; want one of %s", where, strings.Join(CostDimensions(), ", "))}
	case len(tiers) == 0:
		return []error{fmt.Errorf("%s: no tiers", where)}
	}
	prev := 0.0
	for i, t := range tiers {
		at := fmt.Sprintf("%s[%d]", where, i)
		if !ValidCostUSD(t.USD) {
			errs = append(errs, fmt.Errorf("%s.usd: %q is not a plain decimal price such as 0.1185", at, t.USD))
		}
		last := i == len(tiers)-1
		switch {
		case math.IsNaN(t.UpTo) || math.IsInf(t.UpTo, 0) || t.UpTo < 0:
			errs = append(errs, fmt.Errorf("%s.up_to: %v is not a quantity", at, t.UpTo))
		case last && t.UpTo != 0:
			errs = append(errs, fmt.Errorf("%s.up_to: the last tier has no end; leave up_to out", at))
		case !last && t.UpTo <= prev:
			errs = append(errs, fmt.Errorf("%s.up_to: %v does not rise above the tier before (%v)", at, t.UpTo, prev))
		}
		prev = t.UpTo
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
