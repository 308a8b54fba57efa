package finding

import (
	"encoding/json"
	"strconv"
)

// fieldKind is how a criteria field compares: as text, a flag, a number or a time.
type fieldKind int

const (
	kindString fieldKind = iota
	kindBool
	kindNumber
	kindTime // compared as epoch milliseconds
)

func (k fieldKind) String() string {
	return [...]string{"string", "boolean", "number", "time"}[k]
}

// fieldValue is one value of a field: s for strings and booleans ("true",
// "false"), n for numbers and times (epoch milliseconds).
type fieldValue struct {
	s string
	n float64
}

// A criteriaField reads one criteria path of a finding: one for single-valued
// fields, many for fields inside lists. Missing and empty values are left
// out.
type criteriaField struct {
	kind fieldKind
	one  func(*Finding) (fieldValue, bool)
	many func(*Finding) []fieldValue
}

// values returns the field's values in f, using buf for a single value.
func (fd *criteriaField) values(f *Finding, buf *[1]fieldValue) []fieldValue {
	if fd.one == nil {
		return fd.many(f)
	}
	v, ok := fd.one(f)
	if !ok {
		return nil
	}
	buf[0] = v
	return buf[:]
}

// strField reads a string; the empty string is a missing value.
func strField(get func(*Finding) string) *criteriaField {
	return &criteriaField{kind: kindString, one: func(f *Finding) (fieldValue, bool) {
		s := get(f)
		return fieldValue{s: s}, s != ""
	}}
}

// strsField reads a list of strings, leaving out empty ones.
func strsField(get func(*Finding) []string) *criteriaField {
	return &criteriaField{kind: kindString, many: func(f *Finding) []fieldValue {
		var out []fieldValue
		for _, s := range get(f) {
			if s != "" {
				out = append(out, fieldValue{s: s})
			}
		}
		return out
	}}
}

// flagField reads a boolean of the struct get returns; it is missing when the
// struct is.
func flagField[P any](get func(*Finding) *P, b func(*P) bool) *criteriaField {
	return &criteriaField{kind: kindBool, one: func(f *Finding) (fieldValue, bool) {
		p := get(f)
		if p == nil {
			return fieldValue{}, false
		}
		return fieldValue{s: strconv.FormatBool(b(p))}, true
	}}
}

// numField reads a number; ok false is a missing value.
func numField(get func(*Finding) (float64, bool)) *criteriaField {
	return &criteriaField{kind: kindNumber, one: func(f *Finding) (fieldValue, bool) {
		n, ok := get(f)
		return fieldValue{n: n}, ok
	}}
}

// portField reads the port of the details get returns.
func portField(get func(*Finding) *PortDetails) *criteriaField {
	return numField(func(f *Finding) (float64, bool) {
		if p := get(f); p != nil {
			return float64(p.Port), true
		}
		return 0, false
	})
}

// numsField reads a list of numbers.
func numsField(get func(*Finding) []float64) *criteriaField {
	return &criteriaField{kind: kindNumber, many: func(f *Finding) []fieldValue {
		var out []fieldValue
		for _, n := range get(f) {
			out = append(out, fieldValue{n: n})
		}
		return out
	}}
}

// timeField reads a time; the zero time is a missing value.
func timeField(get func(*Finding) Time) *criteriaField {
	return &criteriaField{kind: kindTime, one: func(f *Finding) (fieldValue, bool) {
		t := get(f)
		return fieldValue{n: float64(t.UnixMilli())}, !t.IsZero()
	}}
}

// eachOf reads get of every element of the list p returns.
func eachOf[E any](p func(*Finding) []E, get func(*E) string) func(*Finding) []string {
	return func(f *Finding) []string {
		list := p(f)
		out := make([]string, 0, len(list))
		for i := range list {
			out = append(out, get(&list[i]))
		}
		return out
	}
}

// Parts of a finding that may be nil.
func accessKeyOf(f *Finding) *AccessKeyDetails   { return f.Resource.AccessKeyDetails }
func instanceOf(f *Finding) *InstanceDetails     { return f.Resource.InstanceDetails }
func lambdaOf(f *Finding) *LambdaDetails         { return f.Resource.LambdaDetails }
func malwareOf(f *Finding) *MalwareScanDetails   { return f.Service.MalwareScanDetails }
func ebsScanOf(f *Finding) *EbsVolumeScanDetails { return f.Service.EbsVolumeScanDetails }
func apiCallOf(f *Finding) *AwsAPICallAction     { return orZero(f.Service.Action).AwsAPICallAction }
func portProbeOf(f *Finding) *PortProbeAction    { return orZero(f.Service.Action).PortProbeAction }
func dnsRequestOf(f *Finding) *DNSRequestAction  { return orZero(f.Service.Action).DNSRequestAction }

func netConnOf(f *Finding) *NetworkConnectionAction {
	return orZero(f.Service.Action).NetworkConnectionAction
}

func bucketsOf(f *Finding) []S3BucketDetail      { return f.Resource.S3BucketDetails }
func interfacesOf(f *Finding) []NetworkInterface { return orZero(instanceOf(f)).NetworkInterfaces }
func instanceTagsOf(f *Finding) []Tag            { return orZero(instanceOf(f)).Tags }
func probesOf(f *Finding) []PortProbeDetail      { return orZero(portProbeOf(f)).PortProbeDetails }

func threatIntelOf(f *Finding) []ThreatIntelligenceDetail {
	return orZero(f.Service.Evidence).ThreatIntelligenceDetails
}

func ebsThreatNamesOf(f *Finding) []ScanThreatName {
	d := orZero(orZero(ebsScanOf(f)).ScanDetections)
	return orZero(d.ThreatDetectedByName).ThreatNames
}

// remoteIPParts are the fields of a remoteIpDetails block.
var remoteIPParts = map[string]func(*RemoteIPDetails) string{
	"ipAddressV4":         func(r *RemoteIPDetails) string { return r.IPAddressV4 },
	"ipAddressV6":         func(r *RemoteIPDetails) string { return r.IPAddressV6 },
	"city.cityName":       func(r *RemoteIPDetails) string { return orZero(r.City).CityName },
	"country.countryCode": func(r *RemoteIPDetails) string { return orZero(r.Country).CountryCode },
	"country.countryName": func(r *RemoteIPDetails) string { return orZero(r.Country).CountryName },
	"organization.asn":    func(r *RemoteIPDetails) string { return orZero(r.Organization).Asn },
	"organization.asnOrg": func(r *RemoteIPDetails) string { return orZero(r.Organization).AsnOrg },
	"organization.isp":    func(r *RemoteIPDetails) string { return orZero(r.Organization).Isp },
	"organization.org":    func(r *RemoteIPDetails) string { return orZero(r.Organization).Org },
}

// orZero returns *p, or the zero value when p is nil.
func orZero[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// criteriaFields maps every supported criteria path to its field.
var criteriaFields = fieldTable()

func fieldTable() map[string]*criteriaField {
	t := map[string]*criteriaField{
		"accountId":  strField(func(f *Finding) string { return f.AccountID }),
		"arn":        strField(func(f *Finding) string { return f.Arn }),
		"confidence": numField(func(f *Finding) (float64, bool) { return orZero(f.Confidence), f.Confidence != nil }),
		"createdAt":  timeField(func(f *Finding) Time { return f.CreatedAt }),
		"id":         strField(func(f *Finding) string { return f.ID }),
		"partition":  strField(func(f *Finding) string { return f.Partition }),
		"region":     strField(func(f *Finding) string { return f.Region }),
		"severity":   numField(func(f *Finding) (float64, bool) { return f.Severity, true }),
		"title":      strField(func(f *Finding) string { return f.Title }),
		"type":       strField(func(f *Finding) string { return f.Type }),
		"updatedAt":  timeField(func(f *Finding) Time { return f.UpdatedAt }),

		"resource.resourceType":                                         strField(func(f *Finding) string { return f.Resource.ResourceType }),
		"resource.accessKeyDetails.accessKeyId":                         strField(func(f *Finding) string { return orZero(accessKeyOf(f)).AccessKeyID }),
		"resource.accessKeyDetails.principalId":                         strField(func(f *Finding) string { return orZero(accessKeyOf(f)).PrincipalID }),
		"resource.accessKeyDetails.userName":                            strField(func(f *Finding) string { return orZero(accessKeyOf(f)).UserName }),
		"resource.accessKeyDetails.userType":                            strField(func(f *Finding) string { return orZero(accessKeyOf(f)).UserType }),
		"resource.instanceDetails.availabilityZone":                     strField(func(f *Finding) string { return orZero(instanceOf(f)).AvailabilityZone }),
		"resource.instanceDetails.imageId":                              strField(func(f *Finding) string { return orZero(instanceOf(f)).ImageID }),
		"resource.instanceDetails.instanceId":                           strField(func(f *Finding) string { return orZero(instanceOf(f)).InstanceID }),
		"resource.instanceDetails.instanceState":                        strField(func(f *Finding) string { return orZero(instanceOf(f)).InstanceState }),
		"resource.instanceDetails.instanceType":                         strField(func(f *Finding) string { return orZero(instanceOf(f)).InstanceType }),
		"resource.instanceDetails.tags.key":                             strsField(eachOf(instanceTagsOf, func(t *Tag) string { return t.Key })),
		"resource.instanceDetails.tags.value":                           strsField(eachOf(instanceTagsOf, func(t *Tag) string { return t.Value })),
		"resource.instanceDetails.networkInterfaces.ipv6Addresses":      strsField(ipv6AddressesOf),
		"resource.instanceDetails.networkInterfaces.networkInterfaceId": strsField(eachOf(interfacesOf, func(n *NetworkInterface) string { return n.NetworkInterfaceID })),
		"resource.instanceDetails.networkInterfaces.privateIpAddress":   strsField(eachOf(interfacesOf, func(n *NetworkInterface) string { return n.PrivateIPAddress })),
		// GuardDuty's documented path; Vigil records only the primary address.
		"resource.instanceDetails.networkInterfaces.privateIpAddresses.privateIpAddress": strsField(eachOf(interfacesOf, func(n *NetworkInterface) string { return n.PrivateIPAddress })),
		"resource.instanceDetails.networkInterfaces.publicIp":                            strsField(eachOf(interfacesOf, func(n *NetworkInterface) string { return n.PublicIP })),
		"resource.instanceDetails.networkInterfaces.subnetId":                            strsField(eachOf(interfacesOf, func(n *NetworkInterface) string { return n.SubnetID })),
		"resource.instanceDetails.networkInterfaces.vpcId":                               strsField(eachOf(interfacesOf, func(n *NetworkInterface) string { return n.VpcID })),
		"resource.s3BucketDetails.arn":                                                   strsField(eachOf(bucketsOf, func(b *S3BucketDetail) string { return b.Arn })),
		"resource.s3BucketDetails.name":                                                  strsField(eachOf(bucketsOf, func(b *S3BucketDetail) string { return b.Name })),
		"resource.s3BucketDetails.type":                                                  strsField(eachOf(bucketsOf, func(b *S3BucketDetail) string { return b.Type })),
		"resource.s3BucketDetails.owner.id":                                              strsField(eachOf(bucketsOf, func(b *S3BucketDetail) string { return orZero(b.Owner).ID })),
		"resource.s3BucketDetails.publicAccess.effectivePermission":                      strsField(eachOf(bucketsOf, func(b *S3BucketDetail) string { return orZero(b.PublicAccess).EffectivePermission })),
		"resource.s3BucketDetails.tags.key":                                              strsField(bucketTagsOf(func(t *Tag) string { return t.Key })),
		"resource.s3BucketDetails.tags.value":                                            strsField(bucketTagsOf(func(t *Tag) string { return t.Value })),
		"resource.s3BucketDetails.s3ObjectDetails.key":                                   strsField(s3ObjectsOf(func(o *S3ObjectDetail) string { return o.Key })),
		"resource.s3BucketDetails.s3ObjectDetails.objectArn":                             strsField(s3ObjectsOf(func(o *S3ObjectDetail) string { return o.ObjectArn })),
		"resource.lambdaDetails.functionArn":                                             strField(func(f *Finding) string { return orZero(lambdaOf(f)).FunctionArn }),
		"resource.lambdaDetails.functionName":                                            strField(func(f *Finding) string { return orZero(lambdaOf(f)).FunctionName }),
		"resource.lambdaDetails.functionVersion":                                         strField(func(f *Finding) string { return orZero(lambdaOf(f)).FunctionVersion }),
		"resource.lambdaDetails.role":                                                    strField(func(f *Finding) string { return orZero(lambdaOf(f)).Role }),

		"service.action.actionType":                                      strField(func(f *Finding) string { return orZero(f.Service.Action).ActionType }),
		"service.action.awsApiCallAction.api":                            strField(func(f *Finding) string { return orZero(apiCallOf(f)).API }),
		"service.action.awsApiCallAction.callerType":                     strField(func(f *Finding) string { return orZero(apiCallOf(f)).CallerType }),
		"service.action.awsApiCallAction.domainDetails.domain":           strField(func(f *Finding) string { return orZero(orZero(apiCallOf(f)).DomainDetails).Domain }),
		"service.action.awsApiCallAction.errorCode":                      strField(func(f *Finding) string { return orZero(apiCallOf(f)).ErrorCode }),
		"service.action.awsApiCallAction.remoteAccountDetails.accountId": strField(func(f *Finding) string { return orZero(orZero(apiCallOf(f)).RemoteAccountDetails).AccountID }),
		"service.action.awsApiCallAction.remoteAccountDetails.affiliated": flagField(func(f *Finding) *RemoteAccountDetails { return orZero(apiCallOf(f)).RemoteAccountDetails },
			func(r *RemoteAccountDetails) bool { return r.Affiliated }),
		"service.action.awsApiCallAction.serviceName":                                strField(func(f *Finding) string { return orZero(apiCallOf(f)).ServiceName }),
		"service.action.awsApiCallAction.userAgent":                                  strField(func(f *Finding) string { return orZero(apiCallOf(f)).UserAgent }),
		"service.action.networkConnectionAction.blocked":                             flagField(netConnOf, func(a *NetworkConnectionAction) bool { return a.Blocked }),
		"service.action.networkConnectionAction.connectionDirection":                 strField(func(f *Finding) string { return orZero(netConnOf(f)).ConnectionDirection }),
		"service.action.networkConnectionAction.localIpDetails.ipAddressV4":          strField(func(f *Finding) string { return orZero(orZero(netConnOf(f)).LocalIPDetails).IPAddressV4 }),
		"service.action.networkConnectionAction.localIpDetails.ipAddressV6":          strField(func(f *Finding) string { return orZero(orZero(netConnOf(f)).LocalIPDetails).IPAddressV6 }),
		"service.action.networkConnectionAction.localNetworkInterface":               strField(func(f *Finding) string { return orZero(netConnOf(f)).LocalNetworkInterface }),
		"service.action.networkConnectionAction.localPortDetails.port":               portField(func(f *Finding) *PortDetails { return orZero(netConnOf(f)).LocalPortDetails }),
		"service.action.networkConnectionAction.localPortDetails.portName":           strField(func(f *Finding) string { return orZero(orZero(netConnOf(f)).LocalPortDetails).PortName }),
		"service.action.networkConnectionAction.protocol":                            strField(func(f *Finding) string { return orZero(netConnOf(f)).Protocol }),
		"service.action.networkConnectionAction.remotePortDetails.port":              portField(func(f *Finding) *PortDetails { return orZero(netConnOf(f)).RemotePortDetails }),
		"service.action.networkConnectionAction.remotePortDetails.portName":          strField(func(f *Finding) string { return orZero(orZero(netConnOf(f)).RemotePortDetails).PortName }),
		"service.action.portProbeAction.blocked":                                     flagField(portProbeOf, func(a *PortProbeAction) bool { return a.Blocked }),
		"service.action.portProbeAction.portProbeDetails.localIpDetails.ipAddressV4": strsField(eachOf(probesOf, func(p *PortProbeDetail) string { return orZero(p.LocalIPDetails).IPAddressV4 })),
		"service.action.portProbeAction.portProbeDetails.localIpDetails.ipAddressV6": strsField(eachOf(probesOf, func(p *PortProbeDetail) string { return orZero(p.LocalIPDetails).IPAddressV6 })),
		"service.action.portProbeAction.portProbeDetails.localPortDetails.port":      numsField(probePortsOf),
		"service.action.portProbeAction.portProbeDetails.localPortDetails.portName":  strsField(eachOf(probesOf, func(p *PortProbeDetail) string { return orZero(p.LocalPortDetails).PortName })),
		"service.action.dnsRequestAction.blocked":                                    flagField(dnsRequestOf, func(a *DNSRequestAction) bool { return a.Blocked }),
		"service.action.dnsRequestAction.domain":                                     strField(func(f *Finding) string { return orZero(dnsRequestOf(f)).Domain }),
		"service.action.dnsRequestAction.domainWithSuffix":                           strField(func(f *Finding) string { return orZero(dnsRequestOf(f)).DomainWithSuffix }),
		"service.action.dnsRequestAction.protocol":                                   strField(func(f *Finding) string { return orZero(dnsRequestOf(f)).Protocol }),
		"service.action.dnsRequestAction.vpcOwnerAccountId":                          strField(func(f *Finding) string { return orZero(dnsRequestOf(f)).VpcOwnerAccountID }),

		"service.additionalInfo.threatListName": strsField(additionalInfoOf("threatListName")),
		"service.additionalInfo.threatName":     strsField(additionalInfoOf("threatName")),
		"service.archived":                      flagField(func(f *Finding) *Service { return &f.Service }, func(s *Service) bool { return s.Archived }),
		"service.count":                         numField(func(f *Finding) (float64, bool) { return float64(f.Service.Count), true }),
		"service.eventFirstSeen":                timeField(func(f *Finding) Time { return f.Service.EventFirstSeen }),
		"service.eventLastSeen":                 timeField(func(f *Finding) Time { return f.Service.EventLastSeen }),
		"service.featureName":                   strField(func(f *Finding) string { return f.Service.FeatureName }),
		"service.resourceRole":                  strField(func(f *Finding) string { return f.Service.ResourceRole }),
		"service.userFeedback":                  strField(func(f *Finding) string { return f.Service.UserFeedback }),
		"service.evidence.threatIntelligenceDetails.threatFileSha256":                           strsField(eachOf(threatIntelOf, func(d *ThreatIntelligenceDetail) string { return d.ThreatFileSha256 })),
		"service.evidence.threatIntelligenceDetails.threatListName":                             strsField(eachOf(threatIntelOf, func(d *ThreatIntelligenceDetail) string { return d.ThreatListName })),
		"service.evidence.threatIntelligenceDetails.threatNames":                                strsField(threatNamesOf),
		"service.malwareScanDetails.scanId":                                                     strField(func(f *Finding) string { return orZero(malwareOf(f)).ScanID }),
		"service.malwareScanDetails.scanType":                                                   strField(func(f *Finding) string { return orZero(malwareOf(f)).ScanType }),
		"service.malwareScanDetails.threats.hash":                                               strsField(eachOf(malwareThreatsOf, func(t *MalwareThreat) string { return t.Hash })),
		"service.malwareScanDetails.threats.name":                                               strsField(eachOf(malwareThreatsOf, func(t *MalwareThreat) string { return t.Name })),
		"service.malwareScanDetails.threats.source":                                             strsField(eachOf(malwareThreatsOf, func(t *MalwareThreat) string { return t.Source })),
		"service.ebsVolumeScanDetails.scanId":                                                   strField(func(f *Finding) string { return orZero(ebsScanOf(f)).ScanID }),
		"service.ebsVolumeScanDetails.scanType":                                                 strField(func(f *Finding) string { return orZero(ebsScanOf(f)).ScanType }),
		"service.ebsVolumeScanDetails.sources":                                                  strsField(func(f *Finding) []string { return orZero(ebsScanOf(f)).Sources }),
		"service.ebsVolumeScanDetails.triggerFindingId":                                         strField(func(f *Finding) string { return orZero(ebsScanOf(f)).TriggerFindingID }),
		"service.ebsVolumeScanDetails.scanDetections.threatDetectedByName.threatNames.name":     strsField(eachOf(ebsThreatNamesOf, func(n *ScanThreatName) string { return n.Name })),
		"service.ebsVolumeScanDetails.scanDetections.threatDetectedByName.threatNames.severity": strsField(eachOf(ebsThreatNamesOf, func(n *ScanThreatName) string { return n.Severity })),
	}
	for part, get := range remoteIPParts {
		t["service.action.awsApiCallAction.remoteIpDetails."+part] = strField(func(f *Finding) string { return remoteIPOf(orZero(apiCallOf(f)).RemoteIPDetails, get) })
		t["service.action.networkConnectionAction.remoteIpDetails."+part] = strField(func(f *Finding) string { return remoteIPOf(orZero(netConnOf(f)).RemoteIPDetails, get) })
		t["service.action.portProbeAction.portProbeDetails.remoteIpDetails."+part] = strsField(eachOf(probesOf, func(p *PortProbeDetail) string { return remoteIPOf(p.RemoteIPDetails, get) }))
	}
	return t
}

func remoteIPOf(r *RemoteIPDetails, get func(*RemoteIPDetails) string) string {
	if r == nil {
		return ""
	}
	return get(r)
}

func malwareThreatsOf(f *Finding) []MalwareThreat { return orZero(malwareOf(f)).Threats }

func ipv6AddressesOf(f *Finding) []string {
	var out []string
	for _, n := range interfacesOf(f) {
		out = append(out, n.IPv6Addresses...)
	}
	return out
}

func bucketTagsOf(get func(*Tag) string) func(*Finding) []string {
	return func(f *Finding) []string {
		var out []string
		for _, b := range bucketsOf(f) {
			for i := range b.Tags {
				out = append(out, get(&b.Tags[i]))
			}
		}
		return out
	}
}

func s3ObjectsOf(get func(*S3ObjectDetail) string) func(*Finding) []string {
	return func(f *Finding) []string {
		var out []string
		for _, b := range bucketsOf(f) {
			for i := range b.S3ObjectDetails {
				out = append(out, get(&b.S3ObjectDetails[i]))
			}
		}
		return out
	}
}

func probePortsOf(f *Finding) []float64 {
	var out []float64
	for _, p := range probesOf(f) {
		if p.LocalPortDetails != nil {
			out = append(out, float64(p.LocalPortDetails.Port))
		}
	}
	return out
}

func threatNamesOf(f *Finding) []string {
	var out []string
	for _, d := range threatIntelOf(f) {
		out = append(out, d.ThreatNames...)
	}
	return out
}

// additionalInfoOf reads key of service.additionalInfo, whose value is a
// JSON document in a string: a string, or a list of strings.
func additionalInfoOf(key string) func(*Finding) []string {
	return func(f *Finding) []string {
		info := f.Service.AdditionalInfo
		if info == nil || info.Value == "" {
			return nil
		}
		var doc map[string]json.RawMessage
		if json.Unmarshal([]byte(info.Value), &doc) != nil {
			return nil
		}
		var one string
		if json.Unmarshal(doc[key], &one) == nil {
			return []string{one}
		}
		var list []string
		_ = json.Unmarshal(doc[key], &list)
		return list
	}
}
