package finding_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fullFinding sets every field of a finding, so that no omitempty field is
// left out of its JSON.
func fullFinding() finding.Finding {
	ts := func(s string) finding.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return finding.At(t)
	}
	created := ts("2024-05-01T12:00:00.123Z")
	confidence := 8.0
	remote := &finding.RemoteIPDetails{
		City:         &finding.City{CityName: "Frankfurt am Main"},
		Country:      &finding.Country{CountryCode: "DE", CountryName: "Germany"},
		GeoLocation:  &finding.GeoLocation{Lat: 50.1188, Lon: 8.6843},
		IPAddressV4:  "198.51.100.7",
		IPAddressV6:  "2001:db8::7",
		Organization: &finding.Organization{Asn: "64496", AsnOrg: "EXAMPLE-AS", Isp: "Example ISP", Org: "Example Org"},
	}
	bpa := &finding.BlockPublicAccess{IgnorePublicAcls: true, RestrictPublicBuckets: true, BlockPublicAcls: true, BlockPublicPolicy: true}
	return finding.Finding{
		AccountID:   "111122223333",
		Arn:         finding.ARN("aws", "us-east-1", "111122223333", "7a1c0e5f3b9d4c2e8f6a0b1d2c3e4f50", "a7dc846b1fd3aeafc3246776ec91b2c4"),
		Confidence:  &confidence,
		CreatedAt:   created,
		Description: "API ListBuckets was invoked using root credentials from IP address 198.51.100.7.",
		ID:          "a7dc846b1fd3aeafc3246776ec91b2c4",
		Partition:   "aws",
		Region:      "us-east-1",
		Resource: finding.Resource{
			ResourceType: finding.ResourceAccessKey,
			AccessKeyDetails: &finding.AccessKeyDetails{
				AccessKeyID: "AKIA6ON6E4XEROOTKEY1", PrincipalID: "111122223333", UserName: "Root", UserType: "Root",
			},
			S3BucketDetails: []finding.S3BucketDetail{{
				Arn:       "arn:aws:s3:::example-bucket",
				Name:      "example-bucket",
				Type:      "Destination",
				CreatedAt: &finding.EpochTime{Time: created.Time},
				Owner:     &finding.Owner{ID: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
				Tags:      []finding.Tag{{Key: "team", Value: "data"}},
				PublicAccess: &finding.PublicAccess{
					EffectivePermission: "PUBLIC",
					PermissionConfiguration: &finding.PermissionConfiguration{
						BucketLevelPermissions: &finding.BucketLevelPermissions{
							AccessControlList: &finding.PublicReadWrite{AllowsPublicReadAccess: true},
							BucketPolicy:      &finding.PublicReadWrite{AllowsPublicWriteAccess: true},
							BlockPublicAccess: bpa,
						},
						AccountLevelPermissions: &finding.AccountLevelPermissions{BlockPublicAccess: bpa},
					},
				},
			}},
			InstanceDetails: &finding.InstanceDetails{
				InstanceID:       "i-0123456789abcdef0",
				InstanceState:    "running",
				InstanceType:     "t3.micro",
				AvailabilityZone: "us-east-1a",
				ImageID:          "ami-0123456789abcdef0",
				NetworkInterfaces: []finding.NetworkInterface{{
					NetworkInterfaceID: "eni-0123456789abcdef0",
					PrivateIPAddress:   "10.0.0.12",
					PublicIP:           "203.0.113.12",
					IPv6Addresses:      []string{"2001:db8::12"},
					SubnetID:           "subnet-0123456789abcdef0",
					VpcID:              "vpc-0123456789abcdef0",
				}},
				Tags: []finding.Tag{{Key: "Name", Value: "web"}},
			},
		},
		SchemaVersion: finding.SchemaVersion,
		Service: finding.Service{
			Action: &finding.Action{
				ActionType: finding.ActionAWSAPICall,
				AwsAPICallAction: &finding.AwsAPICallAction{
					API:                  "ListBuckets",
					CallerType:           "Remote IP",
					DomainDetails:        &finding.DomainDetails{Domain: "example.com"},
					ErrorCode:            "AccessDenied",
					UserAgent:            "aws-cli/2.15.0",
					RemoteIPDetails:      remote,
					ServiceName:          "s3.amazonaws.com",
					RemoteAccountDetails: &finding.RemoteAccountDetails{AccountID: "444455556666", Affiliated: true},
					AffectedResources:    map[string]string{"AWS::S3::Bucket": "example-bucket"},
				},
				NetworkConnectionAction: &finding.NetworkConnectionAction{
					Blocked:               true,
					ConnectionDirection:   "OUTBOUND",
					LocalPortDetails:      &finding.PortDetails{Port: 49152, PortName: "Unknown"},
					Protocol:              "TCP",
					LocalIPDetails:        &finding.LocalIPDetails{IPAddressV4: "10.0.0.12", IPAddressV6: "2001:db8::12"},
					LocalNetworkInterface: "eni-0123456789abcdef0",
					RemoteIPDetails:       remote,
					RemotePortDetails:     &finding.PortDetails{Port: 443, PortName: "HTTPS"},
				},
				PortProbeAction: &finding.PortProbeAction{
					Blocked: true,
					PortProbeDetails: []finding.PortProbeDetail{{
						LocalPortDetails: &finding.PortDetails{Port: 22, PortName: "SSH"},
						LocalIPDetails:   &finding.LocalIPDetails{IPAddressV4: "10.0.0.12", IPAddressV6: "2001:db8::12"},
						RemoteIPDetails:  remote,
					}},
				},
				DNSRequestAction: &finding.DNSRequestAction{
					Domain:            "example.com",
					Protocol:          "UDP",
					Blocked:           true,
					DomainWithSuffix:  "example.com",
					VpcOwnerAccountID: "111122223333",
				},
			},
			Evidence: &finding.Evidence{ThreatIntelligenceDetails: []finding.ThreatIntelligenceDetail{{
				ThreatListName:   "ProofPoint",
				ThreatNames:      []string{"Bitcoin"},
				ThreatFileSha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			}}},
			Archived:       true,
			Count:          3,
			DetectorID:     "7a1c0e5f3b9d4c2e8f6a0b1d2c3e4f50",
			EventFirstSeen: ts("2024-05-01T11:58:01.001Z"),
			EventLastSeen:  ts("2024-05-01T11:59:59.999Z"),
			ResourceRole:   finding.RoleTarget,
			ServiceName:    "guardduty",
			UserFeedback:   "USEFUL",
			AdditionalInfo: &finding.AdditionalInfo{Value: `{"sample":true}`, Type: "default"},
			FeatureName:    "CloudTrail",
		},
		Severity:  2,
		Title:     "API ListBuckets was invoked using root credentials.",
		Type:      "Policy:IAMUser/RootCredentialUsage",
		UpdatedAt: ts("2024-05-01T12:05:00.456Z"),
	}
}

// wireKeys are the JSON paths of the leaves of fullFinding's JSON, in
// GuardDuty's wire names (the AWS SDK's service/guardduty serializers).
// Elements of arrays share their array's path.
var wireKeys = []string{
	"accountId",
	"arn",
	"confidence",
	"createdAt",
	"description",
	"id",
	"partition",
	"region",
	"resource.accessKeyDetails.accessKeyId",
	"resource.accessKeyDetails.principalId",
	"resource.accessKeyDetails.userName",
	"resource.accessKeyDetails.userType",
	"resource.instanceDetails.availabilityZone",
	"resource.instanceDetails.imageId",
	"resource.instanceDetails.instanceId",
	"resource.instanceDetails.instanceState",
	"resource.instanceDetails.instanceType",
	"resource.instanceDetails.networkInterfaces.ipv6Addresses",
	"resource.instanceDetails.networkInterfaces.networkInterfaceId",
	"resource.instanceDetails.networkInterfaces.privateIpAddress",
	"resource.instanceDetails.networkInterfaces.publicIp",
	"resource.instanceDetails.networkInterfaces.subnetId",
	"resource.instanceDetails.networkInterfaces.vpcId",
	"resource.instanceDetails.tags.key",
	"resource.instanceDetails.tags.value",
	"resource.resourceType",
	"resource.s3BucketDetails.arn",
	"resource.s3BucketDetails.createdAt",
	"resource.s3BucketDetails.name",
	"resource.s3BucketDetails.owner.id",
	"resource.s3BucketDetails.publicAccess.effectivePermission",
	"resource.s3BucketDetails.publicAccess.permissionConfiguration.accountLevelPermissions.blockPublicAccess.blockPublicAcls",
	"resource.s3BucketDetails.publicAccess.permissionConfiguration.accountLevelPermissions.blockPublicAccess.blockPublicPolicy",
	"resource.s3BucketDetails.publicAccess.permissionConfiguration.accountLevelPermissions.blockPublicAccess.ignorePublicAcls",
	"resource.s3BucketDetails.publicAccess.permissionConfiguration.accountLevelPermissions.blockPublicAccess.restrictPublicBuckets",
	"resource.s3BucketDetails.publicAccess.permissionConfiguration.bucketLevelPermissions.accessControlList.allowsPublicReadAccess",
	"resource.s3BucketDetails.publicAccess.permissionConfiguration.bucketLevelPermissions.accessControlList.allowsPublicWriteAccess",
	"resource.s3BucketDetails.publicAccess.permissionConfiguration.bucketLevelPermissions.blockPublicAccess.blockPublicAcls",
	"resource.s3BucketDetails.publicAccess.permissionConfiguration.bucketLevelPermissions.blockPublicAccess.blockPublicPolicy",
	"resource.s3BucketDetails.publicAccess.permissionConfiguration.bucketLevelPermissions.blockPublicAccess.ignorePublicAcls",
	"resource.s3BucketDetails.publicAccess.permissionConfiguration.bucketLevelPermissions.blockPublicAccess.restrictPublicBuckets",
	"resource.s3BucketDetails.publicAccess.permissionConfiguration.bucketLevelPermissions.bucketPolicy.allowsPublicReadAccess",
	"resource.s3BucketDetails.publicAccess.permissionConfiguration.bucketLevelPermissions.bucketPolicy.allowsPublicWriteAccess",
	"resource.s3BucketDetails.tags.key",
	"resource.s3BucketDetails.tags.value",
	"resource.s3BucketDetails.type",
	"schemaVersion",
	"service.action.actionType",
	"service.action.awsApiCallAction.affectedResources", // a map: its keys are data
	"service.action.awsApiCallAction.api",
	"service.action.awsApiCallAction.callerType",
	"service.action.awsApiCallAction.domainDetails.domain",
	"service.action.awsApiCallAction.errorCode",
	"service.action.awsApiCallAction.remoteAccountDetails.accountId",
	"service.action.awsApiCallAction.remoteAccountDetails.affiliated",
	"service.action.awsApiCallAction.remoteIpDetails.city.cityName",
	"service.action.awsApiCallAction.remoteIpDetails.country.countryCode",
	"service.action.awsApiCallAction.remoteIpDetails.country.countryName",
	"service.action.awsApiCallAction.remoteIpDetails.geoLocation.lat",
	"service.action.awsApiCallAction.remoteIpDetails.geoLocation.lon",
	"service.action.awsApiCallAction.remoteIpDetails.ipAddressV4",
	"service.action.awsApiCallAction.remoteIpDetails.ipAddressV6",
	"service.action.awsApiCallAction.remoteIpDetails.organization.asn",
	"service.action.awsApiCallAction.remoteIpDetails.organization.asnOrg",
	"service.action.awsApiCallAction.remoteIpDetails.organization.isp",
	"service.action.awsApiCallAction.remoteIpDetails.organization.org",
	"service.action.awsApiCallAction.serviceName",
	"service.action.awsApiCallAction.userAgent",
	"service.action.dnsRequestAction.blocked",
	"service.action.dnsRequestAction.domain",
	"service.action.dnsRequestAction.domainWithSuffix",
	"service.action.dnsRequestAction.protocol",
	"service.action.dnsRequestAction.vpcOwnerAccountId",
	"service.action.networkConnectionAction.blocked",
	"service.action.networkConnectionAction.connectionDirection",
	"service.action.networkConnectionAction.localIpDetails.ipAddressV4",
	"service.action.networkConnectionAction.localIpDetails.ipAddressV6",
	"service.action.networkConnectionAction.localNetworkInterface",
	"service.action.networkConnectionAction.localPortDetails.port",
	"service.action.networkConnectionAction.localPortDetails.portName",
	"service.action.networkConnectionAction.protocol",
	"service.action.networkConnectionAction.remoteIpDetails.city.cityName",
	"service.action.networkConnectionAction.remoteIpDetails.country.countryCode",
	"service.action.networkConnectionAction.remoteIpDetails.country.countryName",
	"service.action.networkConnectionAction.remoteIpDetails.geoLocation.lat",
	"service.action.networkConnectionAction.remoteIpDetails.geoLocation.lon",
	"service.action.networkConnectionAction.remoteIpDetails.ipAddressV4",
	"service.action.networkConnectionAction.remoteIpDetails.ipAddressV6",
	"service.action.networkConnectionAction.remoteIpDetails.organization.asn",
	"service.action.networkConnectionAction.remoteIpDetails.organization.asnOrg",
	"service.action.networkConnectionAction.remoteIpDetails.organization.isp",
	"service.action.networkConnectionAction.remoteIpDetails.organization.org",
	"service.action.networkConnectionAction.remotePortDetails.port",
	"service.action.networkConnectionAction.remotePortDetails.portName",
	"service.action.portProbeAction.blocked",
	"service.action.portProbeAction.portProbeDetails.localIpDetails.ipAddressV4",
	"service.action.portProbeAction.portProbeDetails.localIpDetails.ipAddressV6",
	"service.action.portProbeAction.portProbeDetails.localPortDetails.port",
	"service.action.portProbeAction.portProbeDetails.localPortDetails.portName",
	"service.action.portProbeAction.portProbeDetails.remoteIpDetails.city.cityName",
	"service.action.portProbeAction.portProbeDetails.remoteIpDetails.country.countryCode",
	"service.action.portProbeAction.portProbeDetails.remoteIpDetails.country.countryName",
	"service.action.portProbeAction.portProbeDetails.remoteIpDetails.geoLocation.lat",
	"service.action.portProbeAction.portProbeDetails.remoteIpDetails.geoLocation.lon",
	"service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV4",
	"service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV6",
	"service.action.portProbeAction.portProbeDetails.remoteIpDetails.organization.asn",
	"service.action.portProbeAction.portProbeDetails.remoteIpDetails.organization.asnOrg",
	"service.action.portProbeAction.portProbeDetails.remoteIpDetails.organization.isp",
	"service.action.portProbeAction.portProbeDetails.remoteIpDetails.organization.org",
	"service.additionalInfo.type",
	"service.additionalInfo.value",
	"service.archived",
	"service.count",
	"service.detectorId",
	"service.eventFirstSeen",
	"service.eventLastSeen",
	"service.evidence.threatIntelligenceDetails.threatFileSha256",
	"service.evidence.threatIntelligenceDetails.threatListName",
	"service.evidence.threatIntelligenceDetails.threatNames",
	"service.featureName",
	"service.resourceRole",
	"service.serviceName",
	"service.userFeedback",
	"severity",
	"title",
	"type",
	"updatedAt",
}

// opaque are paths whose object keys are data, not schema.
var opaque = map[string]bool{"service.action.awsApiCallAction.affectedResources": true}

// leafPaths returns the dotted paths of the leaves of a decoded JSON value.
func leafPaths(prefix string, v any, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		if opaque[prefix] {
			out[prefix] = true
			return
		}
		for k, x := range v {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			leafPaths(p, x, out)
		}
	case []any:
		leaves := true
		for _, x := range v {
			switch x.(type) {
			case map[string]any, []any:
				leaves = false
				leafPaths(prefix, x, out)
			}
		}
		if leaves {
			out[prefix] = true
		}
	default:
		out[prefix] = true
	}
}

func marshalKeys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("json.Unmarshal(%s): %v", b, err)
	}
	set := map[string]bool{}
	leafPaths("", doc, set)
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestWireNames(t *testing.T) {
	if !slices.IsSorted(wireKeys) {
		t.Fatal("wireKeys is not sorted")
	}
	if diff := cmp.Diff(wireKeys, marshalKeys(t, fullFinding())); diff != "" {
		t.Errorf("JSON keys of a full finding differ from GuardDuty's (-want +got):\n%s", diff)
	}
}

// TestWireNamesAlwaysPresent checks the fields GuardDuty always writes,
// which must not be omitted even when empty or false.
func TestWireNamesAlwaysPresent(t *testing.T) {
	want := []string{
		"accountId", "arn", "createdAt", "description", "id", "partition", "region",
		"resource.resourceType", "schemaVersion",
		"service.archived", "service.count", "service.detectorId", "service.eventFirstSeen",
		"service.eventLastSeen", "service.resourceRole", "service.serviceName",
		"severity", "title", "type", "updatedAt",
	}
	if diff := cmp.Diff(want, marshalKeys(t, finding.Finding{AggregationKey: "not on the wire"})); diff != "" {
		t.Errorf("JSON keys of an empty finding (-want +got):\n%s", diff)
	}
}

var timeEqual = cmp.Comparer(func(a, b finding.Time) bool { return a.Equal(b.Time) })

func TestJSONGolden(t *testing.T) {
	f := fullFinding()
	got, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatalf("json.MarshalIndent: %v", err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "finding.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("json.MarshalIndent(full finding) differs from %s (-want +got):\n%s", golden, cmp.Diff(string(want), string(got)))
	}

	// The golden file reads back into the same finding.
	var back finding.Finding
	if err := json.Unmarshal(want, &back); err != nil {
		t.Fatalf("json.Unmarshal(%s): %v", golden, err)
	}
	if diff := cmp.Diff(f, back, timeEqual); diff != "" {
		t.Errorf("json.Unmarshal(%s) differs from the marshalled finding (-want +got):\n%s", golden, diff)
	}
}

func TestJSONDropsAggregationKey(t *testing.T) {
	f := fullFinding()
	f.AggregationKey = "AKIA6ON6E4XEROOTKEY1|ListBuckets"
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(f.AggregationKey)) {
		t.Errorf("json.Marshal(finding) = %s, want no aggregation key", b)
	}
}
