package api

import (
	"cmp"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/vigil-sec/vigil/internal/cost"
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/store"
)

// GetUsageStatistics reports what the last 30 days of Vigil's work would
// have cost in GuardDuty: the usage recorded in the store (see
// internal/pipeline and internal/protect) plus the monitored vCPUs and
// ACUs of vigil.yaml (as if monitored for all 30 days), priced with
// UsagePricing.Price as one month per account and region (tiers apply to
// each account's region), then filtered by usageCriteria and summed as
// asked. Like GuardDuty's, the amounts are the cost so far, not projected
// to a month (the console projects); they are USD to the cent, the sum of
// per-dimension lines each rounded to the cent.
//
// Vigil keeps usage per account and region, not per instance, bucket or
// cluster: the "resources" of SUM_BY_RESOURCE and TOP_RESOURCES are the
// detector of each account and region, named by its ARN. Malware
// Protection for S3 is billed apart from a detector in GuardDuty and is
// left out here, as in GuardDuty's usage statistics; the console shows it.

// usageFeatureDims maps GuardDuty's UsageFeature names to the dimensions
// Vigil meters; features Vigil does not meter are valid and empty.
var usageFeatureDims = map[string]cost.Dimension{
	"FLOW_LOGS": cost.FlowLogBytes, "CLOUD_TRAIL": cost.CloudTrailEvents, "DNS_LOGS": cost.DNSLogBytes,
	"S3_DATA_EVENTS": cost.S3DataEvents, "EKS_AUDIT_LOGS": cost.EKSAuditEvents, "EBS_MALWARE_PROTECTION": cost.EBSMalwareBytes,
	"LAMBDA_NETWORK_LOGS": cost.LambdaNetworkBytes, "EC2_RUNTIME_MONITORING": cost.RuntimeVCPUHours,
	"RDS_DBI_PROTECTION_PROVISIONED": cost.RDSVCPUHours, "RDS_DBI_PROTECTION_SERVERLESS": cost.RDSACUHours,
	"RDS_LOGIN_EVENTS": "", "EKS_RUNTIME_MONITORING": "", "FARGATE_RUNTIME_MONITORING": "", "RDS_DBI_PROTECTION_LIMITLESS": "",
	"RDS_DATA_ACTIVITY_DBI_PROTECTION_PROVISIONED": "", "RDS_DATA_ACTIVITY_DBI_PROTECTION_SERVERLESS": "",
	"RDS_DATA_ACTIVITY_DBI_PROTECTION_LIMITLESS": "", "AI_PROTECTION": "",
}

// usageDataSourceDims maps the legacy DataSource names to dimensions.
var usageDataSourceDims = map[string]cost.Dimension{
	"FLOW_LOGS": cost.FlowLogBytes, "CLOUD_TRAIL": cost.CloudTrailEvents, "DNS_LOGS": cost.DNSLogBytes,
	"S3_LOGS": cost.S3DataEvents, "KUBERNETES_AUDIT_LOGS": cost.EKSAuditEvents, "EC2_MALWARE_SCAN": cost.EBSMalwareBytes,
}

// The statistic types and the response member each fills.
var usageStatisticFields = map[string]string{
	"SUM_BY_ACCOUNT": "sumByAccount", "SUM_BY_DATA_SOURCE": "sumByDataSource", "SUM_BY_RESOURCE": "sumByResource",
	"TOP_RESOURCES": "topResources", "SUM_BY_FEATURES": "sumByFeature", "TOP_ACCOUNTS_BY_FEATURE": "topAccountsByFeature",
}

var accountIDRe = regexp.MustCompile(`^[0-9]{12}$`)

type usageInput struct {
	Type     string         `json:"usageStatisticsType"`
	Criteria *usageCriteria `json:"usageCriteria"`
	Unit     *string        `json:"unit"`
	Max      *int           `json:"maxResults"`
	Next     string         `json:"nextToken"`
}

type usageCriteria struct {
	AccountIDs  []string `json:"accountIds"`
	DataSources []string `json:"dataSources"`
	Resources   []string `json:"resources"`
	Features    []string `json:"features"`
}

type usageTotal struct {
	Amount string `json:"amount"`
	Unit   string `json:"unit"`
}

// usageSum is one row of a statistic: a key and its cost.
type usageSum struct {
	key string
	usd float64
}

func (s *Server) usageRoutes() []route {
	return []route{{op: "GetUsageStatistics", pattern: "POST /detector/{detectorId}/usage/statistics", h: s.usageStatistics}}
}

func (s *Server) usageStatistics(r *http.Request) (any, error) {
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	var in usageInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	field, size, err := checkUsageInput(&in)
	if err != nil {
		return nil, err
	}
	us, ok := storeAs[store.UsageStore](s.opts.Store)
	if !ok {
		return nil, badRequest("this Vigil store does not keep usage")
	}
	from, to := UsageWindowAt(s.opts.Now())
	recs, err := us.ListUsage(r.Context(), from, to)
	if err != nil {
		return nil, err
	}
	costs, err := s.usagePricing().Price(recs, 1, UsageWindow*24)
	if err != nil {
		return nil, err
	}
	costs = slices.DeleteFunc(costs, func(c UsageCost) bool { return !s.usageMatches(c, in.Criteria) })
	rows := s.usageRows(in.Type, costs)
	from0 := 0
	if in.Next != "" {
		n, err := strconv.Atoi(in.Next)
		if err != nil || n < 0 {
			return nil, badRequest("nextToken %q is not valid (it comes from the previous response)", in.Next)
		}
		from0 = min(n, len(rows))
	}
	end := min(from0+size, len(rows))
	resp := map[string]any{"usageStatistics": map[string]any{field: rows[from0:end]}}
	if end < len(rows) {
		resp["nextToken"] = strconv.Itoa(end)
	}
	return resp, nil
}

// checkUsageInput validates the request and returns the response member
// and the page size.
func checkUsageInput(in *usageInput) (string, int, error) {
	field, ok := usageStatisticFields[in.Type]
	if !ok {
		return "", 0, badRequest("usageStatisticsType %q is not one of SUM_BY_ACCOUNT, SUM_BY_DATA_SOURCE, SUM_BY_RESOURCE, TOP_RESOURCES, SUM_BY_FEATURES, TOP_ACCOUNTS_BY_FEATURE", in.Type)
	}
	c := in.Criteria
	if c == nil {
		return "", 0, badRequest("usageCriteria is required")
	}
	for _, a := range c.AccountIDs {
		if !accountIDRe.MatchString(a) {
			return "", 0, badRequest("usageCriteria.accountIds: %q is not a 12-digit account id", a)
		}
	}
	for _, d := range c.DataSources {
		if _, ok := usageDataSourceDims[d]; !ok {
			return "", 0, badRequest("usageCriteria.dataSources: %q is not a GuardDuty data source", d)
		}
	}
	for _, f := range c.Features {
		if _, ok := usageFeatureDims[f]; !ok {
			return "", 0, badRequest("usageCriteria.features: %q is not a GuardDuty usage feature", f)
		}
	}
	if len(c.AccountIDs) > 50 || len(c.Resources) > 50 {
		return "", 0, badRequest("usageCriteria: at most 50 accountIds and 50 resources")
	}
	if in.Unit != nil && *in.Unit != "USD" {
		return "", 0, badRequest("unit %q: the only unit is USD", *in.Unit)
	}
	size := 50
	if in.Max != nil {
		if *in.Max < 1 || *in.Max > 50 {
			return "", 0, badRequest("maxResults %d is not from 1 to 50", *in.Max)
		}
		size = *in.Max
	}
	return field, size, nil
}

// usageMatches applies the criteria to one cost: each non-empty list
// must contain the cost's account, data source, feature or resource.
func (s *Server) usageMatches(c UsageCost, crit *usageCriteria) bool {
	if c.Dimension == cost.S3MalwareBytes || c.Dimension == cost.S3MalwareObjects {
		return false // billed apart from a detector
	}
	if len(crit.AccountIDs) > 0 && !slices.Contains(crit.AccountIDs, c.Account) {
		return false
	}
	if len(crit.Resources) > 0 && !slices.Contains(crit.Resources, s.usageResource(c)) {
		return false
	}
	in := func(names []string, dims map[string]cost.Dimension) bool {
		return slices.ContainsFunc(names, func(n string) bool { return dims[n] == c.Dimension })
	}
	if len(crit.DataSources) > 0 && !in(crit.DataSources, usageDataSourceDims) {
		return false
	}
	return len(crit.Features) == 0 || in(crit.Features, usageFeatureDims)
}

// usageResource names the resource a cost belongs to: the detector of
// its account and region.
func (s *Server) usageResource(c UsageCost) string {
	return "arn:" + detect.Partition(c.Region) + ":guardduty:" + c.Region + ":" + c.Account + ":detector/" + s.opts.DetectorID
}

// usageRows sums the costs as the statistic type asks.
func (s *Server) usageRows(typ string, costs []UsageCost) []any {
	sum := func(key func(UsageCost) string) []usageSum {
		m := map[string]float64{}
		for _, c := range costs {
			if k := key(c); k != "" {
				m[k] += c.USD
			}
		}
		out := make([]usageSum, 0, len(m))
		for k, v := range m {
			out = append(out, usageSum{k, v})
		}
		slices.SortFunc(out, func(a, b usageSum) int { return strings.Compare(a.key, b.key) })
		return out
	}
	account := func(c UsageCost) string { return c.Account }
	feature := func(c UsageCost) string { return featureOf(c.Dimension) }
	switch typ {
	case "SUM_BY_ACCOUNT":
		return rowsOf(sum(account), func(u usageSum, t usageTotal) any { return map[string]any{"accountId": u.key, "total": t} })
	case "SUM_BY_DATA_SOURCE":
		return rowsOf(sum(func(c UsageCost) string { return dataSourceOf(c.Dimension) }),
			func(u usageSum, t usageTotal) any { return map[string]any{"dataSource": u.key, "total": t} })
	case "SUM_BY_RESOURCE", "TOP_RESOURCES":
		rows := sum(s.usageResource)
		if typ == "TOP_RESOURCES" {
			byCost(rows)
		}
		return rowsOf(rows, func(u usageSum, t usageTotal) any { return map[string]any{"resource": u.key, "total": t} })
	case "SUM_BY_FEATURES":
		return rowsOf(sum(feature), func(u usageSum, t usageTotal) any { return map[string]any{"feature": u.key, "total": t} })
	}
	// TOP_ACCOUNTS_BY_FEATURE: per feature, its accounts, most costly first.
	var out []any
	for _, f := range sum(feature) {
		accounts := sum(func(c UsageCost) string {
			if featureOf(c.Dimension) != f.key {
				return ""
			}
			return c.Account
		})
		byCost(accounts)
		out = append(out, map[string]any{"feature": f.key, "accounts": rowsOf(accounts,
			func(u usageSum, t usageTotal) any { return map[string]any{"accountId": u.key, "total": t} })})
	}
	return orEmptySlice(out)
}

func rowsOf(sums []usageSum, row func(usageSum, usageTotal) any) []any {
	out := make([]any, len(sums))
	for i, u := range sums {
		out[i] = row(u, usageTotal{Amount: formatUSD(u.usd), Unit: "USD"})
	}
	return out
}

// byCost orders rows most costly first, then by key.
func byCost(rows []usageSum) {
	slices.SortStableFunc(rows, func(a, b usageSum) int { return cmp.Compare(cents(b.usd), cents(a.usd)) })
}

func orEmptySlice(s []any) []any {
	if s == nil {
		return []any{}
	}
	return s
}

func cents(usd float64) int64 { return int64(math.Round(usd * 100)) }

// formatUSD writes a sum of cent amounts as dollars and cents.
func formatUSD(usd float64) string {
	c := cents(usd)
	return strconv.FormatInt(c/100, 10) + "." + strconv.FormatInt(100+c%100, 10)[1:]
}

func featureOf(d cost.Dimension) string { return keyOf(usageFeatureDims, d) }

func dataSourceOf(d cost.Dimension) string { return keyOf(usageDataSourceDims, d) }

func keyOf(m map[string]cost.Dimension, d cost.Dimension) string {
	for k, v := range m {
		if v == d && v != "" {
			return k
		}
	}
	return ""
}

// builtinPrices is the built-in price table, parsed once and never
// changed.
var builtinPrices = sync.OnceValue(cost.DefaultPrices)

// usagePricing returns the pricing of usage statistics.
func (s *Server) usagePricing() *UsagePricing {
	p := UsagePricing{}
	if s.opts.Pricing != nil {
		p = *s.opts.Pricing
	}
	if p.Prices == nil {
		p.Prices = builtinPrices()
	}
	if p.Account == "" {
		p.Account = s.opts.AccountID
	}
	return &p
}
