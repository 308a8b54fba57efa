package flowlogs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

func TestThriftWalker(t *testing.T) {
	uvarint := func(n uint64) string { return string(binary.AppendUvarint(nil, n)) }
	for _, tc := range []struct {
		name, data string
		want       error // nil, errLimit, errThrift or io.ErrUnexpectedEOF
	}{
		{"empty struct", "\x00", nil},
		{"fields", "\x15\x04\x18\x03abc\x11\x00", nil}, // i32 2, binary "abc", true
		{"long field id", "\x05\x80\x02\x04\x00", nil},
		{"short list", "\x19\x35\x02\x04\x06\x00", nil}, // list of 3 i32
		{"bools in a list", "\x19\x21\x01\x02\x00", nil},
		{"map", "\x1b\x01\x85\x00\x04\x00", nil}, // {"": 2}
		{"truncated", "\x15", io.ErrUnexpectedEOF},
		{"binary past the end", "\x18" + uvarint(1<<40) + "ab\x00", io.ErrUnexpectedEOF},
		{"huge list", "\x19\xfc" + uvarint(1<<30) + "\x00\x00", errLimit},
		{"list longer than the bytes", "\x19\xf5" + uvarint(1000) + "\x02\x00", errLimit},
		{"lists over budget", strings.Repeat("\x19\xfc"+uvarint(maxListLength)+strings.Repeat("\x00", maxListLength), 2) + "\x00", errLimit},
		{"huge map", "\x1b" + uvarint(1<<30) + "\x88\x00", errLimit},
		{"deep", strings.Repeat("\x1c", 40) + strings.Repeat("\x00", 41), errLimit},
		{"bad type", "\x1d\x00", errThrift},
		{"bad varint", "\x15\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00", errThrift},
	} {
		w := thriftWalker{b: []byte(tc.data)}
		err := w.structure()
		if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
			t.Errorf("walk %s = %v, want %v", tc.name, err, tc.want)
		}
		if err == nil && w.pos != len(tc.data) {
			t.Errorf("walk %s ended at %d of %d bytes", tc.name, w.pos, len(tc.data))
		}
	}
}

func TestCheckPage(t *testing.T) {
	zeros := make([]byte, 8<<20)
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(zeros)
	zw.Close()
	small := snappy.Encode(nil, zeros[:1000])
	data := func(values, size int32) *format.PageHeader {
		h := &format.PageHeader{Type: format.DataPage, UncompressedPageSize: size}
		h.DataPageHeader.Valid, h.DataPageHeader.V.NumValues = true, values
		return h
	}
	v2 := &format.PageHeader{Type: format.DataPageV2, UncompressedPageSize: 100}
	v2.DataPageHeaderV2.Valid, v2.DataPageHeaderV2.V.DefinitionLevelsByteLength = true, 50
	for _, tc := range []struct {
		name  string
		h     *format.PageHeader
		page  []byte
		codec format.CompressionCodec
		want  string // "" for no error
	}{
		{"plain", data(10, 4), []byte("abcd"), format.Uncompressed, ""},
		{"snappy", data(10, 1000), small, format.Snappy, ""},
		{"snappy larger than said", data(10, 999), small, format.Snappy, "decompresses to more than the 999 bytes"},
		{"gzip bomb", data(10, 1<<20), bomb.Bytes(), format.Gzip, "decompresses to more than the 1048576 bytes"},
		{"gzip", data(10, 8<<20), bomb.Bytes(), format.Gzip, ""},
		{"damaged gzip", data(10, 100), []byte("\x1f\x8b\x08\x00garbage"), format.Gzip, "damaged: GZIP"},
		{"huge page", data(10, maxPageBytes+1), nil, format.Uncompressed, "beyond the limits"},
		{"many values", data(maxPageValues+1, 10), nil, format.Uncompressed, "beyond the limits"},
		{"brotli", data(10, 10), []byte("x"), format.Brotli, "not supported"},
		{"levels past the page", v2, make([]byte, 20), format.Uncompressed, "levels larger than the page"},
	} {
		var in inflater
		err := checkPage(tc.h, tc.page, tc.codec, &in)
		in.close()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("checkPage(%s) = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestCheckChunk walks a column chunk whose page header claims more bytes
// than the file holds.
func TestCheckChunk(t *testing.T) {
	header := func(size int32) []byte {
		h := format.PageHeader{Type: format.DataPage, UncompressedPageSize: size, CompressedPageSize: size}
		h.DataPageHeader.Valid, h.DataPageHeader.V.NumValues = true, 1
		b, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := append(append([]byte("PAR1"), header(4)...), "abcd"...)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"good", good, ""},
		{"page past the chunk", append(append([]byte("PAR1"), header(1<<30)...), "abcd"...), "damaged: page of 1073741824 bytes"},
		{"garbage header", []byte("PAR1\xff\xff\xff\xff"), "page header at offset 4"},
	} {
		md := &format.ColumnMetaData{DataPageOffset: 4, TotalCompressedSize: int64(len(tc.data) - 4)}
		var in inflater
		err := checkChunk(tc.data, md, &in)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("checkChunk(%s) = %v, want %q", tc.name, err, tc.want)
		}
	}
	if err := checkChunk(good, &format.ColumnMetaData{DataPageOffset: 400}, new(inflater)); err == nil {
		t.Error("checkChunk with pages past the end of the file = nil, want an error")
	}
}

func TestCheckFooter(t *testing.T) {
	big := make([]byte, 4+maxFooterBytes+1+8)
	copy(big, "PAR1")
	binary.LittleEndian.PutUint32(big[len(big)-8:], maxFooterBytes+1)
	copy(big[len(big)-4:], "PAR1")
	if err := checkFooter(big); !errors.Is(err, errLimit) {
		t.Errorf("checkFooter(metadata of %d bytes) = %v, want the limit", maxFooterBytes+1, err)
	}
}
