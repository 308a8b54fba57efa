package cloudtrail_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// genRecord returns a realistic CloudTrail record of about 1.2 KB: an
// assumed-role session calling an API, with resources, request parameters
// and response elements, varied by i.
func genRecord(i int) []byte {
	names := []struct{ source, name string }{
		{"s3.amazonaws.com", "GetBucketAcl"},
		{"ec2.amazonaws.com", "DescribeInstances"},
		{"iam.amazonaws.com", "ListRoles"},
		{"sts.amazonaws.com", "AssumeRole"},
		{"kms.amazonaws.com", "Decrypt"},
	}
	n := names[i%len(names)]
	r := rand.New(rand.NewPCG(uint64(i), 7))
	return fmt.Appendf(nil, `{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA%016X:i-%017x","arn":"arn:aws:sts::123456789012:assumed-role/app-role-%d/i-%017x","accountId":"123456789012","accessKeyId":"ASIA%016X","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA%016X","arn":"arn:aws:iam::123456789012:role/app-role-%d","accountId":"123456789012","userName":"app-role-%d"},"attributes":{"creationDate":"2024-05-01T11:%02d:%02dZ","mfaAuthenticated":"false"},"ec2RoleDelivery":"2.0"}},"eventTime":"2024-05-01T12:%02d:%02dZ","eventSource":"%s","eventName":"%s","awsRegion":"us-east-1","sourceIPAddress":"%d.%d.%d.%d","userAgent":"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 api/%s#1.58.2","requestParameters":{"bucketName":"data-%x","acl":""},"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","bytesTransferredIn":0,"bytesTransferredOut":%d},"requestID":"%X","eventID":"%08x-%04x-4%03x-%04x-%012x","readOnly":true,"resources":[{"accountId":"123456789012","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::data-%x"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"}`,
		r.Uint64(), r.Uint64()>>4, i%7, r.Uint64()>>4, r.Uint64(), r.Uint64(), i%7, i%7, r.IntN(60), r.IntN(60), r.IntN(60), r.IntN(60),
		n.source, n.name, r.IntN(223)+1, r.IntN(256), r.IntN(256), r.IntN(254)+1, n.name,
		r.Uint32()%50, r.IntN(100000), r.Uint64(),
		r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xfff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff, r.Uint32()%50)
}

// genDelivery returns a delivery file of n records, {"Records":[...]}.
func genDelivery(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(genRecord(i))
	}
	b.WriteString("]}")
	return b.Bytes()
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
