package export

import (
	"sort"

	"github.com/vigil-sec/vigil/internal/finding"
)

type asffResource struct {
	Type      string            `json:"Type"`
	ID        string            `json:"Id"`
	Partition string            `json:"Partition,omitempty"`
	Region    string            `json:"Region,omitempty"`
	Tags      map[string]string `json:"Tags,omitempty"`
	Details   *asffDetails      `json:"Details,omitempty"`

	name string // a short name, for OCSF
}

type asffDetails struct {
	AwsEc2Instance    *asffEc2Instance  `json:"AwsEc2Instance,omitempty"`
	AwsIamAccessKey   *asffAccessKey    `json:"AwsIamAccessKey,omitempty"`
	AwsLambdaFunction *asffLambda       `json:"AwsLambdaFunction,omitempty"`
	AwsS3Bucket       *asffS3Bucket     `json:"AwsS3Bucket,omitempty"`
	AwsS3Object       *asffS3Object     `json:"AwsS3Object,omitempty"`
	Other             map[string]string `json:"Other,omitempty"`
}

type asffEc2Instance struct {
	Type              string         `json:"Type,omitempty"`
	ImageID           string         `json:"ImageId,omitempty"`
	IPV4Addresses     []string       `json:"IpV4Addresses,omitempty"`
	IPV6Addresses     []string       `json:"IpV6Addresses,omitempty"`
	VpcID             string         `json:"VpcId,omitempty"`
	SubnetID          string         `json:"SubnetId,omitempty"`
	NetworkInterfaces []asffEniIDRef `json:"NetworkInterfaces,omitempty"`
}

type asffEniIDRef struct {
	NetworkInterfaceID string `json:"NetworkInterfaceId,omitempty"`
}

type asffAccessKey struct {
	PrincipalID   string `json:"PrincipalId,omitempty"`
	PrincipalName string `json:"PrincipalName,omitempty"`
	PrincipalType string `json:"PrincipalType,omitempty"`
}

type asffLambda struct {
	FunctionName string         `json:"FunctionName,omitempty"`
	Role         string         `json:"Role,omitempty"`
	Version      string         `json:"Version,omitempty"`
	VpcConfig    *asffLambdaVpc `json:"VpcConfig,omitempty"`
}

type asffLambdaVpc struct {
	SubnetIDs []string `json:"SubnetIds,omitempty"`
	VpcID     string   `json:"VpcId,omitempty"`
}

type asffS3Bucket struct {
	Name      string `json:"Name,omitempty"`
	OwnerID   string `json:"OwnerId,omitempty"`
	CreatedAt string `json:"CreatedAt,omitempty"`
}

type asffS3Object struct {
	ETag      string `json:"ETag,omitempty"`
	VersionID string `json:"VersionId,omitempty"`
}

// asffResources lists the finding's resources in ASFF: the access key,
// the instance, every bucket and object, the Lambda function; one "Other"
// resource when it names none.
func asffResources(f *finding.Finding) []asffResource {
	rb := resourceBase{part: partition(f), region: f.Region, account: f.AccountID}
	r := &f.Resource
	var out []asffResource
	if k := r.AccessKeyDetails; k != nil {
		out = append(out, rb.accessKey(k))
	}
	if in := r.InstanceDetails; in != nil {
		out = append(out, rb.instance(in))
	}
	for i := range r.S3BucketDetails {
		out = append(out, rb.bucket(&r.S3BucketDetails[i])...)
	}
	if l := r.LambdaDetails; l != nil {
		out = append(out, rb.lambda(l))
	}
	if len(out) == 0 {
		res := rb.new("Other", firstNonEmpty(arn(f), f.AccountID, "unknown"), "")
		if r.ResourceType != "" {
			res.Details = &asffDetails{Other: map[string]string{"resourceType": truncate(r.ResourceType, asffMaxOtherValue)}}
		}
		out = append(out, res)
	}
	if len(out) > asffMaxResources {
		out = out[:asffMaxResources]
	}
	return out
}

// resourceBase holds what every resource of a finding shares.
type resourceBase struct{ part, region, account string }

func (rb resourceBase) new(typ, id, name string) asffResource {
	return asffResource{Type: typ, ID: id, Partition: rb.part, Region: rb.region, name: name}
}

func (rb resourceBase) accessKey(k *finding.AccessKeyDetails) asffResource {
	id := firstNonEmpty(k.AccessKeyID, k.PrincipalID, k.UserName, "unknown")
	res := rb.new("AwsIamAccessKey", "AWS::IAM::AccessKey:"+id, firstNonEmpty(k.AccessKeyID, k.UserName, k.PrincipalID))
	res.Details = &asffDetails{AwsIamAccessKey: &asffAccessKey{PrincipalID: k.PrincipalID, PrincipalName: k.UserName, PrincipalType: k.UserType}}
	return res
}

func (rb resourceBase) instance(in *finding.InstanceDetails) asffResource {
	id := "arn:" + rb.part + ":ec2:" + rb.region + ":" + rb.account + ":instance/" + firstNonEmpty(in.InstanceID, "unknown")
	res := rb.new("AwsEc2Instance", id, in.InstanceID)
	d := &asffEc2Instance{Type: in.InstanceType, ImageID: in.ImageID}
	for _, n := range in.NetworkInterfaces {
		d.IPV4Addresses = appendNonEmpty(d.IPV4Addresses, n.PrivateIPAddress, n.PublicIP)
		d.IPV6Addresses = appendNonEmpty(d.IPV6Addresses, n.IPv6Addresses...)
		d.VpcID = firstNonEmpty(d.VpcID, n.VpcID)
		d.SubnetID = firstNonEmpty(d.SubnetID, n.SubnetID)
		if n.NetworkInterfaceID != "" {
			d.NetworkInterfaces = append(d.NetworkInterfaces, asffEniIDRef{n.NetworkInterfaceID})
		}
	}
	res.Details = &asffDetails{AwsEc2Instance: d}
	res.Tags = asffTags(in.Tags)
	return res
}

// bucket returns the bucket and each of its objects.
func (rb resourceBase) bucket(b *finding.S3BucketDetail) []asffResource {
	res := rb.new("AwsS3Bucket", firstNonEmpty(b.Arn, "arn:"+rb.part+":s3:::"+b.Name), b.Name)
	d := &asffS3Bucket{Name: b.Name}
	if b.Owner != nil {
		d.OwnerID = b.Owner.ID
	}
	if b.CreatedAt != nil {
		d.CreatedAt = stamp(finding.Time{Time: b.CreatedAt.Time})
	}
	res.Details = &asffDetails{AwsS3Bucket: d}
	res.Tags = asffTags(b.Tags)
	out := []asffResource{res}
	for _, o := range b.S3ObjectDetails {
		obj := rb.new("AwsS3Object", firstNonEmpty(o.ObjectArn, "arn:"+rb.part+":s3:::"+b.Name+"/"+o.Key), o.Key)
		if o.ETag != "" || o.VersionID != "" {
			obj.Details = &asffDetails{AwsS3Object: &asffS3Object{ETag: o.ETag, VersionID: o.VersionID}}
		}
		out = append(out, obj)
	}
	return out
}

func (rb resourceBase) lambda(l *finding.LambdaDetails) asffResource {
	id := firstNonEmpty(l.FunctionArn, "arn:"+rb.part+":lambda:"+rb.region+":"+rb.account+":function:"+firstNonEmpty(l.FunctionName, "unknown"))
	res := rb.new("AwsLambdaFunction", id, l.FunctionName)
	d := &asffLambda{FunctionName: l.FunctionName, Role: l.Role, Version: l.FunctionVersion}
	if v := l.VpcConfig; v != nil && (v.VpcID != "" || len(v.SubnetIDs) > 0) {
		d.VpcConfig = &asffLambdaVpc{SubnetIDs: v.SubnetIDs, VpcID: v.VpcID}
	}
	res.Details = &asffDetails{AwsLambdaFunction: d}
	res.Tags = asffTags(l.Tags)
	return res
}

// asffTags converts tags to ASFF's map: at most 50, keys of at most 128
// characters, values of at most 256; the first of repeated keys wins.
func asffTags(tags []finding.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		if len(m) == asffMaxTags {
			break
		}
		k := truncate(t.Key, asffMaxTagKey)
		if _, dup := m[k]; k == "" || dup {
			continue
		}
		m[k] = truncate(t.Value, asffMaxTagValue)
	}
	return m
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func appendNonEmpty(list []string, ss ...string) []string {
	for _, s := range ss {
		if s != "" {
			list = append(list, s)
		}
	}
	return list
}
