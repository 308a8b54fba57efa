package cost

// Billing units. GuardDuty prices each dimension per a larger unit than
// the one Vigil counts in: these are the conversions.
const (
	// BytesPerGB is the size of the GB prices are quoted in: decimal,
	// 10^9 bytes. (GuardDuty does not say; a GiB would make every
	// byte-priced line 7.4% dearer.)
	BytesPerGB = 1e9
	// HoursPerMonth turns vCPU-hours and ACU-hours into the vCPU-months
	// and ACU-months GuardDuty prices: AWS's 730-hour month.
	HoursPerMonth = 730
	// DaysPerMonth is the month estimates project to.
	DaysPerMonth = 30
)

// BillingUnit describes how a dimension is priced.
type BillingUnit struct {
	Name string  // as printed after a quantity: "GB", "1M events", "1,000 objects", "vCPU-month"
	Size float64 // amounts of the dimension's Unit in one billing unit
}

// Billing returns the unit d is priced in.
func (d Dimension) Billing() BillingUnit {
	switch d {
	case CloudTrailEvents, S3DataEvents, EKSAuditEvents:
		return BillingUnit{"1M events", 1e6}
	case FlowLogBytes, DNSLogBytes, LambdaNetworkBytes, S3MalwareBytes, EBSMalwareBytes:
		return BillingUnit{"GB", BytesPerGB}
	case S3MalwareObjects:
		return BillingUnit{"1,000 objects", 1000}
	case RuntimeVCPUHours, RDSVCPUHours:
		return BillingUnit{"vCPU-month", HoursPerMonth}
	case RDSACUHours:
		return BillingUnit{"ACU-month", HoursPerMonth}
	}
	return BillingUnit{}
}

// Plan names the protection plan and item a dimension is billed under,
// as estimates print it.
func (d Dimension) Plan() string {
	switch d {
	case CloudTrailEvents:
		return "Foundational: CloudTrail management events"
	case FlowLogBytes:
		return "Foundational: VPC flow logs"
	case DNSLogBytes:
		return "Foundational: DNS query logs"
	case S3DataEvents:
		return "S3 Protection: S3 data events"
	case EKSAuditEvents:
		return "EKS Protection: EKS audit logs"
	case LambdaNetworkBytes:
		return "Lambda Protection: network activity logs"
	case S3MalwareBytes:
		return "Malware Protection for S3: GB scanned"
	case S3MalwareObjects:
		return "Malware Protection for S3: objects evaluated"
	case EBSMalwareBytes:
		return "Malware Protection for EC2: GB scanned"
	case RuntimeVCPUHours:
		return "Runtime Monitoring: monitored vCPUs"
	case RDSVCPUHours:
		return "RDS Protection: provisioned vCPUs"
	case RDSACUHours:
		return "RDS Protection: Aurora Serverless ACUs"
	}
	return string(d)
}

// ladder returns the dimension whose price ladder d is billed on: DNS
// query logs share the flow logs' one (GuardDuty's single "VPC flow logs
// and DNS query logs" item), every other dimension has its own.
func (d Dimension) ladder() Dimension {
	if d == DNSLogBytes {
		return FlowLogBytes
	}
	return d
}

// valid reports whether d is one of Dimensions.
func (d Dimension) valid() bool { return d.Unit() != "" }
