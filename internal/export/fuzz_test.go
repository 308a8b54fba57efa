package export

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
)

// FuzzRender decodes arbitrary finding JSON and renders it in every
// format: no renderer may panic, and whatever renders must be JSON that
// decodes back into an object.
func FuzzRender(f *testing.F) {
	for _, n := range goldenCases {
		if b, err := os.ReadFile(filepath.Join("testdata", "golden", n+".input.json")); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{}`,
		`{"severity":1e308,"type":"::/","service":{"count":-5,"action":{"portProbeAction":{"portProbeDetails":[{}]}}}}`,
		`{"resource":{"instanceDetails":{},"s3BucketDetails":[{"s3ObjectDetails":[{}]}],"accessKeyDetails":{},"lambdaDetails":{"vpcConfig":{}}}}`,
		`{"service":{"action":{"networkConnectionAction":{"connectionDirection":"OUTBOUND","localPortDetails":{"port":99999},"remoteIpDetails":{"ipAddressV4":"::ffff:1.2.3.4","organization":{"asn":"AS99999999999"}}}}}}`,
		`{"service":{"additionalInfo":{"value":"{\"sample\":true}"},"malwareScanDetails":{"threats":[{"itemPaths":[{"nestedItemPath":"!"}]}]}}}`,
		`{"service":{"ebsVolumeScanDetails":{"scanDetections":{"threatDetectedByName":{"threatNames":[{"filePaths":[{}]}]}}}}}`,
		`{"title":"\xff\xfe","region":"../..","accountId":"a/b","updatedAt":"0001-01-01T00:00:00Z"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fd finding.Finding
		if json.Unmarshal(data, &fd) != nil {
			return
		}
		for _, fm := range Formats {
			b, err := fm.Render(fd)
			if err != nil {
				continue // a value JSON cannot hold; never a panic
			}
			var v map[string]any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("%s rendering is not a JSON object: %v\n%s", fm, err, b)
			}
		}
		groupBatch([]finding.Finding{fd})
	})
}
