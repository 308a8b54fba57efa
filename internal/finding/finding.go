// Package finding is the GuardDuty finding model: the JSON schema field for
// field (camelCase wire names as in the AWS SDK's service/guardduty types),
// severity bands, stable ids from aggregation keys, and merging of repeated
// activity into one finding.
//
// It depends on nothing in the project but internal/event and must never
// perform I/O: stores, notifiers and the API use it.
package finding

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"time"
)

// SchemaVersion is the GuardDuty finding schema version Vigil writes.
const SchemaVersion = "2.0"

// Finding is a GuardDuty finding.
type Finding struct {
	AccountID     string   `json:"accountId"`
	Arn           string   `json:"arn"`
	Confidence    *float64 `json:"confidence,omitempty"`
	CreatedAt     Time     `json:"createdAt"`
	Description   string   `json:"description"`
	ID            string   `json:"id"`
	Partition     string   `json:"partition"`
	Region        string   `json:"region"`
	Resource      Resource `json:"resource"`
	SchemaVersion string   `json:"schemaVersion"`
	Service       Service  `json:"service"`
	Severity      float64  `json:"severity"`
	Title         string   `json:"title"`
	Type          string   `json:"type"`
	UpdatedAt     Time     `json:"updatedAt"`

	// AggregationKey identifies "the same activity" within a finding type.
	// Detectors set it; the id is derived from it. Not part of the wire format.
	AggregationKey string `json:"-"`
}

// Time is a timestamp that marshals as GuardDuty does: ISO-8601 in UTC
// with milliseconds, such as "2019-10-04T03:29:05.958Z".
type Time struct{ time.Time }

// TimeFormat is the wire format of Time.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// At returns t as a finding Time, in UTC, truncated to milliseconds.
func At(t time.Time) Time { return Time{t.UTC().Truncate(time.Millisecond)} }

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`null`), nil
	}
	b := make([]byte, 0, len(TimeFormat)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, TimeFormat)
	return append(b, '"'), nil
}

// EpochTime is a time GuardDuty's API sends as a JSON number of seconds
// since the epoch (the REST-JSON default), such as
// s3BucketDetails[].createdAt = 1513612691.551; the SDKs refuse a string
// there.
type EpochTime struct{ time.Time }

// MarshalJSON implements json.Marshaler: seconds with milliseconds.
func (t EpochTime) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`null`), nil
	}
	ms := t.UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler; it accepts seconds since the
// epoch, and the RFC 3339 strings older Vigil versions stored.
func (t *EpochTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = EpochTime{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var tt Time
		if err := tt.UnmarshalJSON(b); err != nil {
			return err
		}
		*t = EpochTime{tt.Time}
		return nil
	}
	sec, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(sec) || math.IsInf(sec, 0) || math.Abs(sec) > 1e11 {
		return fmt.Errorf("epoch time %.40s: not a number of seconds", b)
	}
	*t = EpochTime{time.UnixMilli(int64(math.Round(sec * 1000))).UTC()}
	return nil
}

// UnmarshalJSON implements json.Unmarshaler; it accepts any RFC 3339 time.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	var tt time.Time
	if err := tt.UnmarshalJSON(b); err != nil {
		return err
	}
	*t = At(tt)
	return nil
}

// String formats t in the wire format.
func (t Time) String() string { return t.UTC().Format(TimeFormat) }

// Resource is the affected resource; exactly one detail block is set,
// matching ResourceType.
type Resource struct {
	ResourceType     string            `json:"resourceType"`
	AccessKeyDetails *AccessKeyDetails `json:"accessKeyDetails,omitempty"`
	S3BucketDetails  []S3BucketDetail  `json:"s3BucketDetails,omitempty"`
	InstanceDetails  *InstanceDetails  `json:"instanceDetails,omitempty"`
	LambdaDetails    *LambdaDetails    `json:"lambdaDetails,omitempty"`
}

// LambdaDetails describes a Lambda function.
type LambdaDetails struct {
	FunctionArn     string           `json:"functionArn,omitempty"`
	FunctionName    string           `json:"functionName,omitempty"`
	FunctionVersion string           `json:"functionVersion,omitempty"`
	Role            string           `json:"role,omitempty"`
	VpcConfig       *LambdaVpcConfig `json:"vpcConfig,omitempty"`
	Tags            []Tag            `json:"tags,omitempty"`
}

// LambdaVpcConfig is the network placement of a Lambda function.
type LambdaVpcConfig struct {
	SubnetIDs []string `json:"subnetIds,omitempty"`
	VpcID     string   `json:"vpcId,omitempty"`
}

// Resource types used by Vigil.
const (
	ResourceAccessKey = "AccessKey"
	ResourceS3Bucket  = "S3Bucket"
	ResourceInstance  = "Instance"
	ResourceS3Object  = "S3Object"
	ResourceLambda    = "Lambda"
)

// AccessKeyDetails names the credentials that performed the activity.
type AccessKeyDetails struct {
	AccessKeyID string `json:"accessKeyId,omitempty"`
	PrincipalID string `json:"principalId,omitempty"`
	UserName    string `json:"userName,omitempty"`
	UserType    string `json:"userType,omitempty"`
}

// S3BucketDetail describes a bucket involved in a finding.
type S3BucketDetail struct {
	Arn             string           `json:"arn,omitempty"`
	Name            string           `json:"name,omitempty"`
	Type            string           `json:"type,omitempty"`
	CreatedAt       *EpochTime       `json:"createdAt,omitempty"`
	Owner           *Owner           `json:"owner,omitempty"`
	Tags            []Tag            `json:"tags,omitempty"`
	PublicAccess    *PublicAccess    `json:"publicAccess,omitempty"`
	S3ObjectDetails []S3ObjectDetail `json:"s3ObjectDetails,omitempty"`
}

// S3ObjectDetail describes an object involved in a finding.
type S3ObjectDetail struct {
	ObjectArn string `json:"objectArn,omitempty"`
	Key       string `json:"key,omitempty"`
	ETag      string `json:"eTag,omitempty"`
	Hash      string `json:"hash,omitempty"`
	VersionID string `json:"versionId,omitempty"`
}

// Owner is a bucket owner.
type Owner struct {
	ID string `json:"id,omitempty"`
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// PublicAccess is the public-access summary of a bucket.
type PublicAccess struct {
	EffectivePermission     string                   `json:"effectivePermission,omitempty"`
	PermissionConfiguration *PermissionConfiguration `json:"permissionConfiguration,omitempty"`
}

// PermissionConfiguration is how a bucket's public access is configured.
type PermissionConfiguration struct {
	BucketLevelPermissions  *BucketLevelPermissions  `json:"bucketLevelPermissions,omitempty"`
	AccountLevelPermissions *AccountLevelPermissions `json:"accountLevelPermissions,omitempty"`
}

// BucketLevelPermissions are a bucket's ACL, policy and block-public-access settings.
type BucketLevelPermissions struct {
	AccessControlList *PublicReadWrite   `json:"accessControlList,omitempty"`
	BucketPolicy      *PublicReadWrite   `json:"bucketPolicy,omitempty"`
	BlockPublicAccess *BlockPublicAccess `json:"blockPublicAccess,omitempty"`
}

// AccountLevelPermissions are an account's block-public-access settings.
type AccountLevelPermissions struct {
	BlockPublicAccess *BlockPublicAccess `json:"blockPublicAccess,omitempty"`
}

// PublicReadWrite says whether an ACL or policy allows public reads or writes.
type PublicReadWrite struct {
	AllowsPublicReadAccess  bool `json:"allowsPublicReadAccess"`
	AllowsPublicWriteAccess bool `json:"allowsPublicWriteAccess"`
}

// BlockPublicAccess are S3 Block Public Access settings.
type BlockPublicAccess struct {
	IgnorePublicAcls      bool `json:"ignorePublicAcls"`
	RestrictPublicBuckets bool `json:"restrictPublicBuckets"`
	BlockPublicAcls       bool `json:"blockPublicAcls"`
	BlockPublicPolicy     bool `json:"blockPublicPolicy"`
}

// InstanceDetails describes an EC2 instance.
type InstanceDetails struct {
	InstanceID        string             `json:"instanceId,omitempty"`
	InstanceState     string             `json:"instanceState,omitempty"`
	InstanceType      string             `json:"instanceType,omitempty"`
	AvailabilityZone  string             `json:"availabilityZone,omitempty"`
	ImageID           string             `json:"imageId,omitempty"`
	NetworkInterfaces []NetworkInterface `json:"networkInterfaces,omitempty"`
	Tags              []Tag              `json:"tags,omitempty"`
}

// NetworkInterface is an instance's ENI.
type NetworkInterface struct {
	NetworkInterfaceID string   `json:"networkInterfaceId,omitempty"`
	PrivateIPAddress   string   `json:"privateIpAddress,omitempty"`
	PublicIP           string   `json:"publicIp,omitempty"`
	IPv6Addresses      []string `json:"ipv6Addresses,omitempty"`
	SubnetID           string   `json:"subnetId,omitempty"`
	VpcID              string   `json:"vpcId,omitempty"`
}

// Service is the GuardDuty-specific part of a finding.
type Service struct {
	Action         *Action         `json:"action,omitempty"`
	Evidence       *Evidence       `json:"evidence,omitempty"`
	Archived       bool            `json:"archived"`
	Count          int             `json:"count"`
	DetectorID     string          `json:"detectorId"`
	EventFirstSeen Time            `json:"eventFirstSeen"`
	EventLastSeen  Time            `json:"eventLastSeen"`
	ResourceRole   string          `json:"resourceRole"`
	ServiceName    string          `json:"serviceName"`
	UserFeedback   string          `json:"userFeedback,omitempty"`
	AdditionalInfo *AdditionalInfo `json:"additionalInfo,omitempty"`
	FeatureName    string          `json:"featureName,omitempty"`
	// MalwareScanDetails is set on malware findings (Object:S3/MaliciousFile,
	// Execution:EC2/MaliciousFile).
	MalwareScanDetails *MalwareScanDetails `json:"malwareScanDetails,omitempty"`
	// EbsVolumeScanDetails is set on findings of volume and folder scans
	// (Malware Protection for EC2).
	EbsVolumeScanDetails *EbsVolumeScanDetails `json:"ebsVolumeScanDetails,omitempty"`
}

// EbsVolumeScanDetails describes a scan of volumes or folders.
type EbsVolumeScanDetails struct {
	ScanID           string          `json:"scanId,omitempty"`
	ScanStartedAt    *EpochTime      `json:"scanStartedAt,omitempty"`
	ScanCompletedAt  *EpochTime      `json:"scanCompletedAt,omitempty"`
	TriggerFindingID string          `json:"triggerFindingId,omitempty"`
	Sources          []string        `json:"sources,omitempty"`
	ScanType         string          `json:"scanType,omitempty"` // GUARDDUTY_INITIATED, ON_DEMAND
	ScanDetections   *ScanDetections `json:"scanDetections,omitempty"`
}

// ScanDetections summarizes what a volume scan found.
type ScanDetections struct {
	ScannedItemCount             *ScannedItemCount             `json:"scannedItemCount,omitempty"`
	ThreatsDetectedItemCount     *ThreatsDetectedItemCount     `json:"threatsDetectedItemCount,omitempty"`
	HighestSeverityThreatDetails *HighestSeverityThreatDetails `json:"highestSeverityThreatDetails,omitempty"`
	ThreatDetectedByName         *ThreatDetectedByName         `json:"threatDetectedByName,omitempty"`
}

// ScannedItemCount counts what was scanned.
type ScannedItemCount struct {
	TotalGb int `json:"totalGb"`
	Files   int `json:"files"`
	Volumes int `json:"volumes"`
}

// ThreatsDetectedItemCount counts infected files.
type ThreatsDetectedItemCount struct {
	Files int `json:"files"`
}

// HighestSeverityThreatDetails names the most severe threat.
type HighestSeverityThreatDetails struct {
	Severity   string `json:"severity,omitempty"`
	ThreatName string `json:"threatName,omitempty"`
	Count      int    `json:"count"`
}

// ThreatDetectedByName groups detections by threat name (top 32).
type ThreatDetectedByName struct {
	ItemCount             int              `json:"itemCount"`
	UniqueThreatNameCount int              `json:"uniqueThreatNameCount"`
	Shortened             bool             `json:"shortened"`
	ThreatNames           []ScanThreatName `json:"threatNames,omitempty"`
}

// ScanThreatName is one threat and where it was found.
type ScanThreatName struct {
	Name      string         `json:"name,omitempty"`
	Severity  string         `json:"severity,omitempty"`
	ItemCount int            `json:"itemCount"`
	FilePaths []ScanFilePath `json:"filePaths,omitempty"`
}

// ScanFilePath is an infected file.
type ScanFilePath struct {
	FilePath  string `json:"filePath,omitempty"`
	VolumeArn string `json:"volumeArn,omitempty"`
	Hash      string `json:"hash,omitempty"`
	FileName  string `json:"fileName,omitempty"`
}

// MalwareScanDetails describes the scan behind a malware finding.
type MalwareScanDetails struct {
	Threats           []MalwareThreat `json:"threats,omitempty"`
	ScanID            string          `json:"scanId,omitempty"`
	ScanType          string          `json:"scanType,omitempty"` // GUARDDUTY_INITIATED, ON_DEMAND
	UniqueThreatCount int             `json:"uniqueThreatCount,omitempty"`
}

// MalwareThreat is one threat found by a scan.
type MalwareThreat struct {
	Name      string     `json:"name,omitempty"`
	Source    string     `json:"source,omitempty"` // the engine that found it
	Count     int        `json:"count,omitempty"`
	Hash      string     `json:"hash,omitempty"`
	ItemPaths []ItemPath `json:"itemPaths,omitempty"`
}

// ItemPath locates a threat inside the scanned object or volume.
type ItemPath struct {
	NestedItemPath string `json:"nestedItemPath,omitempty"`
	Hash           string `json:"hash,omitempty"`
}

// Resource roles.
const (
	RoleTarget = "TARGET"
	RoleActor  = "ACTOR"
)

// AdditionalInfo carries extra details as a JSON document in a string,
// as GuardDuty's ServiceAdditionalInfo does.
type AdditionalInfo struct {
	Value string `json:"value"`
	Type  string `json:"type"`
}

// Evidence is the threat intelligence that led to a finding.
type Evidence struct {
	ThreatIntelligenceDetails []ThreatIntelligenceDetail `json:"threatIntelligenceDetails,omitempty"`
}

// ThreatIntelligenceDetail names a threat list and the threats it matched.
type ThreatIntelligenceDetail struct {
	ThreatListName   string   `json:"threatListName,omitempty"`
	ThreatNames      []string `json:"threatNames,omitempty"`
	ThreatFileSha256 string   `json:"threatFileSha256,omitempty"`
}

// Action is what happened.
type Action struct {
	ActionType              string                   `json:"actionType"`
	AwsAPICallAction        *AwsAPICallAction        `json:"awsApiCallAction,omitempty"`
	NetworkConnectionAction *NetworkConnectionAction `json:"networkConnectionAction,omitempty"`
	PortProbeAction         *PortProbeAction         `json:"portProbeAction,omitempty"`
	DNSRequestAction        *DNSRequestAction        `json:"dnsRequestAction,omitempty"`
}

// Action types.
const (
	ActionAWSAPICall        = "AWS_API_CALL"
	ActionNetworkConnection = "NETWORK_CONNECTION"
	ActionPortProbe         = "PORT_PROBE"
	ActionDNSRequest        = "DNS_REQUEST"
)

// AwsAPICallAction describes an AWS API call.
type AwsAPICallAction struct {
	API                  string                `json:"api"`
	CallerType           string                `json:"callerType,omitempty"`
	DomainDetails        *DomainDetails        `json:"domainDetails,omitempty"`
	ErrorCode            string                `json:"errorCode,omitempty"`
	UserAgent            string                `json:"userAgent,omitempty"`
	RemoteIPDetails      *RemoteIPDetails      `json:"remoteIpDetails,omitempty"`
	ServiceName          string                `json:"serviceName"`
	RemoteAccountDetails *RemoteAccountDetails `json:"remoteAccountDetails,omitempty"`
	AffectedResources    map[string]string     `json:"affectedResources,omitempty"`
}

// DomainDetails names a domain (the caller's, when it called from one).
type DomainDetails struct {
	Domain string `json:"domain,omitempty"`
}

// RemoteAccountDetails is the AWS account a remote caller belongs to.
type RemoteAccountDetails struct {
	AccountID  string `json:"accountId,omitempty"`
	Affiliated bool   `json:"affiliated"`
}

// RemoteIPDetails describes the remote address and what is known of it.
type RemoteIPDetails struct {
	City         *City         `json:"city,omitempty"`
	Country      *Country      `json:"country,omitempty"`
	GeoLocation  *GeoLocation  `json:"geoLocation,omitempty"`
	IPAddressV4  string        `json:"ipAddressV4,omitempty"`
	IPAddressV6  string        `json:"ipAddressV6,omitempty"`
	Organization *Organization `json:"organization,omitempty"`
}

// City of an address.
type City struct {
	CityName string `json:"cityName,omitempty"`
}

// Country of an address.
type Country struct {
	CountryCode string `json:"countryCode,omitempty"`
	CountryName string `json:"countryName,omitempty"`
}

// GeoLocation of an address.
type GeoLocation struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Organization owning an address.
type Organization struct {
	Asn    string `json:"asn,omitempty"`
	AsnOrg string `json:"asnOrg,omitempty"`
	Isp    string `json:"isp,omitempty"`
	Org    string `json:"org,omitempty"`
}

// NetworkConnectionAction describes a network connection.
type NetworkConnectionAction struct {
	Blocked               bool             `json:"blocked"`
	ConnectionDirection   string           `json:"connectionDirection,omitempty"`
	LocalPortDetails      *PortDetails     `json:"localPortDetails,omitempty"`
	Protocol              string           `json:"protocol,omitempty"`
	LocalIPDetails        *LocalIPDetails  `json:"localIpDetails,omitempty"`
	LocalNetworkInterface string           `json:"localNetworkInterface,omitempty"`
	RemoteIPDetails       *RemoteIPDetails `json:"remoteIpDetails,omitempty"`
	RemotePortDetails     *PortDetails     `json:"remotePortDetails,omitempty"`
}

// PortDetails is a port and its well-known name.
type PortDetails struct {
	Port     int    `json:"port"`
	PortName string `json:"portName,omitempty"`
}

// LocalIPDetails is the local address of a connection.
type LocalIPDetails struct {
	IPAddressV4 string `json:"ipAddressV4,omitempty"`
	IPAddressV6 string `json:"ipAddressV6,omitempty"`
}

// PortProbeAction describes probes of local ports.
type PortProbeAction struct {
	Blocked          bool              `json:"blocked"`
	PortProbeDetails []PortProbeDetail `json:"portProbeDetails,omitempty"`
}

// PortProbeDetail is one probed port.
type PortProbeDetail struct {
	LocalPortDetails *PortDetails     `json:"localPortDetails,omitempty"`
	LocalIPDetails   *LocalIPDetails  `json:"localIpDetails,omitempty"`
	RemoteIPDetails  *RemoteIPDetails `json:"remoteIpDetails,omitempty"`
}

// DNSRequestAction describes a DNS query.
type DNSRequestAction struct {
	Domain            string `json:"domain,omitempty"`
	Protocol          string `json:"protocol,omitempty"`
	Blocked           bool   `json:"blocked"`
	DomainWithSuffix  string `json:"domainWithSuffix,omitempty"`
	VpcOwnerAccountID string `json:"vpcOwnerAccountId,omitempty"`
}

// ID returns the stable 32-hex finding id for a finding type and
// aggregation key in an account and region: the same activity always maps
// to the same id, so repeats update one finding.
func ID(account, region, typ, key string) string {
	h := sha256.New()
	for _, s := range []string{account, region, typ, key} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	sum := h.Sum(nil)
	return hex.EncodeToString(sum[:16])
}

// ARN returns the finding's ARN.
func ARN(partition, region, account, detectorID, id string) string {
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":guardduty:" + region + ":" + account + ":detector/" + detectorID + "/finding/" + id
}

// Merge folds a newer occurrence of the same finding (same id) into f, as
// GuardDuty does: the count adds up, first and last seen widen, details are
// overwritten with the latest occurrence, and a manually archived finding
// that recurs becomes current again.
func (f *Finding) Merge(newer Finding) {
	count := f.Service.Count + max(newer.Service.Count, 1)
	first, last := f.Service.EventFirstSeen, f.Service.EventLastSeen
	if !newer.Service.EventFirstSeen.IsZero() && (first.IsZero() || newer.Service.EventFirstSeen.Before(first.Time)) {
		first = newer.Service.EventFirstSeen
	}
	if newer.Service.EventLastSeen.After(last.Time) {
		last = newer.Service.EventLastSeen
	}
	created, feedback := f.CreatedAt, f.Service.UserFeedback
	updated := f.UpdatedAt
	if newer.UpdatedAt.After(updated.Time) {
		updated = newer.UpdatedAt
	}
	if !newer.Service.EventLastSeen.Before(f.Service.EventLastSeen.Time) {
		*f = newer // details of the latest occurrence win
	}
	f.CreatedAt = created
	f.UpdatedAt = updated
	f.Service.Count = count
	f.Service.EventFirstSeen = first
	f.Service.EventLastSeen = last
	f.Service.UserFeedback = feedback
	f.Service.Archived = newer.Service.Archived
}

// RemoteIPs returns every remoteIpDetails block of the finding's action,
// for enrichment; nil when it has none.
func (f *Finding) RemoteIPs() []*RemoteIPDetails {
	a := f.Service.Action
	if a == nil {
		return nil
	}
	var out []*RemoteIPDetails
	if a.AwsAPICallAction != nil && a.AwsAPICallAction.RemoteIPDetails != nil {
		out = append(out, a.AwsAPICallAction.RemoteIPDetails)
	}
	if a.NetworkConnectionAction != nil && a.NetworkConnectionAction.RemoteIPDetails != nil {
		out = append(out, a.NetworkConnectionAction.RemoteIPDetails)
	}
	if a.PortProbeAction != nil {
		for i := range a.PortProbeAction.PortProbeDetails {
			if d := a.PortProbeAction.PortProbeDetails[i].RemoteIPDetails; d != nil {
				out = append(out, d)
			}
		}
	}
	return out
}
