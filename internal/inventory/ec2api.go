package inventory

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vigil-sec/vigil/internal/detect"
)

// EC2API is a Source that asks the EC2 API of one region for its network
// interfaces (DescribeNetworkInterfaces) and instances (DescribeInstances).
// It needs ec2:DescribeNetworkInterfaces and ec2:DescribeInstances.
type EC2API struct {
	Client *ec2.Client
	Region string
}

// Name implements Source.
func (s EC2API) Name() string { return "ec2:" + s.Region }

// Interfaces implements Source.
func (s EC2API) Interfaces(ctx context.Context) ([]detect.NetworkInterface, error) {
	var doc cliDoc
	enis := ec2.NewDescribeNetworkInterfacesPaginator(s.Client, &ec2.DescribeNetworkInterfacesInput{})
	for enis.HasMorePages() {
		page, err := enis.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeNetworkInterfaces: %w", err)
		}
		for _, e := range page.NetworkInterfaces {
			doc.NetworkInterfaces = append(doc.NetworkInterfaces, fromSDK(e))
		}
	}
	insts := ec2.NewDescribeInstancesPaginator(s.Client, &ec2.DescribeInstancesInput{})
	for insts.HasMorePages() {
		page, err := insts.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeInstances: %w", err)
		}
		for _, r := range page.Reservations {
			var res struct {
				Instances []cliInstance `json:"Instances"`
			}
			for _, in := range r.Instances {
				ci := cliInstance{InstanceID: aws.ToString(in.InstanceId), InstanceType: string(in.InstanceType), ImageID: aws.ToString(in.ImageId)}
				if in.Placement != nil {
					ci.Placement.AvailabilityZone = aws.ToString(in.Placement.AvailabilityZone)
				}
				for _, t := range in.Tags {
					ci.Tags = append(ci.Tags, cliTag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)})
				}
				for _, e := range in.NetworkInterfaces {
					ci.NetworkInterfaces = append(ci.NetworkInterfaces, cliENI{NetworkInterfaceID: aws.ToString(e.NetworkInterfaceId),
						SubnetID: aws.ToString(e.SubnetId), VpcID: aws.ToString(e.VpcId), PrivateIPAddress: aws.ToString(e.PrivateIpAddress)})
				}
				res.Instances = append(res.Instances, ci)
			}
			doc.Reservations = append(doc.Reservations, res)
		}
	}
	return doc.interfaces(), nil
}

func fromSDK(e types.NetworkInterface) cliENI {
	c := cliENI{
		NetworkInterfaceID: aws.ToString(e.NetworkInterfaceId), Description: aws.ToString(e.Description),
		InterfaceType: string(e.InterfaceType), SubnetID: aws.ToString(e.SubnetId), VpcID: aws.ToString(e.VpcId),
		AvailabilityZone: aws.ToString(e.AvailabilityZone), PrivateIPAddress: aws.ToString(e.PrivateIpAddress),
	}
	if e.Attachment != nil && e.Attachment.InstanceId != nil {
		c.Attachment = &cliAttachment{aws.ToString(e.Attachment.InstanceId)}
	}
	if e.Association != nil && e.Association.PublicIp != nil {
		c.Association = &cliAssociation{aws.ToString(e.Association.PublicIp)}
	}
	for _, p := range e.PrivateIpAddresses {
		c.PrivateIPAddresses = append(c.PrivateIPAddresses, cliPrivateIP{aws.ToString(p.PrivateIpAddress)})
	}
	for _, a := range e.Ipv6Addresses {
		c.Ipv6Addresses = append(c.Ipv6Addresses, cliIPv6{aws.ToString(a.Ipv6Address)})
	}
	for _, t := range e.TagSet {
		c.TagSet = append(c.TagSet, cliTag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)})
	}
	return c
}
