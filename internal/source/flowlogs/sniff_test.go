package flowlogs_test

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
	_ "github.com/vigil-sec/vigil/internal/source/cloudtrail" // the format flow logs must not take files from
	"github.com/vigil-sec/vigil/internal/source/flowlogs"
)

func TestSniff(t *testing.T) {
	const (
		cloudTrail = `{"Records":[{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":"GetObject"}]}`
		route53    = `{"version":"1.100000","account_id":"123456789012","region":"us-east-1","vpc_id":"vpc-0a1b2c3d","query_timestamp":"2024-05-01T12:00:00Z","query_name":"example.com.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[],"srcaddr":"10.0.0.5","srcport":"53000","transport":"UDP","srcids":{"instance":"i-0a1b2c3d"}}`
	)
	for _, tc := range []struct {
		name, head, file string
		want             bool
	}{
		{"v2 record", readFile(t, "v2.log")[strings.IndexByte(readFile(t, "v2.log"), '\n')+1:], "f.log", true},
		{"v2 header", readFile(t, "v2.log"), "f.log", true},
		{"v5 header", readFile(t, "v5.log"), "f", true},
		{"tgw header", readFile(t, "tgw.log"), "f", true},
		{"tgw record", "6 TransitGateway 111122223333 tgw-0123 tgw-attach-0123", "f", true},
		{"unknown account", "2 unknown eni-0a1b2c3d 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK", "f", true},
		{"cloudwatch export", readFile(t, "cloudwatch.log"), "export.txt", true},
		{"header cut by the head", "version account-id interface-id srcad", "f", true},
		{"parquet", "PAR1\x15\x04", "f.parquet", true},
		{"delivery name", "anything", deliveryFile, true},
		{"cloudtrail with a flow log name", cloudTrail, deliveryFile, false},
		{"cloudtrail", cloudTrail, "AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/f.json.gz", false},
		{"route 53 resolver", route53 + "\n" + route53 + "\n", "AWSLogs/123456789012/vpcdnsquerylogs/vpc-0a1b2c3d/2024/05/01/f.log.gz", false},
		{"route 53 array", "[" + route53 + "]", "vpcflowlogs.json", false},
		{"route 53 cloudwatch export", "2024-05-01T12:00:00.000Z " + route53 + "\n", "vpcflowlogs-export.txt", false},
		{"prose", "hello world, this is not a log\n", "notes.txt", false},
		{"numbers", "2 3 4 5 6 7 8 9 10 11 12 13 14 15\n", "f", false},
		{"one field name", "version\n2\n", "f", false},
		{"empty", "", "f", false},
	} {
		if got := flowlogs.Sniff([]byte(tc.head), tc.file); got != tc.want {
			t.Errorf("Sniff(%s: %.40q, %q) = %v, want %v", tc.name, tc.head, tc.file, got, tc.want)
		}
	}
}

// TestDetect checks that the registry picks the right format with both
// formats registered.
func TestDetect(t *testing.T) {
	for _, tc := range []struct{ head, file, want string }{
		{readFile(t, "v2.log"), deliveryFile, flowlogs.FormatName},
		{`{"Records":[{"eventName":"GetObject"}]}`, "AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/f.json.gz", "cloudtrail"},
	} {
		f, err := source.Detect([]byte(tc.head), tc.file)
		if err != nil || f.Name != tc.want {
			t.Errorf("Detect(%.30q, %s) = %q, %v; want %q", tc.head, tc.file, f.Name, err, tc.want)
		}
	}
}

// TestReader reads flow log files through source.Reader, plain and gzip,
// as the sources do.
func TestReader(t *testing.T) {
	data := readFile(t, "v5.log")
	want := parse(t, data, deliveryFile)
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	if _, err := zw.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{"plain": []byte(data), "gzip": zipped.Bytes()} {
		t.Run(name, func(t *testing.T) {
			var r source.Reader
			var got []*event.Event
			st, err := r.Read(bytes.NewReader(content), deliveryFile, func(e *event.Event) { got = append(got, e) },
				func(e *source.RecordError) { t.Errorf("record error: %v", e) })
			if err != nil {
				t.Fatalf("Read = %v", err)
			}
			if st.Records != 3 || st.Events != 3 || st.Bytes != int64(len(data)) {
				t.Errorf("Read stats = %+v, want 3 records and events of %d bytes", st, len(data))
			}
			if diff := cmp.Diff(want.events, got, addrs); diff != "" {
				t.Errorf("Read events differ from Parse's (-parse +read):\n%s", diff)
			}
		})
	}
}
