package cost_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/cost"
	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

// TestMeasureBucket uploads objects of known sizes to a real S3 server
// and checks that listing counts exactly them, and that a bucket filled
// today is projected as 30 such days.
func TestMeasureBucket(t *testing.T) {
	s := versitygw.Start(t, versitygw.Options{})
	s.CreateBucket(t, "uploads")
	var wantBytes int64
	const n = 1234 // more than one ListObjectsV2 page of 1,000
	for i := range n {
		size := i % 97 * 13
		s.Put(t, "uploads", fmt.Sprintf("in/%04d.bin", i), bytes.Repeat([]byte{'x'}, size))
		wantBytes += int64(size)
	}
	s.Put(t, "uploads", "elsewhere/skip.bin", make([]byte, 4096))
	now := time.Now()

	st, err := cost.MeasureBucket(context.Background(), s.Client(), "uploads", "in/", now)
	if err != nil {
		t.Fatalf("MeasureBucket() error = %v", err)
	}
	if st.Objects != n || st.Bytes != wantBytes || st.RecentObjects != n || st.RecentBytes != wantBytes {
		t.Errorf("MeasureBucket() = %d objects, %d bytes (recent %d, %d); want %d objects, %d bytes, all recent",
			st.Objects, st.Bytes, st.RecentObjects, st.RecentBytes, n, wantBytes)
	}
	if st.MonthlyObjects != 30*n || st.MonthlyBytes != float64(30*wantBytes) || !strings.Contains(st.Method, "× 30/1") {
		t.Errorf("projected month = %v objects, %v bytes (%s); want 30 × what was uploaded today", st.MonthlyObjects, st.MonthlyBytes, st.Method)
	}
	u := st.Usage()
	if u[cost.S3MalwareObjects] != 30*n || u[cost.S3MalwareBytes] != float64(30*wantBytes) {
		t.Errorf("Usage() = %v", u)
	}

	whole, err := cost.MeasureBucket(context.Background(), s.Client(), "uploads", "", now)
	if err != nil || whole.Objects != n+1 || whole.Bytes != wantBytes+4096 {
		t.Errorf("whole bucket = %d objects, %d bytes, %v; want %d, %d", whole.Objects, whole.Bytes, err, n+1, wantBytes+4096)
	}
}

func TestMeasureBucketErrors(t *testing.T) {
	s := versitygw.Start(t, versitygw.Options{})
	st, err := cost.MeasureBucket(context.Background(), s.Client(), "no-such-bucket", "", time.Now())
	if err == nil || !strings.Contains(err.Error(), "s3://no-such-bucket/") {
		t.Errorf("MeasureBucket(missing bucket) error = %v, want one naming the bucket", err)
	}
	if st.Objects != 0 || st.Method != "" {
		t.Errorf("MeasureBucket(missing bucket) returned stats %+v beside the error", st)
	}
}

// inventoryFixture writes an S3 Inventory report (manifest.json and one
// gzipped CSV data file) into the bucket and returns the manifest key.
func inventoryFixture(t *testing.T, s *versitygw.Server, bucket, name string, rows []string, format, md5sum string) string {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Join(rows, "\n") + "\n"))
	zw.Close()
	dataKey := "inv/" + name + "/data/6f1c.csv.gz"
	s.Put(t, bucket, dataKey, gz.Bytes())
	if md5sum == "" {
		sum := md5.Sum(gz.Bytes())
		md5sum = hex.EncodeToString(sum[:])
	}
	created := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	m, _ := json.Marshal(map[string]any{
		"sourceBucket": "src", "destinationBucket": "arn:aws:s3:::" + bucket, "version": "2016-11-30",
		"creationTimestamp": fmt.Sprint(created.UnixMilli()), "fileFormat": format,
		"fileSchema": "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass",
		"files":      []map[string]any{{"key": dataKey, "size": gz.Len(), "MD5checksum": md5sum}},
	})
	key := "inv/" + name + "/2026-03-31T00-00Z/manifest.json"
	s.Put(t, bucket, key, m)
	return key
}

// TestMeasureInventory reads an inventory report written by hand onto a
// real S3 server.
func TestMeasureInventory(t *testing.T) {
	s := versitygw.Start(t, versitygw.Options{})
	s.CreateBucket(t, "inventory")
	rows := []string{
		`"src","old%2Fa.bin","v1","true","false","100","2026-01-01T00:00:00.000Z","e","STANDARD"`,
		`"src","new%2Fb.bin","v2","true","false","2000","2026-03-10T10:00:00.000Z","e","STANDARD"`,
		`"src","new%2Fb.bin","v1","false","false","1000","2026-03-09T10:00:00.000Z","e","STANDARD"`,
		`"src","new%2Fc.bin","v3","true","true","","2026-03-11T10:00:00.000Z","",""`,
		`"src","new%2Fd.bin","","true","false","3000","2026-03-30T23:00:00.000Z","e","GLACIER"`,
	}
	key := inventoryFixture(t, s, "inventory", "good", rows, "CSV", "")
	st, err := cost.MeasureInventory(context.Background(), s.Client(), "inventory", key, time.Now())
	if err != nil {
		t.Fatalf("MeasureInventory() error = %v", err)
	}
	// 4 versions (the delete marker skipped), 6,100 bytes; 3 of them
	// (6,000 bytes) in the 30 days before the report of 2026-03-31.
	if st.Bucket != "src" || st.Source != "inventory" || st.Objects != 4 || st.Bytes != 6100 ||
		st.MonthlyObjects != 3 || st.MonthlyBytes != 6000 || !st.At.Equal(time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("MeasureInventory() = %+v; want 4 objects, 6100 bytes, a month of 3 objects and 6000 bytes from the report's date", st)
	}

	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			name, key string
			is        error
			says      string
		}{
			{"ORC", inventoryFixture(t, s, "inventory", "orc", rows, "ORC", ""), cost.ErrUnsupportedInventory, `"ORC"`},
			{"Parquet", inventoryFixture(t, s, "inventory", "parquet", rows, "Parquet", ""), cost.ErrUnsupportedInventory, `"Parquet"`},
			{"MD5 mismatch", inventoryFixture(t, s, "inventory", "md5", rows, "CSV", "00112233445566778899aabbccddeeff"), nil, "does not match"},
			{"bad row", inventoryFixture(t, s, "inventory", "badrow", []string{`"src","k","v","true","false","lots","2026-03-01T00:00:00Z","e","S"`}, "CSV", ""), nil, `Size "lots"`},
			{"no manifest", "inv/missing/manifest.json", nil, "inv/missing/manifest.json"},
		}
		for _, tt := range tests {
			st, err := cost.MeasureInventory(context.Background(), s.Client(), "inventory", tt.key, time.Now())
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("%s: MeasureInventory() error = %v, want one saying %q", tt.name, err, tt.says)
			}
			if st.Objects != 0 {
				t.Errorf("%s: stats %+v returned beside the error", tt.name, st)
			}
		}
	})
}

func TestParseInventoryManifest(t *testing.T) {
	good := `{"sourceBucket":"src","fileFormat":"CSV","fileSchema":"Bucket, Key, Size, LastModifiedDate","creationTimestamp":"1774915200000","files":[{"key":"a.csv.gz","size":1,"MD5checksum":"x"}]}`
	m, err := cost.ParseInventoryManifest([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := m.Created(); !ok || !c.Equal(time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Created() = %v, %v", c, ok)
	}
	for _, bad := range []string{
		``, `[]`, `{"fileFormat":"CSV"}`,
		`{"fileFormat":"CSV","fileSchema":"Bucket, Key, Size"}`,
		`{"fileFormat":"CSV","fileSchema":"Size, LastModifiedDate","files":[{"size":1}]}`,
		`{"fileFormat":"ORC","fileSchema":"Size, LastModifiedDate"}`,
	} {
		if _, err := cost.ParseInventoryManifest([]byte(bad)); err == nil {
			t.Errorf("ParseInventoryManifest(%s) error = nil, want one", bad)
		}
	}
}

// FuzzParseInventoryManifest: any manifest parses to one whose columns
// include Size and LastModifiedDate, or is an error; never a panic.
func FuzzParseInventoryManifest(f *testing.F) {
	f.Add([]byte(`{"sourceBucket":"src","fileFormat":"CSV","fileSchema":"Bucket, Key, Size, LastModifiedDate","files":[{"key":"a"}]}`))
	f.Add([]byte(`{"fileFormat":"Parquet"}`))
	f.Add([]byte(`{"creationTimestamp":"99999999999999999999"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := cost.ParseInventoryManifest(b)
		if err != nil {
			return
		}
		m.Created()
		var size, mod bool
		for _, c := range m.Columns() {
			size = size || c == "Size"
			mod = mod || c == "LastModifiedDate"
		}
		if !size || !mod {
			t.Errorf("accepted schema %q", m.FileSchema)
		}
	})
}
