package cost

import (
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ErrUnsupportedInventory is returned for S3 Inventory reports Vigil
// cannot read: only the CSV format is, not ORC or Parquet.
var ErrUnsupportedInventory = errors.New("unsupported inventory format")

// InventoryManifest is an S3 Inventory report's manifest.json.
type InventoryManifest struct {
	SourceBucket      string          `json:"sourceBucket"`
	DestinationBucket string          `json:"destinationBucket"` // an ARN, arn:aws:s3:::name
	Version           string          `json:"version"`
	CreationTimestamp string          `json:"creationTimestamp"` // milliseconds since 1970, as a string
	FileFormat        string          `json:"fileFormat"`        // CSV, ORC or Parquet
	FileSchema        string          `json:"fileSchema"`        // "Bucket, Key, Size, LastModifiedDate, ..."
	Files             []InventoryFile `json:"files"`
}

// InventoryFile is one data file of a report, in the destination bucket.
type InventoryFile struct {
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	MD5checksum string `json:"MD5checksum"` // of the gzipped file
}

// Columns returns the schema's column names.
func (m InventoryManifest) Columns() []string {
	cols := strings.Split(m.FileSchema, ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	return cols
}

// Created returns the report's creation time, or false when the manifest
// has none that parses.
func (m InventoryManifest) Created() (time.Time, bool) {
	ms, err := strconv.ParseInt(m.CreationTimestamp, 10, 64)
	if err != nil || ms <= 0 || ms > 1e14 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// ParseInventoryManifest parses manifest.json and checks that Vigil can
// read the report: CSV, with Size and LastModifiedDate columns.
func ParseInventoryManifest(b []byte) (InventoryManifest, error) {
	var m InventoryManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return InventoryManifest{}, fmt.Errorf("inventory manifest: %w", err)
	}
	if !strings.EqualFold(m.FileFormat, "CSV") {
		return InventoryManifest{}, fmt.Errorf("%w %q: Vigil reads CSV inventory reports only", ErrUnsupportedInventory, m.FileFormat)
	}
	if _, err := inventoryColumns(m.Columns()); err != nil {
		return InventoryManifest{}, err
	}
	for i, f := range m.Files {
		if f.Key == "" {
			return InventoryManifest{}, fmt.Errorf("inventory manifest: files[%d] has no key", i)
		}
	}
	return m, nil
}

// columnIndex says where the columns Vigil reads are; -1 when absent.
type columnIndex struct{ n, size, modified, deleteMarker int }

func inventoryColumns(cols []string) (columnIndex, error) {
	ix := columnIndex{n: len(cols), size: -1, modified: -1, deleteMarker: -1}
	for i, c := range cols {
		switch c {
		case "Size":
			ix.size = i
		case "LastModifiedDate":
			ix.modified = i
		case "IsDeleteMarker":
			ix.deleteMarker = i
		}
	}
	if ix.size < 0 || ix.modified < 0 {
		return ix, fmt.Errorf("inventory manifest: fileSchema %q lacks Size or LastModifiedDate; add them to the inventory configuration's optional fields", strings.Join(cols, ", "))
	}
	return ix, nil
}

// addInventoryCSV adds the objects of one uncompressed CSV data file
// (no header, one object version per row) to s. Delete markers are
// skipped; any malformed row is an error.
func addInventoryCSV(r io.Reader, ix columnIndex, s *BucketStats) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = ix.n
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if ix.deleteMarker >= 0 && rec[ix.deleteMarker] == "true" {
			continue
		}
		size, err := strconv.ParseInt(rec[ix.size], 10, 64)
		if err != nil || size < 0 || s.Bytes > 1<<62-size {
			line, _ := cr.FieldPos(ix.size)
			return fmt.Errorf("line %d: Size %q is not a byte count", line, rec[ix.size])
		}
		modified, err := time.Parse(time.RFC3339Nano, rec[ix.modified])
		if err != nil {
			line, _ := cr.FieldPos(ix.modified)
			return fmt.Errorf("line %d: LastModifiedDate %q: %w", line, rec[ix.modified], err)
		}
		s.add(size, modified)
	}
}

// MeasureInventory measures a bucket from an S3 Inventory report instead
// of listing it: manifest.json at s3://bucket/manifestKey and its gzipped
// CSV data files, which are read from the same bucket (the report's
// destination). The month is projected as MeasureBucket does, ending at
// the report's creation time (now when the manifest has none). Every
// version in the report counts, since each was an upload. Data files
// whose MD5 does not match the manifest are errors.
func MeasureInventory(ctx context.Context, client *s3.Client, bucket, manifestKey string, now time.Time) (BucketStats, error) {
	where := fmt.Sprintf("s3://%s/%s", bucket, manifestKey)
	b, err := getAll(ctx, client, bucket, manifestKey, 16<<20)
	if err != nil {
		return BucketStats{}, fmt.Errorf("%s: %w", where, err)
	}
	m, err := ParseInventoryManifest(b)
	if err != nil {
		return BucketStats{}, fmt.Errorf("%s: %w", where, err)
	}
	ix, _ := inventoryColumns(m.Columns())
	s := BucketStats{Bucket: m.SourceBucket, Source: "inventory", At: now}
	if t, ok := m.Created(); ok {
		s.At = t
	}
	for _, f := range m.Files {
		if err := readInventoryFile(ctx, client, bucket, f, ix, &s); err != nil {
			return BucketStats{}, fmt.Errorf("%s: s3://%s/%s: %w", where, bucket, f.Key, err)
		}
	}
	s.project()
	return s, nil
}

func readInventoryFile(ctx context.Context, client *s3.Client, bucket string, f InventoryFile, ix columnIndex, s *BucketStats) error {
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(f.Key)})
	if err != nil {
		return err
	}
	defer out.Body.Close()
	sum := md5.New()
	zr, err := gzip.NewReader(io.TeeReader(out.Body, sum))
	if err != nil {
		return err
	}
	if err := addInventoryCSV(zr, ix, s); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, io.TeeReader(out.Body, sum)); err != nil { // what gzip left unread
		return err
	}
	if f.MD5checksum != "" && !strings.EqualFold(hex.EncodeToString(sum.Sum(nil)), f.MD5checksum) {
		return fmt.Errorf("MD5 %x does not match the manifest's %s", sum.Sum(nil), f.MD5checksum)
	}
	return nil
}

// getAll reads a whole object of at most limit bytes.
func getAll(ctx context.Context, client *s3.Client, bucket, key string, limit int64) ([]byte, error) {
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return b, nil
}
