// Package cost accounts for the work Vigil does and prices it as GuardDuty
// would: usage dimensions, dated price tables per region with tiers, and
// estimates for a month — from given quantities, from a bucket's listing
// or S3 Inventory report, or from the usage Vigil recorded.
//
// It only reads: it never writes to a bucket or a store, and it never
// presents a partial estimate — bad input, an unpriced dimension or a
// failed listing is an error with no total.
package cost

// Dimension is one metered kind of work, named after GuardDuty's usage
// metrics. Amounts are in the dimension's Unit.
type Dimension string

// The usage dimensions.
const (
	CloudTrailEvents   Dimension = "CloudTrailEvents"   // management events analysed (events)
	FlowLogBytes       Dimension = "FlowLogBytes"       // VPC flow log bytes analysed (bytes)
	DNSLogBytes        Dimension = "DNSLogBytes"        // DNS query log bytes analysed (bytes)
	S3DataEvents       Dimension = "S3DataEvents"       // CloudTrail S3 data events analysed (events)
	EKSAuditEvents     Dimension = "EKSAuditEvents"     // EKS audit log events analysed (events)
	LambdaNetworkBytes Dimension = "LambdaNetworkBytes" // Lambda network activity bytes analysed (bytes)
	S3MalwareBytes     Dimension = "S3MalwareBytes"     // Malware Protection for S3: bytes scanned (bytes)
	S3MalwareObjects   Dimension = "S3MalwareObjects"   // Malware Protection for S3: objects evaluated (objects)
	EBSMalwareBytes    Dimension = "EBSMalwareBytes"    // volume (EBS) malware scan bytes (bytes)
	RuntimeVCPUHours   Dimension = "RuntimeVCPUHours"   // Runtime Monitoring, monitored vCPU-hours (from configuration)
	RDSVCPUHours       Dimension = "RDSVCPUHours"       // RDS Protection, provisioned vCPU-hours (from configuration)
	RDSACUHours        Dimension = "RDSACUHours"        // RDS Protection, Aurora Serverless ACU-hours (from configuration)
)

// Unit returns the unit amounts of d are counted in: "events", "bytes",
// "objects" or "vcpu-hours"/"acu-hours".
func (d Dimension) Unit() string {
	switch d {
	case CloudTrailEvents, S3DataEvents, EKSAuditEvents:
		return "events"
	case FlowLogBytes, DNSLogBytes, LambdaNetworkBytes, S3MalwareBytes, EBSMalwareBytes:
		return "bytes"
	case S3MalwareObjects:
		return "objects"
	case RuntimeVCPUHours, RDSVCPUHours:
		return "vcpu-hours"
	case RDSACUHours:
		return "acu-hours"
	}
	return ""
}

// Dimensions lists every dimension in display order.
func Dimensions() []Dimension {
	return []Dimension{CloudTrailEvents, S3DataEvents, EKSAuditEvents, FlowLogBytes, DNSLogBytes, LambdaNetworkBytes,
		S3MalwareBytes, S3MalwareObjects, EBSMalwareBytes, RuntimeVCPUHours, RDSVCPUHours, RDSACUHours}
}
