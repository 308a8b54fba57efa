package defense

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/detect/detecttest"
)

// baseRecord is a real-format CloudTrail record that no detector fires
// on: a successful DescribeFlowLogs by an IAM user with the AWS CLI.
const baseRecord = `{
  "eventVersion": "1.09",
  "userIdentity": {"type": "IAMUser", "principalId": "AIDA6ON6E4XEGITEXAMPLE", "arn": "arn:aws:iam::111122223333:user/alice",
    "accountId": "111122223333", "accessKeyId": "AKIA6ON6E4XEHEXAMPLE", "userName": "alice"},
  "eventTime": "2024-05-01T10:00:00Z",
  "eventSource": "ec2.amazonaws.com",
  "eventName": "DescribeFlowLogs",
  "awsRegion": "us-east-1",
  "sourceIPAddress": "203.0.113.10",
  "userAgent": "aws-cli/2.15.30 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.79-99.167.amzn2023.x86_64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython md/distrib#amzn.2023 cfg/retry-mode#standard",
  "requestParameters": {"DescribeFlowLogsRequest": ""},
  "responseElements": null,
  "requestID": "5c6f4d5e-8d0b-4a7e-9b0f-8e2b3c4d5e6f",
  "eventID": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
  "readOnly": true,
  "eventType": "AwsApiCall",
  "managementEvent": true,
  "recipientAccountId": "111122223333",
  "eventCategory": "Management",
  "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": "ec2.us-east-1.amazonaws.com"}
}`

// roleIdentity is an assumed-role identity to patch into baseRecord.
const roleIdentity = detecttest.RoleIdentity

// record returns baseRecord patched with each JSON object in patches.
func record(t *testing.T, patches ...string) string {
	t.Helper()
	return detecttest.Record(t, baseRecord, patches...)
}

var (
	run     = detecttest.Run     // feeds records to a new engine
	process = detecttest.Process // feeds records to a given engine
	got     = detecttest.Summary // "type severity" per finding
)

func TestBaseRecordIsBenign(t *testing.T) {
	if fs := run(t, baseRecord, record(t, roleIdentity)); len(fs) != 0 {
		t.Errorf("benign records made findings: %v", got(fs))
	}
}
