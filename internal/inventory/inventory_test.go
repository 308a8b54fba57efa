package inventory

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/detect"
)

var (
	wantInstanceENI = detect.NetworkInterface{
		ID: "eni-0123456789abcdef0", InstanceID: "i-0a1b2c3d4e5f60718", PrivateIPs: []string{"10.0.1.20", "10.0.1.21"},
		PublicIP: "3.91.17.20", IPv6: []string{"2600:1f18:1234:5600::10"}, SubnetID: "subnet-0aa11bb22cc33dd44",
		VpcID: "vpc-0123abcd4567ef890", AZ: "us-east-1a", InstanceType: "m7g.large", ImageID: "ami-0abcdef1234567890",
		Tags: map[string]string{"Name": "web-1", "aws:elasticmapreduce:instance-group-role": "CORE"},
	}
	wantLambdaENI = detect.NetworkInterface{
		ID: "eni-0fedcba9876543210", FunctionName: "order-processor", PrivateIPs: []string{"10.0.2.44"},
		SubnetID: "subnet-0bb22cc33dd44ee55", VpcID: "vpc-0123abcd4567ef890", AZ: "us-east-1b",
	}
)

func TestFilesJoinInterfacesAndInstances(t *testing.T) {
	inv := New()
	r := NewRefresher(inv, Options{Sources: []Source{
		File{filepath.Join("testdata", "describe-network-interfaces.json")},
		File{filepath.Join("testdata", "describe-instances.json")},
	}})
	if err := r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The two files are read separately; the instance file adds the
	// instance's type, image and tags to the interface it lists.
	got, ok := inv.Interface("eni-0123456789abcdef0")
	if !ok {
		t.Fatal("instance ENI not found")
	}
	if diff := cmp.Diff(wantInstanceENI, got); diff != "" {
		t.Errorf("instance ENI (-want +got):\n%s", diff)
	}
	if got, _ := inv.Interface("eni-0fedcba9876543210"); !cmp.Equal(got, wantLambdaENI) {
		t.Errorf("lambda ENI:\n%s", cmp.Diff(wantLambdaENI, got))
	}
	if _, ok := inv.Interface("eni-unknown"); ok {
		t.Error("unknown ENI found")
	}
}

func TestOneFileWithBoth(t *testing.T) {
	a, _ := os.ReadFile(filepath.Join("testdata", "describe-network-interfaces.json"))
	b, _ := os.ReadFile(filepath.Join("testdata", "describe-instances.json"))
	both := strings.TrimSuffix(strings.TrimSpace(string(a)), "}") + "," + strings.TrimPrefix(strings.TrimSpace(string(b)), "{")
	path := filepath.Join(t.TempDir(), "both.json")
	os.WriteFile(path, []byte(both), 0o600)
	nis, err := File{path}.Interfaces(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]detect.NetworkInterface{wantInstanceENI, wantLambdaENI}, nis); diff != "" {
		t.Errorf("interfaces (-want +got):\n%s", diff)
	}
}

func TestBadFileKeepsPreviousEntries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "enis.json")
	src, _ := os.ReadFile(filepath.Join("testdata", "describe-network-interfaces.json"))
	os.WriteFile(path, src, 0o600)
	inv := New()
	r := NewRefresher(inv, Options{Sources: []Source{File{path}}})
	if err := r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte(`{"Volumes": []}`), 0o600)
	err := r.Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not AWS CLI") {
		t.Errorf("Refresh of a wrong file = %v, want a clear error", err)
	}
	if inv.Len() != 2 {
		t.Errorf("inventory has %d entries after a failed refresh, want the 2 kept", inv.Len())
	}
}

// TestEC2API reads a fake EC2 endpoint speaking the EC2 query protocol,
// as the SDK does against AWS.
func TestEC2API(t *testing.T) {
	var actions []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		actions = append(actions, r.Form.Get("Action"))
		w.Header().Set("Content-Type", "text/xml")
		switch r.Form.Get("Action") {
		case "DescribeNetworkInterfaces":
			w.Write([]byte(enisXML))
		case "DescribeInstances":
			w.Write([]byte(instancesXML))
		default:
			http.Error(w, "unexpected", 400)
		}
	}))
	defer srv.Close()
	client := ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
	nis, err := EC2API{Client: client, Region: "us-east-1"}.Interfaces(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]detect.NetworkInterface{wantInstanceENI, wantLambdaENI}, nis); diff != "" {
		t.Errorf("interfaces (-want +got):\n%s", diff)
	}
	if !cmp.Equal(actions, []string{"DescribeNetworkInterfaces", "DescribeInstances"}) {
		t.Errorf("actions = %v", actions)
	}
}

const enisXML = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>fc45294c-006b-457b-bab9-012f5b3b0e40</requestId>
  <networkInterfaceSet>
    <item>
      <networkInterfaceId>eni-0123456789abcdef0</networkInterfaceId>
      <subnetId>subnet-0aa11bb22cc33dd44</subnetId>
      <vpcId>vpc-0123abcd4567ef890</vpcId>
      <availabilityZone>us-east-1a</availabilityZone>
      <description/>
      <interfaceType>interface</interfaceType>
      <privateIpAddress>10.0.1.20</privateIpAddress>
      <attachment><attachmentId>eni-attach-0a1b2c3d4e5f60718</attachmentId><instanceId>i-0a1b2c3d4e5f60718</instanceId><status>attached</status></attachment>
      <association><publicIp>3.91.17.20</publicIp><ipOwnerId>amazon</ipOwnerId></association>
      <privateIpAddressesSet>
        <item><privateIpAddress>10.0.1.20</privateIpAddress><primary>true</primary></item>
        <item><privateIpAddress>10.0.1.21</privateIpAddress><primary>false</primary></item>
      </privateIpAddressesSet>
      <ipv6AddressesSet><item><ipv6Address>2600:1f18:1234:5600::10</ipv6Address></item></ipv6AddressesSet>
      <tagSet/>
    </item>
    <item>
      <networkInterfaceId>eni-0fedcba9876543210</networkInterfaceId>
      <subnetId>subnet-0bb22cc33dd44ee55</subnetId>
      <vpcId>vpc-0123abcd4567ef890</vpcId>
      <availabilityZone>us-east-1b</availabilityZone>
      <description>AWS Lambda VPC ENI-order-processor-2d6c1f3e-7b8a-4c5d-9e0f-1a2b3c4d5e6f</description>
      <interfaceType>lambda</interfaceType>
      <privateIpAddress>10.0.2.44</privateIpAddress>
      <privateIpAddressesSet><item><privateIpAddress>10.0.2.44</privateIpAddress><primary>true</primary></item></privateIpAddressesSet>
      <ipv6AddressesSet/>
      <tagSet/>
    </item>
  </networkInterfaceSet>
</DescribeNetworkInterfacesResponse>`

const instancesXML = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-0123456789abcdef0</reservationId>
      <ownerId>111122223333</ownerId>
      <instancesSet>
        <item>
          <instanceId>i-0a1b2c3d4e5f60718</instanceId>
          <imageId>ami-0abcdef1234567890</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <instanceType>m7g.large</instanceType>
          <placement><availabilityZone>us-east-1a</availabilityZone></placement>
          <networkInterfaceSet>
            <item><networkInterfaceId>eni-0123456789abcdef0</networkInterfaceId><subnetId>subnet-0aa11bb22cc33dd44</subnetId><vpcId>vpc-0123abcd4567ef890</vpcId><privateIpAddress>10.0.1.20</privateIpAddress></item>
          </networkInterfaceSet>
          <tagSet>
            <item><key>Name</key><value>web-1</value></item>
            <item><key>aws:elasticmapreduce:instance-group-role</key><value>CORE</value></item>
          </tagSet>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
</DescribeInstancesResponse>`
