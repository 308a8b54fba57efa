package route53_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/source"
	_ "github.com/vigil-sec/vigil/internal/source/cloudtrail" // a neighbour that must not claim query logs, nor be claimed
	"github.com/vigil-sec/vigil/internal/source/route53"
)

const (
	cloudTrailDelivery = `{"Records":[{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","accountId":"111122223333"},"eventTime":"2024-05-01T12:00:00Z","eventSource":"route53resolver.amazonaws.com","eventName":"CreateResolverQueryLogConfig","awsRegion":"eu-west-1","requestParameters":{"name":"q","query_name":"x"}}]}`
	cloudTrailLake     = `{"eventVersion":"1.09","eventSource":"route53resolver.amazonaws.com","eventName":"ListResolverQueryLogConfigs","query_name":"x","query_type":"A"}` + "\n"
	flowLogV2          = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n2 111122223333 eni-0a1b2c3d 10.0.1.25 192.0.2.10 53124 53 17 1 70 1714564800 1714564860 ACCEPT OK\n"
	flowLogNoHeader    = "2 111122223333 eni-0a1b2c3d 10.0.1.25 192.0.2.10 53124 53 17 1 70 1714564800 1714564860 ACCEPT OK\n"
	flowLogExport      = "2024-05-01T12:00:00.000Z 2 111122223333 eni-0a1b2c3d 10.0.1.25 192.0.2.10 53124 53 17 1 70 1714564800 1714564860 ACCEPT OK\n"
)

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name, head, file string
		want             bool
	}{
		{"S3 delivery", fixture(t, "vpcdnsquerylogs.log"), deliveryFile, true},
		{"records, any name", fixture(t, "vpcdnsquerylogs.log"), "/tmp/dns.log", true},
		{"delivery name, damaged content", "garbage\n", deliveryFile, true},
		{"CloudWatch Logs export", fixture(t, "cloudwatch-export.log"), "exports/000000", true},
		{"filter-log-events output", fixture(t, "filter-log-events.json"), "out.json", true},
		{"compact get-log-events output", `{"events":[{"timestamp":1,"message":"{\"query_name\":\"a.\",\"query_type\":\"A\"}"}],"nextForwardToken":"f/1"}`, "out.json", true},
		{"JSON array", fixture(t, "records.json"), "records.json", true},
		{"subscription batch", fixture(t, "subscription.json"), "fh/dns-1", true},
		{"cut head", fixture(t, "vpcdnsquerylogs.log")[:200], "x", true},
		{"empty", "", deliveryFile, false},
		{"blank", " \n\n", "x", false},
		{"CloudTrail delivery", cloudTrailDelivery, "AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/01/f.json.gz", false},
		{"CloudTrail delivery, any name", cloudTrailDelivery, "f.json", false},
		{"CloudTrail Lake lines", cloudTrailLake, "f.json", false},
		{"flow log with header", flowLogV2, "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2024/05/01/f.log.gz", false},
		{"flow log without header", flowLogNoHeader, "f.log", false},
		{"flow log CloudWatch export", flowLogExport, "f.log", false},
		{"other JSON", `{"query":"x","srcids":1}` + "\n", "f.json", false},
		{"other events", `{"events":[{"timestamp":1,"message":"hello"}]}`, "f.json", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := tt.head[:min(len(tt.head), 4096)]
			if got := route53.Sniff([]byte(head), tt.file); got != tt.want {
				t.Errorf("Sniff(%.60q, %q) = %v, want %v", head, tt.file, got, tt.want)
			}
		})
	}
}

// TestDetect checks that the registry, with CloudTrail registered too,
// sends each file to its own parser.
func TestDetect(t *testing.T) {
	tests := []struct{ head, file, want string }{
		{fixture(t, "vpcdnsquerylogs.log"), deliveryFile, route53.FormatName},
		{fixture(t, "cloudwatch-export.log"), "000000", route53.FormatName},
		{fixture(t, "filter-log-events.json"), "out.json", route53.FormatName},
		{fixture(t, "records.json"), "records.json", route53.FormatName},
		{fixture(t, "subscription.json"), "fh/dns-1", route53.FormatName},
		{cloudTrailDelivery, "AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/01/f.json.gz", "cloudtrail"},
		{cloudTrailLake, "lake.json", "cloudtrail"},
	}
	for _, tt := range tests {
		head := []byte(tt.head[:min(len(tt.head), 4096)])
		f, err := source.Detect(head, tt.file)
		if err != nil || f.Name != tt.want {
			t.Errorf("Detect(%.40q, %q) = %q, %v; want %q", head, tt.file, f.Name, err, tt.want)
		}
	}
	if !strings.Contains(strings.Join(source.Formats(), ","), route53.FormatName) {
		t.Errorf("Formats() = %q, want %q among them", source.Formats(), route53.FormatName)
	}
}
