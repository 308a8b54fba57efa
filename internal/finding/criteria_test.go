package finding_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
)

// criteriaFields are the paths ParseCriteria supports, with their kinds:
// s string, b boolean, n number, t time.
var criteriaFields = map[string]byte{
	"accountId":  's',
	"arn":        's',
	"confidence": 'n',
	"createdAt":  't',
	"id":         's',
	"partition":  's',
	"region":     's',
	"severity":   'n',
	"title":      's',
	"type":       's',
	"updatedAt":  't',

	"resource.resourceType":                                                          's',
	"resource.accessKeyDetails.accessKeyId":                                          's',
	"resource.accessKeyDetails.principalId":                                          's',
	"resource.accessKeyDetails.userName":                                             's',
	"resource.accessKeyDetails.userType":                                             's',
	"resource.instanceDetails.availabilityZone":                                      's',
	"resource.instanceDetails.imageId":                                               's',
	"resource.instanceDetails.instanceId":                                            's',
	"resource.instanceDetails.instanceState":                                         's',
	"resource.instanceDetails.instanceType":                                          's',
	"resource.instanceDetails.networkInterfaces.ipv6Addresses":                       's',
	"resource.instanceDetails.networkInterfaces.networkInterfaceId":                  's',
	"resource.instanceDetails.networkInterfaces.privateIpAddress":                    's',
	"resource.instanceDetails.networkInterfaces.privateIpAddresses.privateIpAddress": 's',
	"resource.instanceDetails.networkInterfaces.publicIp":                            's',
	"resource.instanceDetails.networkInterfaces.subnetId":                            's',
	"resource.instanceDetails.networkInterfaces.vpcId":                               's',
	"resource.instanceDetails.tags.key":                                              's',
	"resource.instanceDetails.tags.value":                                            's',
	"resource.lambdaDetails.functionArn":                                             's',
	"resource.lambdaDetails.functionName":                                            's',
	"resource.lambdaDetails.functionVersion":                                         's',
	"resource.lambdaDetails.role":                                                    's',
	"resource.s3BucketDetails.arn":                                                   's',
	"resource.s3BucketDetails.name":                                                  's',
	"resource.s3BucketDetails.owner.id":                                              's',
	"resource.s3BucketDetails.publicAccess.effectivePermission":                      's',
	"resource.s3BucketDetails.s3ObjectDetails.key":                                   's',
	"resource.s3BucketDetails.s3ObjectDetails.objectArn":                             's',
	"resource.s3BucketDetails.tags.key":                                              's',
	"resource.s3BucketDetails.tags.value":                                            's',
	"resource.s3BucketDetails.type":                                                  's',

	"service.action.actionType":                                                  's',
	"service.action.awsApiCallAction.api":                                        's',
	"service.action.awsApiCallAction.callerType":                                 's',
	"service.action.awsApiCallAction.domainDetails.domain":                       's',
	"service.action.awsApiCallAction.errorCode":                                  's',
	"service.action.awsApiCallAction.remoteAccountDetails.accountId":             's',
	"service.action.awsApiCallAction.remoteAccountDetails.affiliated":            'b',
	"service.action.awsApiCallAction.serviceName":                                's',
	"service.action.awsApiCallAction.userAgent":                                  's',
	"service.action.dnsRequestAction.blocked":                                    'b',
	"service.action.dnsRequestAction.domain":                                     's',
	"service.action.dnsRequestAction.domainWithSuffix":                           's',
	"service.action.dnsRequestAction.protocol":                                   's',
	"service.action.dnsRequestAction.vpcOwnerAccountId":                          's',
	"service.action.networkConnectionAction.blocked":                             'b',
	"service.action.networkConnectionAction.connectionDirection":                 's',
	"service.action.networkConnectionAction.localIpDetails.ipAddressV4":          's',
	"service.action.networkConnectionAction.localIpDetails.ipAddressV6":          's',
	"service.action.networkConnectionAction.localNetworkInterface":               's',
	"service.action.networkConnectionAction.localPortDetails.port":               'n',
	"service.action.networkConnectionAction.localPortDetails.portName":           's',
	"service.action.networkConnectionAction.protocol":                            's',
	"service.action.networkConnectionAction.remotePortDetails.port":              'n',
	"service.action.networkConnectionAction.remotePortDetails.portName":          's',
	"service.action.portProbeAction.blocked":                                     'b',
	"service.action.portProbeAction.portProbeDetails.localIpDetails.ipAddressV4": 's',
	"service.action.portProbeAction.portProbeDetails.localIpDetails.ipAddressV6": 's',
	"service.action.portProbeAction.portProbeDetails.localPortDetails.port":      'n',
	"service.action.portProbeAction.portProbeDetails.localPortDetails.portName":  's',

	"service.additionalInfo.threatListName": 's',
	"service.additionalInfo.threatName":     's',
	"service.archived":                      'b',
	"service.count":                         'n',
	"service.eventFirstSeen":                't',
	"service.eventLastSeen":                 't',
	"service.featureName":                   's',
	"service.resourceRole":                  's',
	"service.userFeedback":                  's',
	"service.evidence.threatIntelligenceDetails.threatFileSha256":                           's',
	"service.evidence.threatIntelligenceDetails.threatListName":                             's',
	"service.evidence.threatIntelligenceDetails.threatNames":                                's',
	"service.malwareScanDetails.scanId":                                                     's',
	"service.malwareScanDetails.scanType":                                                   's',
	"service.malwareScanDetails.threats.hash":                                               's',
	"service.malwareScanDetails.threats.name":                                               's',
	"service.malwareScanDetails.threats.source":                                             's',
	"service.ebsVolumeScanDetails.scanId":                                                   's',
	"service.ebsVolumeScanDetails.scanType":                                                 's',
	"service.ebsVolumeScanDetails.sources":                                                  's',
	"service.ebsVolumeScanDetails.triggerFindingId":                                         's',
	"service.ebsVolumeScanDetails.scanDetections.threatDetectedByName.threatNames.name":     's',
	"service.ebsVolumeScanDetails.scanDetections.threatDetectedByName.threatNames.severity": 's',
}

// remoteIPParts are the fields of each remoteIpDetails block.
var remoteIPParts = []string{
	"ipAddressV4", "ipAddressV6", "city.cityName", "country.countryCode", "country.countryName",
	"organization.asn", "organization.asnOrg", "organization.isp", "organization.org",
}

func init() {
	for _, prefix := range []string{
		"service.action.awsApiCallAction.remoteIpDetails.",
		"service.action.networkConnectionAction.remoteIpDetails.",
		"service.action.portProbeAction.portProbeDetails.remoteIpDetails.",
	} {
		for _, p := range remoteIPParts {
			criteriaFields[prefix+p] = 's'
		}
	}
}

func ts(s string) finding.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return finding.At(t)
}

func ms(s string) string { return strconv.FormatInt(ts(s).UnixMilli(), 10) }

// richFinding has a value in every field criteria can read, with two
// elements in most lists. No real finding has all these blocks at once.
func richFinding() finding.Finding {
	confidence := 7.5
	remote := func(ip, country, code, asn string) *finding.RemoteIPDetails {
		return &finding.RemoteIPDetails{
			City:         &finding.City{CityName: "City of " + code},
			Country:      &finding.Country{CountryCode: code, CountryName: country},
			GeoLocation:  &finding.GeoLocation{Lat: 50.1, Lon: 8.7},
			IPAddressV4:  ip,
			IPAddressV6:  "2001:db8::" + asn,
			Organization: &finding.Organization{Asn: asn, AsnOrg: "AS" + asn, Isp: "ISP " + asn, Org: "Org " + asn},
		}
	}
	probe := func(port int, name, ip, country, code, asn string) finding.PortProbeDetail {
		return finding.PortProbeDetail{
			LocalPortDetails: &finding.PortDetails{Port: port, PortName: name},
			LocalIPDetails:   &finding.LocalIPDetails{IPAddressV4: "10.0.0.12", IPAddressV6: "fd00::12"},
			RemoteIPDetails:  remote(ip, country, code, asn),
		}
	}
	return finding.Finding{
		AccountID:  "111122223333",
		Arn:        finding.ARN("aws", "us-east-1", "111122223333", "7a1c0e5f3b9d4c2e8f6a0b1d2c3e4f50", "0ab1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"),
		Confidence: &confidence,
		CreatedAt:  ts("2024-05-01T12:00:00.123Z"),
		ID:         "0ab1c2d3e4f5a6b7c8d9e0f1a2b3c4d5",
		Partition:  "aws",
		Region:     "us-east-1",
		Resource: finding.Resource{
			ResourceType: finding.ResourceInstance,
			AccessKeyDetails: &finding.AccessKeyDetails{
				AccessKeyID: "ASIAEXAMPLEKEY000001", PrincipalID: "AROAEXAMPLE:i-0123456789abcdef0", UserName: "web-role", UserType: "AssumedRole",
			},
			InstanceDetails: &finding.InstanceDetails{
				InstanceID: "i-0123456789abcdef0", InstanceState: "running", InstanceType: "t3.micro",
				AvailabilityZone: "us-east-1a", ImageID: "ami-0123456789abcdef0",
				NetworkInterfaces: []finding.NetworkInterface{
					{NetworkInterfaceID: "eni-0aaa", PrivateIPAddress: "10.0.0.12", PublicIP: "203.0.113.12", IPv6Addresses: []string{"2001:db8::12", "2001:db8::13"}, SubnetID: "subnet-0aaa", VpcID: "vpc-0aaa"},
					{NetworkInterfaceID: "eni-0bbb", PrivateIPAddress: "10.0.1.7", PublicIP: "203.0.113.7", IPv6Addresses: []string{"2001:db8::7"}, SubnetID: "subnet-0bbb", VpcID: "vpc-0aaa"},
				},
				Tags: []finding.Tag{{Key: "Name", Value: "web"}, {Key: "env", Value: "prod"}},
			},
			S3BucketDetails: []finding.S3BucketDetail{
				{
					Arn: "arn:aws:s3:::logs-bucket", Name: "logs-bucket", Type: "Destination",
					Owner:           &finding.Owner{ID: "owner-a"},
					Tags:            []finding.Tag{{Key: "team", Value: "data"}},
					PublicAccess:    &finding.PublicAccess{EffectivePermission: "NOT_PUBLIC"},
					S3ObjectDetails: []finding.S3ObjectDetail{{ObjectArn: "arn:aws:s3:::logs-bucket/a.exe", Key: "a.exe"}},
				},
				{
					Arn: "arn:aws:s3:::web-bucket", Name: "web-bucket", Type: "Source",
					Owner:        &finding.Owner{ID: "owner-b"},
					Tags:         []finding.Tag{{Key: "public", Value: "yes"}},
					PublicAccess: &finding.PublicAccess{EffectivePermission: "PUBLIC"},
				},
			},
			LambdaDetails: &finding.LambdaDetails{
				FunctionArn: "arn:aws:lambda:us-east-1:111122223333:function:thumbnail", FunctionName: "thumbnail",
				FunctionVersion: "$LATEST", Role: "arn:aws:iam::111122223333:role/thumbnail",
			},
		},
		SchemaVersion: finding.SchemaVersion,
		Service: finding.Service{
			Action: &finding.Action{
				ActionType: finding.ActionPortProbe,
				AwsAPICallAction: &finding.AwsAPICallAction{
					API: "GetObject", CallerType: "Remote IP", ServiceName: "s3.amazonaws.com", ErrorCode: "AccessDenied",
					UserAgent:            "aws-cli/2.15.0",
					DomainDetails:        &finding.DomainDetails{Domain: "attacker.example"},
					RemoteIPDetails:      remote("198.51.100.7", "Germany", "DE", "64496"),
					RemoteAccountDetails: &finding.RemoteAccountDetails{AccountID: "444455556666", Affiliated: false},
				},
				NetworkConnectionAction: &finding.NetworkConnectionAction{
					Blocked: false, ConnectionDirection: "INBOUND", Protocol: "TCP",
					LocalPortDetails:      &finding.PortDetails{Port: 22, PortName: "SSH"},
					RemotePortDetails:     &finding.PortDetails{Port: 49152, PortName: "Unknown"},
					LocalIPDetails:        &finding.LocalIPDetails{IPAddressV4: "10.0.0.12", IPAddressV6: "fd00::12"},
					LocalNetworkInterface: "eni-0aaa",
					RemoteIPDetails:       remote("198.51.100.8", "Germany", "DE", "64497"),
				},
				PortProbeAction: &finding.PortProbeAction{
					Blocked: true,
					PortProbeDetails: []finding.PortProbeDetail{
						probe(22, "SSH", "192.0.2.44", "Russia", "RU", "64498"),
						probe(3389, "RDP", "192.0.2.45", "Netherlands", "NL", "64499"),
					},
				},
				DNSRequestAction: &finding.DNSRequestAction{
					Domain: "pool.miner.example", DomainWithSuffix: "miner.example", Protocol: "UDP", Blocked: false, VpcOwnerAccountID: "111122223333",
				},
			},
			Evidence: &finding.Evidence{ThreatIntelligenceDetails: []finding.ThreatIntelligenceDetail{
				{ThreatListName: "ProofPoint", ThreatNames: []string{"Scanner", "BruteForcer"}},
				{ThreatListName: "CustomList", ThreatNames: []string{"BadActor"}, ThreatFileSha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
			}},
			Archived:       false,
			Count:          12,
			DetectorID:     "7a1c0e5f3b9d4c2e8f6a0b1d2c3e4f50",
			EventFirstSeen: ts("2024-05-01T11:58:01.001Z"),
			EventLastSeen:  ts("2024-05-01T11:59:59.999Z"),
			ResourceRole:   finding.RoleTarget,
			ServiceName:    "guardduty",
			UserFeedback:   "USEFUL",
			AdditionalInfo: &finding.AdditionalInfo{Value: `{"threatListName":"ProofPoint","threatName":"Scanner","unusual":{"x":1}}`, Type: "default"},
			FeatureName:    "FlowLogs",
			MalwareScanDetails: &finding.MalwareScanDetails{
				ScanID: "scan-1", ScanType: "GUARDDUTY_INITIATED",
				Threats: []finding.MalwareThreat{
					{Name: "EICAR-Test-File", Source: "Bitdefender", Hash: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"},
					{Name: "Trojan.Generic", Source: "Amazon", Hash: "deadbeef"},
				},
			},
			EbsVolumeScanDetails: &finding.EbsVolumeScanDetails{
				ScanID: "ebs-scan-1", ScanType: "ON_DEMAND", TriggerFindingID: "f00d", Sources: []string{"Bitdefender", "Amazon"},
				ScanDetections: &finding.ScanDetections{ThreatDetectedByName: &finding.ThreatDetectedByName{
					ThreatNames: []finding.ScanThreatName{{Name: "EICAR-Test-File", Severity: "LOW"}, {Name: "Miner", Severity: "MEDIUM"}},
				}},
			},
		},
		Severity:  5,
		Title:     "Unprotected port on EC2 instance i-0123456789abcdef0 is being probed.",
		Type:      "Recon:EC2/PortProbeUnprotectedPort",
		UpdatedAt: ts("2024-05-01T12:05:00.456Z"),
	}
}

func mustParse(t testing.TB, raw string) *finding.Criteria {
	t.Helper()
	c, err := finding.ParseCriteria([]byte(raw))
	if err != nil {
		t.Fatalf("ParseCriteria(%s) = %v", raw, err)
	}
	return c
}

// crit builds {"criterion":{path: condition}}.
func crit(path, condition string) string {
	return `{"criterion":{"` + path + `":` + condition + `}}`
}

func TestParseCriteriaEverything(t *testing.T) {
	f := richFinding()
	for _, raw := range []string{"", "  \n", "null", "{}", `{"criterion":null}`, `{"criterion":{}}`} {
		c := mustParse(t, raw)
		if !c.Match(&f) || !c.Match(&finding.Finding{}) {
			t.Errorf("ParseCriteria(%q).Match = false, want true for every finding", raw)
		}
		if got := c.Fields(); len(got) != 0 {
			t.Errorf("ParseCriteria(%q).Fields() = %q, want none", raw, got)
		}
		if got := c.Prefilter(); got != (finding.Query{}) {
			t.Errorf("ParseCriteria(%q).Prefilter() = %+v, want the zero Query", raw, got)
		}
	}
	var nilCriteria *finding.Criteria
	if !nilCriteria.Match(&f) || nilCriteria.Fields() != nil || nilCriteria.Prefilter() != (finding.Query{}) {
		t.Error("a nil *Criteria does not select everything")
	}
}

func TestCriteriaMatch(t *testing.T) {
	noAction := func(f *finding.Finding) { f.Service.Action = nil }
	noInstance := func(f *finding.Finding) { f.Resource.InstanceDetails = nil }
	tests := []struct {
		name     string
		criteria string
		edit     func(*finding.Finding) // applied to richFinding; nil keeps it
		want     bool
	}{
		// Strings.
		{"eq", crit("type", `{"eq":["Recon:EC2/PortProbeUnprotectedPort"]}`), nil, true},
		{"equals", crit("type", `{"equals":["Recon:EC2/PortProbeUnprotectedPort"]}`), nil, true},
		{"eq other", crit("type", `{"eq":["Recon:EC2/Portscan"]}`), nil, false},
		{"eq is any of", crit("type", `{"eq":["Recon:EC2/Portscan","Recon:EC2/PortProbeUnprotectedPort"]}`), nil, true},
		{"eq is exact, not a prefix", crit("type", `{"eq":["Recon:EC2/"]}`), nil, false},
		{"eq is case sensitive", crit("region", `{"eq":["US-EAST-1"]}`), nil, false},
		{"neq", crit("region", `{"neq":["eu-west-1"]}`), nil, true},
		{"notEquals", crit("region", `{"notEquals":["us-east-1"]}`), nil, false},
		{"neq is none of", crit("region", `{"neq":["eu-west-1","us-east-1"]}`), nil, false},
		{"eq and neq", crit("region", `{"eq":["us-east-1","eu-west-1"],"neq":["eu-west-1"]}`), nil, true},
		{"eq and equals both hold", crit("region", `{"eq":["us-east-1"],"equals":["eu-west-1"]}`), nil, false},
		{"neq and notEquals", crit("region", `{"neq":["eu-west-1"],"notEquals":["us-east-1"]}`), nil, false},
		{"null operator is unset", crit("region", `{"eq":["us-east-1"],"neq":null}`), nil, true},
		{"nested string", crit("service.action.awsApiCallAction.remoteIpDetails.country.countryName", `{"eq":["Germany"]}`), nil, true},
		{"asn is a string", crit("service.action.networkConnectionAction.remoteIpDetails.organization.asn", `{"eq":["64497"]}`), nil, true},
		{"missing field fails eq", crit("service.action.awsApiCallAction.api", `{"eq":["GetObject"]}`), noAction, false},
		{"missing field passes neq", crit("service.action.awsApiCallAction.api", `{"neq":["GetObject"]}`), noAction, true},
		{"missing nested block fails eq", crit("service.action.awsApiCallAction.remoteIpDetails.city.cityName", `{"eq":["City of DE"]}`),
			func(f *finding.Finding) { f.Service.Action.AwsAPICallAction.RemoteIPDetails.City = nil }, false},
		{"empty string is missing", crit("service.userFeedback", `{"eq":[""]}`), func(f *finding.Finding) { f.Service.UserFeedback = "" }, false},
		{"additionalInfo is parsed", crit("service.additionalInfo.threatListName", `{"eq":["ProofPoint"]}`), nil, true},
		{"additionalInfo other list", crit("service.additionalInfo.threatListName", `{"eq":["Other"]}`), nil, false},
		{"additionalInfo not JSON", crit("service.additionalInfo.threatListName", `{"neq":["ProofPoint"]}`),
			func(f *finding.Finding) { f.Service.AdditionalInfo.Value = "not json" }, true},
		{"additionalInfo list value", crit("service.additionalInfo.threatName", `{"eq":["B"]}`),
			func(f *finding.Finding) { f.Service.AdditionalInfo.Value = `{"threatName":["A","B"]}` }, true},

		// Numbers.
		{"gt", crit("severity", `{"gt":4}`), nil, true},
		{"gt equal", crit("severity", `{"gt":5}`), nil, false},
		{"gte equal", crit("severity", `{"gte":5}`), nil, true},
		{"greaterThanOrEqual above", crit("severity", `{"greaterThanOrEqual":6}`), nil, false},
		{"lt", crit("severity", `{"lt":6}`), nil, true},
		{"lessThan equal", crit("severity", `{"lessThan":5}`), nil, false},
		{"lte equal", crit("severity", `{"lte":5}`), nil, true},
		{"lessThanOrEqual below", crit("severity", `{"lessThanOrEqual":4}`), nil, false},
		{"greaterThan", crit("severity", `{"greaterThan":1}`), nil, true},
		{"range", crit("severity", `{"gte":4,"lt":7}`), nil, true},
		{"empty range", crit("severity", `{"gt":5,"lt":5}`), nil, false},
		{"short and long forms both hold", crit("severity", `{"gt":1,"greaterThan":6}`), nil, false},
		{"integral float operand", crit("severity", `{"gte":5.0}`), nil, true},
		{"severity eq integer", crit("severity", `{"eq":["5"]}`), nil, true},
		{"severity eq 8 matches 8.0", crit("severity", `{"eq":["8"]}`), func(f *finding.Finding) { f.Severity = 8.0 }, true},
		{"severity eq 8 is the bucket 8 to 9", crit("severity", `{"eq":["8"]}`), func(f *finding.Finding) { f.Severity = 8.9 }, true},
		{"severity eq 8 not 9", crit("severity", `{"eq":["8"]}`), func(f *finding.Finding) { f.Severity = 9 }, false},
		{"severity eq 8 not 7.9", crit("severity", `{"eq":["8"]}`), func(f *finding.Finding) { f.Severity = 7.9 }, false},
		{"severity Low bucket", crit("severity", `{"equals":["1","2","3"]}`), func(f *finding.Finding) { f.Severity = 3.9 }, true},
		{"severity Medium bucket", crit("severity", `{"equals":["4","5","6"]}`), func(f *finding.Finding) { f.Severity = 3.9 }, false},
		{"severity eq fraction is exact", crit("severity", `{"eq":["8.5"]}`), func(f *finding.Finding) { f.Severity = 8.5 }, true},
		{"severity eq fraction other", crit("severity", `{"eq":["8.5"]}`), func(f *finding.Finding) { f.Severity = 8.6 }, false},
		{"severity eq 8.0 is exact", crit("severity", `{"eq":["8.0"]}`), func(f *finding.Finding) { f.Severity = 8.5 }, false},
		{"severity neq", crit("severity", `{"neq":["5"]}`), nil, false},
		{"severity neq other", crit("severity", `{"neq":["7","8"]}`), nil, true},
		{"count", crit("service.count", `{"gte":10,"lte":12}`), nil, true},
		{"count eq", crit("service.count", `{"eq":["12"]}`), nil, true},
		{"count eq exponent", crit("service.count", `{"eq":["1.2e1"]}`), nil, true},
		{"confidence", crit("confidence", `{"lt":8}`), nil, true},
		{"confidence missing", crit("confidence", `{"lt":8}`), func(f *finding.Finding) { f.Confidence = nil }, false},
		{"port", crit("service.action.networkConnectionAction.localPortDetails.port", `{"eq":["22"]}`), nil, true},
		{"port range", crit("service.action.networkConnectionAction.remotePortDetails.port", `{"gte":1024}`), nil, true},
		{"port missing", crit("service.action.networkConnectionAction.localPortDetails.port", `{"neq":["22"]}`), noAction, true},

		// Booleans.
		{"archived false", crit("service.archived", `{"eq":["false"]}`), nil, true},
		{"archived true", crit("service.archived", `{"eq":["true"]}`), nil, false},
		{"archived true, archived finding", crit("service.archived", `{"equals":["true"]}`), func(f *finding.Finding) { f.Service.Archived = true }, true},
		{"archived either", crit("service.archived", `{"eq":["true","false"]}`), nil, true},
		{"archived neq", crit("service.archived", `{"neq":["true"]}`), nil, true},
		{"boolean any case", crit("service.action.portProbeAction.blocked", `{"eq":["TRUE"]}`), nil, true},
		{"boolean of a missing block", crit("service.action.portProbeAction.blocked", `{"eq":["false"]}`), noAction, false},
		{"boolean of a missing block neq", crit("service.action.portProbeAction.blocked", `{"neq":["true"]}`), noAction, true},

		// Times: epoch milliseconds for ranges, RFC 3339 or milliseconds for eq.
		{"updatedAt gt", crit("updatedAt", `{"gt":`+ms("2024-05-01T12:05:00.455Z")+`}`), nil, true},
		{"updatedAt gt equal", crit("updatedAt", `{"gt":`+ms("2024-05-01T12:05:00.456Z")+`}`), nil, false},
		{"updatedAt gte equal", crit("updatedAt", `{"greaterThanOrEqual":`+ms("2024-05-01T12:05:00.456Z")+`}`), nil, true},
		{"updatedAt lt", crit("updatedAt", `{"lt":`+ms("2024-05-01T12:05:00.457Z")+`}`), nil, true},
		{"updatedAt lte before", crit("updatedAt", `{"lte":`+ms("2024-05-01T12:05:00.455Z")+`}`), nil, false},
		{"updatedAt eq RFC 3339", crit("updatedAt", `{"eq":["2024-05-01T12:05:00.456Z"]}`), nil, true},
		{"updatedAt eq RFC 3339 offset", crit("updatedAt", `{"eq":["2024-05-01T14:05:00.456+02:00"]}`), nil, true},
		{"updatedAt eq other", crit("updatedAt", `{"eq":["2024-05-01T12:05:00Z"]}`), nil, false},
		{"updatedAt eq milliseconds", crit("updatedAt", `{"eq":["`+ms("2024-05-01T12:05:00.456Z")+`"]}`), nil, true},
		{"updatedAt neq", crit("updatedAt", `{"neq":["2024-05-01T12:05:00.456Z"]}`), nil, false},
		{"createdAt", crit("createdAt", `{"lt":`+ms("2024-05-02T00:00:00Z")+`}`), nil, true},
		{"eventFirstSeen", crit("service.eventFirstSeen", `{"gte":`+ms("2024-05-01T11:58:01.001Z")+`,"lte":`+ms("2024-05-01T11:58:01.001Z")+`}`), nil, true},
		{"eventLastSeen", crit("service.eventLastSeen", `{"lt":`+ms("2024-05-01T11:59:59.999Z")+`}`), nil, false},
		{"zero time is missing", crit("service.eventLastSeen", `{"lt":`+ms("2024-05-01T00:00:00Z")+`}`),
			func(f *finding.Finding) { f.Service.EventLastSeen = finding.Time{} }, false},

		// Lists: eq needs one element, neq no element.
		{"tag value", crit("resource.instanceDetails.tags.value", `{"eq":["prod"]}`), nil, true},
		{"tag value other", crit("resource.instanceDetails.tags.value", `{"eq":["dev"]}`), nil, false},
		{"tag value neq one element", crit("resource.instanceDetails.tags.value", `{"neq":["web"]}`), nil, false},
		{"tag value neq none", crit("resource.instanceDetails.tags.value", `{"neq":["dev"]}`), nil, true},
		{"tags of a missing instance", crit("resource.instanceDetails.tags.key", `{"eq":["Name"]}`), noInstance, false},
		{"tags of a missing instance neq", crit("resource.instanceDetails.tags.key", `{"neq":["Name"]}`), noInstance, true},
		{"second interface", crit("resource.instanceDetails.networkInterfaces.privateIpAddress", `{"eq":["10.0.1.7"]}`), nil, true},
		{"documented private address path", crit("resource.instanceDetails.networkInterfaces.privateIpAddresses.privateIpAddress", `{"eq":["10.0.1.7"]}`), nil, true},
		{"ipv6 of any interface", crit("resource.instanceDetails.networkInterfaces.ipv6Addresses", `{"eq":["2001:db8::13"]}`), nil, true},
		{"second bucket tag", crit("resource.s3BucketDetails.tags.key", `{"eq":["public"]}`), nil, true},
		{"probe ports eq", crit("service.action.portProbeAction.portProbeDetails.localPortDetails.port", `{"eq":["3389"]}`), nil, true},
		{"probe ports neq", crit("service.action.portProbeAction.portProbeDetails.localPortDetails.port", `{"neq":["3389"]}`), nil, false},
		{"probe ports range on one element", crit("service.action.portProbeAction.portProbeDetails.localPortDetails.port", `{"gt":22,"lt":3389}`), nil, false},
		{"probe ports range", crit("service.action.portProbeAction.portProbeDetails.localPortDetails.port", `{"gte":3000,"lt":4000}`), nil, true},
		{"probe remote country", crit("service.action.portProbeAction.portProbeDetails.remoteIpDetails.country.countryCode", `{"eq":["NL"]}`), nil, true},
		{"threat names across lists", crit("service.evidence.threatIntelligenceDetails.threatNames", `{"eq":["BadActor"]}`), nil, true},
		{"malware threat", crit("service.malwareScanDetails.threats.name", `{"eq":["EICAR-Test-File"]}`), nil, true},
		{"malware threat neq", crit("service.malwareScanDetails.threats.name", `{"neq":["EICAR-Test-File"]}`), nil, false},

		// Conditions on several fields all hold.
		{"all fields", `{"criterion":{"severity":{"gte":4},"type":{"eq":["Recon:EC2/PortProbeUnprotectedPort"]},"service.archived":{"eq":["false"]},"resource.instanceDetails.tags.value":{"neq":["bastion"]}}}`, nil, true},
		{"all fields but one", `{"criterion":{"severity":{"gte":4},"type":{"eq":["Recon:EC2/PortProbeUnprotectedPort"]},"service.archived":{"eq":["true"]}}}`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := richFinding()
			if tt.edit != nil {
				tt.edit(&f)
			}
			c := mustParse(t, tt.criteria)
			if got := c.Match(&f); got != tt.want {
				t.Errorf("ParseCriteria(%s).Match = %t, want %t", tt.criteria, got, tt.want)
			}
			if c.Match(&f) && !prefilterMatch(c, &f) {
				t.Errorf("ParseCriteria(%s): Match but not Prefilter() %+v", tt.criteria, c.Prefilter())
			}
		})
	}
}

func prefilterMatch(c *finding.Criteria, f *finding.Finding) bool {
	q := c.Prefilter()
	return q.Match(f)
}

// TestCriteriaGuardDutyShapes parses requests as the GuardDuty API
// documents them and as the AWS CLI and SDKs put them on the wire.
func TestCriteriaGuardDutyShapes(t *testing.T) {
	f := richFinding()
	f.Severity = 8
	f.Type = "UnauthorizedAccess:EC2/SSHBruteForce"
	tests := []struct {
		name, raw string
		want      bool
	}{
		{"API reference example", `{"criterion":{
			"severity":{"greaterThanOrEqual":7},
			"type":{"equals":["UnauthorizedAccess:EC2/SSHBruteForce"]},
			"service.archived":{"equals":["false"]},
			"updatedAt":{"greaterThan":1486685375000}}}`, true},
		{"deprecated short operators", `{"criterion":{"severity":{"gte":7,"lt":9},"type":{"eq":["UnauthorizedAccess:EC2/SSHBruteForce"]},"service.archived":{"neq":["true"]}}}`, true},
		{"console severity High", `{"criterion":{"severity":{"eq":["7","8"]}}}`, true},
		{"console severity Low", `{"criterion":{"severity":{"eq":["1","2","3"]}}}`, false},
		{"suppression rule by tag and remote IP", `{"criterion":{
			"type":{"eq":["UnauthorizedAccess:EC2/SSHBruteForce"]},
			"resource.instanceDetails.tags.key":{"eq":["Name"]},
			"resource.instanceDetails.tags.value":{"eq":["web"]},
			"service.action.networkConnectionAction.remoteIpDetails.ipAddressV4":{"eq":["198.51.100.8"]}}}`, true},
		{"escaped key", `{"criterion":{"\u0074ype":{"eq":["UnauthorizedAccess:EC2/SSHBruteForce"]}}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustParse(t, tt.raw).Match(&f); got != tt.want {
				t.Errorf("ParseCriteria(%s).Match = %t, want %t", tt.raw, got, tt.want)
			}
		})
	}
}

func TestParseCriteriaErrors(t *testing.T) {
	many := func(n int, item func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = item(i)
		}
		return strings.Join(parts, ",")
	}
	values51 := "[" + many(51, func(i int) string { return strconv.Quote("v" + strconv.Itoa(i)) }) + "]"
	values50 := "[" + many(50, func(i int) string { return strconv.Quote("v" + strconv.Itoa(i)) }) + "]"
	paths := slices.Sorted(func(yield func(string) bool) {
		for p := range criteriaFields {
			if !yield(p) {
				return
			}
		}
	})
	fields := func(n int) string {
		return `{"criterion":{` + many(n, func(i int) string {
			v := map[byte]string{'s': "x", 'b': "true", 'n': "1", 't': "1"}[criteriaFields[paths[i]]]
			return strconv.Quote(paths[i]) + `:{"neq":["` + v + `"]}`
		}) + `}}`
	}
	if _, err := finding.ParseCriteria([]byte(fields(50))); err != nil {
		t.Errorf("ParseCriteria(50 fields) = %v, want no error", err)
	}
	if _, err := finding.ParseCriteria([]byte(crit("id", `{"eq":`+values50+`}`))); err != nil {
		t.Errorf("ParseCriteria(50 values) = %v, want no error", err)
	}

	tests := []struct {
		name, raw string
		want      string // in the message
	}{
		{"malformed", `{"criterion":`, "malformed JSON"},
		{"trailing data", `{} {}`, "malformed JSON"},
		{"not an object", `["criterion"]`, "want an object, got array"},
		{"upper-case member", `{"Criterion":{"severity":{"gte":7}}}`, `unknown member "Criterion" (want "criterion")`},
		{"other member", `{"criterion":{},"sortCriteria":{}}`, `unknown member "sortCriteria"`},
		{"duplicate criterion", `{"criterion":{},"criterion":{}}`, `duplicate member "criterion"`},
		{"criterion not an object", `{"criterion":[]}`, "criterion: want an object, got array"},
		{"unknown field", crit("resource.instanceDetails.color", `{"eq":["red"]}`), `"resource.instanceDetails.color": unknown field`},
		{"field case", crit("resource.instanceDetails.instanceid", `{"eq":["i-1"]}`), `unknown field (did you mean "resource.instanceDetails.instanceId"?)`},
		{"duplicate field", `{"criterion":{"type":{"eq":["a"]},"type":{"eq":["b"]}}}`, `duplicate field "type"`},
		{"too many fields", fields(51), "more than 50 fields"},
		{"unknown operator", crit("type", `{"like":["a"]}`), `"type": unknown operator "like"`},
		{"CLI shape operator", crit("type", `{"Equals":["a"]}`), `unknown operator "Equals" (did you mean "equals"?)`},
		{"matches", crit("type", `{"matches":["Recon:*"]}`), `operator "matches" is only allowed in filters`},
		{"notMatches", crit("type", `{"notMatches":["Recon:*"]}`), `operator "notMatches" is only allowed in filters`},
		{"duplicate operator", crit("type", `{"eq":["a"],"eq":["b"]}`), `duplicate operator "eq"`},
		{"empty condition", crit("type", `{}`), `"type": empty condition`},
		{"null condition", crit("type", `null`), `"type": empty condition`},
		{"only null operators", crit("type", `{"eq":null}`), `"type": empty condition`},
		{"condition not an object", crit("type", `["a"]`), `"type": want an object, got array`},
		{"eq not a list", crit("type", `{"eq":"a"}`), `"type": eq: want a list of strings, got string`},
		{"eq of numbers", crit("severity", `{"eq":[8]}`), `"severity": eq: want a list of strings`},
		{"eq with null", crit("type", `{"eq":["a",null]}`), `eq: want a list of strings, got null in it`},
		{"eq empty", crit("type", `{"equals":[]}`), `"type": equals: empty list`},
		{"too many values", crit("id", `{"eq":`+values51+`}`), `"id": eq: 51 values (at most 50)`},
		{"too many neq values", crit("id", `{"notEquals":`+values51+`}`), `notEquals: 51 values (at most 50)`},
		{"gt a string", crit("severity", `{"gt":"5"}`), `"severity": gt: want an integer, got string`},
		{"gte a list", crit("severity", `{"gte":[5]}`), `gte: want an integer, got array`},
		{"lt a boolean", crit("severity", `{"lt":true}`), `lt: want an integer, got boolean`},
		{"lte a fraction", crit("severity", `{"lte":6.5}`), `lte: want an integer, got 6.5`},
		{"gt too big", crit("service.count", `{"gt":1e19}`), `gt: want an integer, got 1e19`},
		{"range on a string field", crit("type", `{"gt":5}`), `"type": gt: not allowed on a string field`},
		{"range on asn", crit("service.action.awsApiCallAction.remoteIpDetails.organization.asn", `{"lessThan":65000}`), `lessThan: not allowed on a string field`},
		{"range on a boolean field", crit("service.archived", `{"greaterThan":0}`), `greaterThan: not allowed on a boolean field`},
		{"boolean not true or false", crit("service.archived", `{"eq":["yes"]}`), `"yes" is not a boolean`},
		{"number not a number", crit("severity", `{"eq":["high"]}`), `"severity": eq: "high" is not a number`},
		{"number hex", crit("severity", `{"eq":["0x8"]}`), `"0x8" is not a number`},
		{"number NaN", crit("severity", `{"neq":["NaN"]}`), `"NaN" is not a number`},
		{"number out of range", crit("severity", `{"eq":["1e400"]}`), `"1e400" is out of range`},
		{"time not a time", crit("updatedAt", `{"eq":["yesterday"]}`), `"updatedAt": eq: "yesterday" is not an RFC 3339 time or epoch milliseconds`},
		{"time without zone", crit("updatedAt", `{"eq":["2024-05-01T12:00:00"]}`), `is not an RFC 3339 time`},
		{"time range a string", crit("updatedAt", `{"gt":"2024-05-01T12:00:00Z"}`), `"updatedAt": gt: want an integer, got string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := finding.ParseCriteria([]byte(tt.raw))
			if err == nil {
				t.Fatalf("ParseCriteria(%s) = %v, nil; want an error", tt.raw, c.Fields())
			}
			if !errors.Is(err, finding.ErrBadCriteria) {
				t.Errorf("ParseCriteria(%s) = %v, want an error wrapping ErrBadCriteria", tt.raw, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseCriteria(%s) = %q, want it to contain %q", tt.raw, err, tt.want)
			}
		})
	}
}

func TestCriteriaFields(t *testing.T) {
	c := mustParse(t, `{"criterion":{"updatedAt":{"gt":0},"accountId":{"eq":["1"]},"service.count":{"lt":5}}}`)
	want := []string{"accountId", "service.count", "updatedAt"}
	if diff := cmp.Diff(want, c.Fields()); diff != "" {
		t.Errorf("Fields() mismatch (-want +got):\n%s", diff)
	}
}

// TestCriteriaFieldTable checks every supported path against the finding's
// JSON: each value found at the path in the wire format is matched by eq
// and is what SortValue returns first, and range operators are accepted
// exactly on number and time fields.
func TestCriteriaFieldTable(t *testing.T) {
	f := richFinding()
	doc := wireDoc(t, &f)
	empty := finding.Finding{}
	for path, kind := range criteriaFields {
		t.Run(path, func(t *testing.T) {
			vals := wireValues(doc, path)
			if len(vals) == 0 {
				t.Fatalf("richFinding has no value at %s", path)
			}
			for _, v := range vals {
				eq := crit(path, `{"eq":[`+strconv.Quote(v)+`]}`)
				if c := mustParse(t, eq); !c.Match(&f) {
					t.Errorf("ParseCriteria(%s).Match(richFinding) = false, want true", eq)
				} else if c.Match(&empty) && path != "service.archived" { // the one boolean every finding has
					t.Errorf("ParseCriteria(%s).Match(empty finding) = true, want false", eq)
				}
				neq := crit(path, `{"neq":[`+strconv.Quote(v)+`]}`)
				if mustParse(t, neq).Match(&f) {
					t.Errorf("ParseCriteria(%s).Match(richFinding) = true, want false", neq)
				}
			}
			if miss := crit(path, `{"eq":["no such value"]}`); kind == 's' && mustParse(t, miss).Match(&f) {
				t.Errorf("ParseCriteria(%s).Match(richFinding) = true, want false", miss)
			}

			got, ok := finding.SortValue(&f, path)
			if !ok {
				t.Fatalf("SortValue(richFinding, %q) = _, false", path)
			}
			if want := sortValueOf(kind, vals[0]); CompareValuesEqual(got, want) != true {
				t.Errorf("SortValue(richFinding, %q) = %v (%T), want %v (%T)", path, got, got, want, want)
			}

			_, err := finding.ParseCriteria([]byte(crit(path, `{"gte":1}`)))
			if numeric := kind == 'n' || kind == 't'; numeric != (err == nil) {
				t.Errorf("ParseCriteria(gte on %s field %s) = %v", string(kind), path, err)
			}
		})
	}
}

// CompareValuesEqual reports whether CompareValues finds a and b equal and
// they have the same type.
func CompareValuesEqual(a, b any) bool {
	return finding.CompareValues(a, b) == 0 && finding.CompareValues(b, a) == 0 &&
		strings.EqualFold(typeName(a), typeName(b))
}

func typeName(v any) string {
	switch v.(type) {
	case float64:
		return "float64"
	case time.Time:
		return "time"
	case string:
		return "string"
	}
	return "other"
}

func sortValueOf(kind byte, v string) any {
	switch kind {
	case 'n':
		x, _ := strconv.ParseFloat(v, 64)
		return x
	case 't':
		t, _ := time.Parse(time.RFC3339Nano, v)
		return t.UTC()
	}
	return v
}

// wireDoc returns f's JSON as decoded values, with
// service.additionalInfo replaced by the document in its value, as the
// criteria paths address it.
func wireDoc(t *testing.T, f *finding.Finding) map[string]any {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("json.Unmarshal: %v", err)
	}
	svc := doc["service"].(map[string]any)
	var info any
	if err := json.Unmarshal([]byte(svc["additionalInfo"].(map[string]any)["value"].(string)), &info); err != nil {
		t.Fatalf("additionalInfo.value: %v", err)
	}
	svc["additionalInfo"] = info
	return doc
}

// wireValues returns the values at a criteria path of a decoded JSON
// document, through arrays, formatted as eq values.
func wireValues(doc any, path string) []string {
	path = strings.Replace(path, "privateIpAddresses.privateIpAddress", "privateIpAddress", 1) // Vigil's model has only the primary address
	nodes := []any{doc}
	for _, key := range strings.Split(path, ".") {
		var next []any
		for _, n := range nodes {
			if m, ok := n.(map[string]any); ok && m[key] != nil {
				next = append(next, flatten(m[key])...)
			}
		}
		nodes = next
	}
	var out []string
	for _, n := range nodes {
		switch v := n.(type) {
		case string:
			out = append(out, v)
		case float64:
			out = append(out, strconv.FormatFloat(v, 'f', -1, 64))
		case bool:
			out = append(out, strconv.FormatBool(v))
		}
	}
	return out
}

func flatten(v any) []any {
	list, ok := v.([]any)
	if !ok {
		return []any{v}
	}
	var out []any
	for _, x := range list {
		out = append(out, flatten(x)...)
	}
	return out
}

func TestCriteriaPrefilter(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name, raw string
		want      finding.Query
	}{
		{"severity gte", crit("severity", `{"gte":7}`), finding.Query{MinSeverity: 7}},
		{"severity gt", crit("severity", `{"gt":7}`), finding.Query{MinSeverity: 7}},
		{"severity lt", crit("severity", `{"lt":4}`), finding.Query{MaxSeverity: 4}},
		{"severity lte", crit("severity", `{"lte":4}`), finding.Query{MaxSeverity: math.Nextafter(4, 5)}},
		{"severity range", crit("severity", `{"gte":4,"lessThan":7}`), finding.Query{MinSeverity: 4, MaxSeverity: 7}},
		{"severity eq buckets", crit("severity", `{"eq":["4","5","6"]}`), finding.Query{MinSeverity: 4, MaxSeverity: 7}},
		{"severity eq and range", crit("severity", `{"eq":["4","5","6"],"gte":5}`), finding.Query{MinSeverity: 5, MaxSeverity: 7}},
		{"severity eq exact", crit("severity", `{"eq":["8.5"]}`), finding.Query{MinSeverity: 8.5, MaxSeverity: math.Nextafter(8.5, 9)}},
		{"severity lt 0 cannot bound", crit("severity", `{"lt":0}`), finding.Query{}},
		{"severity neq does not narrow", crit("severity", `{"neq":["1","2","3"]}`), finding.Query{}},
		{"one type", crit("type", `{"eq":["Recon:EC2/Portscan"]}`), finding.Query{TypePrefix: "Recon:EC2/Portscan"}},
		{"two types", crit("type", `{"eq":["Recon:EC2/Portscan","Recon:EC2/PortProbeUnprotectedPort"]}`), finding.Query{}},
		{"two types, one excluded", crit("type", `{"eq":["A","B"],"neq":["B"]}`), finding.Query{TypePrefix: "A"}},
		{"type eq and equals", crit("type", `{"eq":["A","B"],"equals":["B","C"]}`), finding.Query{TypePrefix: "B"}},
		{"type neq", crit("type", `{"neq":["A"]}`), finding.Query{}},
		{"account", crit("accountId", `{"equals":["111122223333"]}`), finding.Query{AccountID: "111122223333"}},
		{"two accounts", crit("accountId", `{"equals":["111122223333","444455556666"]}`), finding.Query{}},
		{"region", crit("region", `{"eq":["eu-west-1"]}`), finding.Query{Region: "eu-west-1"}},
		{"archived", crit("service.archived", `{"eq":["true"]}`), finding.Query{Archived: &yes}},
		{"current", crit("service.archived", `{"eq":["false"]}`), finding.Query{Archived: &no}},
		{"not archived", crit("service.archived", `{"neq":["true"]}`), finding.Query{Archived: &no}},
		{"archived either", crit("service.archived", `{"eq":["true","false"]}`), finding.Query{}},
		{"other fields do not prefilter", crit("resource.instanceDetails.instanceId", `{"eq":["i-1"]}`), finding.Query{}},
		{"all", `{"criterion":{"severity":{"gte":7},"type":{"eq":["T"]},"accountId":{"eq":["A"]},"region":{"eq":["R"]},"service.archived":{"eq":["false"]},"service.count":{"gt":1}}}`,
			finding.Query{MinSeverity: 7, TypePrefix: "T", AccountID: "A", Region: "R", Archived: &no}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, tt.raw).Prefilter()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseCriteria(%s).Prefilter() mismatch (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}

// TestCriteriaPrefilterSuperset checks, for random findings and random
// criteria, that every finding Match accepts is selected by Prefilter.
func TestCriteriaPrefilterSuperset(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	findings := make([]finding.Finding, 200)
	for i := range findings {
		findings[i] = randomFinding(rng)
	}
	pools := valuePools(t, findings)
	paths := slices.Sorted(func(yield func(string) bool) {
		for p := range criteriaFields {
			if !yield(p) {
				return
			}
		}
	})
	prefiltered := []string{"severity", "type", "accountId", "region", "service.archived"}

	const rounds = 5000
	matched, narrowed := 0, 0
	for range rounds {
		criterion := map[string]map[string]any{}
		for range 1 + rng.IntN(4) {
			path := paths[rng.IntN(len(paths))]
			if rng.IntN(2) == 0 {
				path = prefiltered[rng.IntN(len(prefiltered))]
			}
			criterion[path] = randomCondition(rng, criteriaFields[path], pools[path])
		}
		raw, err := json.Marshal(map[string]any{"criterion": criterion})
		if err != nil {
			t.Fatal(err)
		}
		c := mustParse(t, string(raw))
		q := c.Prefilter()
		if q != (finding.Query{}) {
			narrowed++
		}
		for i := range findings {
			f := &findings[i]
			if !c.Match(f) {
				continue
			}
			matched++
			if !q.Match(f) {
				t.Fatalf("ParseCriteria(%s) matches finding %d (severity %v, type %s, account %s, region %s, archived %t) but Prefilter() %+v does not",
					raw, i, f.Severity, f.Type, f.AccountID, f.Region, f.Service.Archived, q)
			}
		}
	}
	// The property says little unless criteria do match and do narrow.
	if matched < rounds*len(findings)/50 || narrowed < rounds/4 {
		t.Errorf("%d matches and %d narrowing prefilters in %d rounds: the generators are too weak", matched, narrowed, rounds)
	}
}

func randomFinding(rng *rand.Rand) finding.Finding {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	maybe := func() bool { return rng.IntN(3) > 0 }
	f := richFinding()
	f.AccountID = pick("111122223333", "444455556666")
	f.Region = pick("us-east-1", "eu-west-1")
	f.Type = pick("Recon:EC2/PortProbeUnprotectedPort", "Recon:EC2/Portscan", "UnauthorizedAccess:EC2/SSHBruteForce")
	f.Severity = []float64{0, 1, 2, 3.9, 5, 5.5, 7, 8, 8.9, 9, 10}[rng.IntN(11)]
	f.Service.Archived = rng.IntN(2) == 0
	f.Service.Count = rng.IntN(6)
	f.UpdatedAt = ts(pick("2024-05-01T12:00:00Z", "2024-05-02T00:00:00.5Z", "2024-06-01T08:30:00.999Z"))
	f.CreatedAt = f.UpdatedAt
	if maybe() {
		f.Confidence = nil
	}
	if maybe() {
		f.Resource.InstanceDetails.Tags = f.Resource.InstanceDetails.Tags[:rng.IntN(3)]
	}
	if maybe() {
		f.Resource.InstanceDetails.InstanceID = pick("i-0123456789abcdef0", "i-0fedcba9876543210")
	}
	if !maybe() {
		f.Resource.InstanceDetails = nil
	}
	if maybe() {
		probes := f.Service.Action.PortProbeAction.PortProbeDetails
		f.Service.Action.PortProbeAction.PortProbeDetails = probes[rng.IntN(2):]
		f.Service.Action.PortProbeAction.Blocked = rng.IntN(2) == 0
	}
	if !maybe() {
		f.Service.Action = nil
	}
	if !maybe() {
		f.Service.EventLastSeen = finding.Time{}
	}
	return f
}

// valuePools collects, for every path, the values the findings have there.
func valuePools(t *testing.T, fs []finding.Finding) map[string][]string {
	pools := map[string][]string{}
	for i := range fs {
		doc := wireDoc(t, &fs[i])
		for path := range criteriaFields {
			for _, v := range wireValues(doc, path) {
				if !slices.Contains(pools[path], v) {
					pools[path] = append(pools[path], v)
				}
			}
		}
	}
	return pools
}

func randomCondition(rng *rand.Rand, kind byte, pool []string) map[string]any {
	pick := func() string {
		if len(pool) == 0 || rng.IntN(8) == 0 {
			return "nothing-here"
		}
		return pool[rng.IntN(len(pool))]
	}
	list := func() []string {
		out := make([]string, 1+rng.IntN(3))
		for i := range out {
			out[i] = pick()
			if kind == 'n' && out[i] == "nothing-here" {
				out[i] = strconv.Itoa(rng.IntN(11))
			}
			if kind == 't' && out[i] == "nothing-here" {
				out[i] = "2020-01-01T00:00:00Z"
			}
			if kind == 'b' {
				out[i] = strconv.FormatBool(rng.IntN(2) == 0)
			}
		}
		return out
	}
	number := func() int64 {
		v := pick()
		if kind == 't' {
			if tm, err := time.Parse(time.RFC3339Nano, v); err == nil {
				return tm.UnixMilli() + int64(rng.IntN(3)-1)
			}
		}
		if x, err := strconv.ParseFloat(v, 64); err == nil {
			return int64(math.Floor(x)) + int64(rng.IntN(3)-1)
		}
		return int64(rng.IntN(11))
	}
	long := rng.IntN(2) == 0
	name := func(short, longName string) string {
		if long {
			return longName
		}
		return short
	}
	c := map[string]any{}
	for len(c) == 0 {
		if rng.IntN(2) == 0 {
			c[name("eq", "equals")] = list()
		}
		if rng.IntN(3) == 0 {
			c[name("neq", "notEquals")] = list()
		}
		if kind == 'n' || kind == 't' {
			ops := [][2]string{{"gt", "greaterThan"}, {"gte", "greaterThanOrEqual"}, {"lt", "lessThan"}, {"lte", "lessThanOrEqual"}}
			for _, op := range ops {
				if rng.IntN(4) == 0 {
					c[name(op[0], op[1])] = number()
				}
			}
		}
	}
	return c
}

func TestSortValue(t *testing.T) {
	f := richFinding()
	tests := []struct {
		attribute string
		want      any
	}{
		{"severity", 5.0},
		{"service.count", 12.0},
		{"updatedAt", time.Date(2024, 5, 1, 12, 5, 0, 456e6, time.UTC)},
		{"type", "Recon:EC2/PortProbeUnprotectedPort"},
		{"accountId", "111122223333"},
		{"service.archived", "false"},
		{"resource.instanceDetails.instanceId", "i-0123456789abcdef0"},
		{"resource.instanceDetails.tags.key", "Name"},
		{"service.action.portProbeAction.portProbeDetails.localPortDetails.port", 22.0},
	}
	for _, tt := range tests {
		got, ok := finding.SortValue(&f, tt.attribute)
		if !ok || finding.CompareValues(got, tt.want) != 0 {
			t.Errorf("SortValue(richFinding, %q) = %v, %t; want %v, true", tt.attribute, got, ok, tt.want)
		}
	}
	empty := finding.Finding{}
	for attribute, want := range map[string]any{
		"confidence": 0.0, "updatedAt": time.Time{}, "resource.instanceDetails.instanceId": "", "service.action.portProbeAction.blocked": "",
	} {
		if got, ok := finding.SortValue(&empty, attribute); !ok || !CompareValuesEqual(got, want) {
			t.Errorf("SortValue(empty, %q) = %#v, %t; want %#v, true", attribute, got, ok, want)
		}
	}
	for _, attribute := range []string{"", "Severity", "resource", "service.action", "nope"} {
		if got, ok := finding.SortValue(&f, attribute); ok {
			t.Errorf("SortValue(richFinding, %q) = %v, true; want false", attribute, got)
		}
	}
}

func TestCompareValues(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		a, b any
		want int
	}{
		{1.0, 2.0, -1},
		{2.0, 1.0, 1},
		{2.0, 2.0, 0},
		{math.NaN(), 1.0, -1},
		{1.0, math.NaN(), 1},
		{math.NaN(), math.NaN(), 0},
		{t0, t0.Add(time.Millisecond), -1},
		{t0.Add(time.Hour), t0, 1},
		{t0, t0.In(time.FixedZone("x", 3600)), 0},
		{"a", "b", -1},
		{"b", "a", 1},
		{"", "", 0},
		{nil, 1.0, -1},
		{1.0, t0, -1},
		{t0, "a", -1},
		{"a", 1.0, 1},
		{"a", 42, -1}, // other types sort last
		{nil, nil, 0},
	}
	for _, tt := range tests {
		if got := finding.CompareValues(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareValues(%#v, %#v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}

	// Sorting by a value orders findings as GuardDuty's sortCriteria would.
	fs := []finding.Finding{richFinding(), richFinding(), richFinding()}
	fs[0].Severity, fs[1].Severity, fs[2].Severity = 5, 8, 2
	slices.SortFunc(fs, func(a, b finding.Finding) int {
		va, _ := finding.SortValue(&a, "severity")
		vb, _ := finding.SortValue(&b, "severity")
		return -finding.CompareValues(va, vb) // DESC
	})
	if got := []float64{fs[0].Severity, fs[1].Severity, fs[2].Severity}; !slices.Equal(got, []float64{8, 5, 2}) {
		t.Errorf("severities sorted DESC = %v, want [8 5 2]", got)
	}
}

// bruteForce is a typical finding: SSH brute force against an instance.
func bruteForce() finding.Finding {
	f := finding.Finding{
		AccountID: "111122223333", Region: "us-east-1", Partition: "aws", SchemaVersion: finding.SchemaVersion,
		ID: "b2c4e6a8d0f1e3c5a7b9d1f3e5c7a9b1", Type: "UnauthorizedAccess:EC2/SSHBruteForce", Severity: 2,
		CreatedAt: ts("2024-05-01T12:00:00Z"), UpdatedAt: ts("2024-05-01T12:30:00Z"),
		Title: "198.51.100.7 is performing SSH brute force attacks against i-0123456789abcdef0.",
		Resource: finding.Resource{ResourceType: finding.ResourceInstance, InstanceDetails: &finding.InstanceDetails{
			InstanceID: "i-0123456789abcdef0", InstanceType: "t3.micro", ImageID: "ami-0123456789abcdef0",
			Tags: []finding.Tag{{Key: "Name", Value: "bastion"}},
		}},
		Service: finding.Service{
			Action: &finding.Action{ActionType: finding.ActionNetworkConnection, NetworkConnectionAction: &finding.NetworkConnectionAction{
				ConnectionDirection: "INBOUND", Protocol: "TCP",
				LocalPortDetails:  &finding.PortDetails{Port: 22, PortName: "SSH"},
				RemotePortDetails: &finding.PortDetails{Port: 51234, PortName: "Unknown"},
				RemoteIPDetails: &finding.RemoteIPDetails{IPAddressV4: "198.51.100.7",
					Country: &finding.Country{CountryName: "Germany"}, Organization: &finding.Organization{Asn: "64496"}},
			}},
			Count: 40, ResourceRole: finding.RoleTarget, ServiceName: "guardduty",
			EventFirstSeen: ts("2024-05-01T11:58:00Z"), EventLastSeen: ts("2024-05-01T12:29:00Z"),
		},
	}
	return f
}

func BenchmarkMatch(b *testing.B) {
	f := bruteForce()
	c := mustParse(b, `{"criterion":{"severity":{"gte":2},"type":{"equals":["UnauthorizedAccess:EC2/SSHBruteForce","UnauthorizedAccess:EC2/RDPBruteForce"]},"service.archived":{"equals":["false"]}}}`)
	if !c.Match(&f) {
		b.Fatal("criteria do not match")
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Match(&f)
	}
}

func BenchmarkMatchListFields(b *testing.B) {
	f := bruteForce()
	c := mustParse(b, `{"criterion":{"resource.instanceDetails.tags.value":{"neq":["scanner"]},"service.action.networkConnectionAction.remoteIpDetails.ipAddressV4":{"neq":["203.0.113.9"]},"service.action.networkConnectionAction.localPortDetails.port":{"eq":["22","3389"]}}}`)
	if !c.Match(&f) {
		b.Fatal("criteria do not match")
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Match(&f)
	}
}

func BenchmarkParseCriteria(b *testing.B) {
	raw := []byte(`{"criterion":{"severity":{"gte":2},"type":{"equals":["UnauthorizedAccess:EC2/SSHBruteForce"]},"service.archived":{"equals":["false"]}}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := finding.ParseCriteria(raw); err != nil {
			b.Fatal(err)
		}
	}
}
