package flowlogs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// The Parquet library trusts the sizes a file states: list lengths in its
// metadata, page sizes and value counts in its page headers, and the
// output of decompression. A damaged or hostile file could make it
// allocate gigabytes, or recurse until the stack overflows — failures no
// recover catches. So before the library reads a file, its metadata and
// every page header are walked here, and each size checked against what
// the file holds and against these limits, far above what AWS writes
// (pages of about a megabyte).
const (
	maxFooterBytes = 16 << 20 // the file metadata
	maxPageBytes   = 64 << 20 // one page, decompressed
	maxPageValues  = 1 << 22  // values in one page
	maxListLength  = 1 << 16  // elements of one list in the metadata
	// maxDecodeBytes bounds what the metadata's lists may make the
	// library allocate, counted as elements times the size of what each
	// decodes into.
	maxDecodeBytes = 64 << 20
	maxThriftDepth = 32 // nesting of structures and lists
)

var errLimit = errors.New("beyond the limits of the flow log reader")

// checkFooter checks the framing of a Parquet file and walks its metadata.
func checkFooter(data []byte) error {
	const minSize = 4 + 4 + 4 // magic, metadata length, magic
	if len(data) < minSize {
		return errors.New("truncated: too short for a Parquet file")
	}
	if !bytes.HasSuffix(data, parquetMagic) {
		return errors.New("truncated or damaged: no Parquet magic at the end")
	}
	n := int64(binary.LittleEndian.Uint32(data[len(data)-8:]))
	if n > int64(len(data)-minSize) {
		return fmt.Errorf("damaged: metadata of %d bytes in a file of %d", n, len(data))
	}
	if n > maxFooterBytes {
		return fmt.Errorf("metadata of %d bytes: %w", n, errLimit)
	}
	footer := data[len(data)-8-int(n) : len(data)-8]
	w := thriftWalker{b: footer}
	if err := w.structure(); err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	return nil
}

// checkPages walks the pages of every column chunk of a file whose
// metadata has been read.
func checkPages(data []byte, md *format.FileMetaData) error {
	var inflate inflater
	defer inflate.close()
	for i := range md.RowGroups {
		for j := range md.RowGroups[i].Columns {
			cc := &md.RowGroups[i].Columns[j]
			if err := checkChunk(data, &cc.MetaData, &inflate); err != nil {
				return fmt.Errorf("row group %d, column %d: %w", i, j, err)
			}
		}
	}
	return nil
}

// checkChunk walks the pages of one column chunk, where the library will
// read them: from the dictionary page or the first data page, for the
// chunk's compressed size.
func checkChunk(data []byte, md *format.ColumnMetaData, inflate *inflater) error {
	start := md.DataPageOffset
	if md.DictionaryPageOffset != 0 {
		start = md.DictionaryPageOffset
	}
	if start < 4 || start >= int64(len(data)) || md.TotalCompressedSize < 0 {
		return fmt.Errorf("damaged: pages at offset %d of %d bytes", start, len(data))
	}
	end := min(start+md.TotalCompressedSize, int64(len(data)))
	chunk := data[start:end]
	for pos := 0; pos < len(chunk); {
		w := thriftWalker{b: chunk[pos:]}
		if err := w.structure(); err != nil {
			return fmt.Errorf("page header at offset %d: %w", start+int64(pos), err)
		}
		var h format.PageHeader
		r := new(thrift.CompactProtocol).NewReaderFromBytes(chunk[pos : pos+w.pos])
		if err := thrift.NewDecoder(r).Decode(&h); err != nil {
			return fmt.Errorf("page header at offset %d: %w", start+int64(pos), err)
		}
		pos += w.pos
		if h.CompressedPageSize < 0 || int(h.CompressedPageSize) > len(chunk)-pos {
			return fmt.Errorf("damaged: page of %d bytes at offset %d, %d left in the column chunk", h.CompressedPageSize, start+int64(pos), len(chunk)-pos)
		}
		page := chunk[pos : pos+int(h.CompressedPageSize)]
		pos += len(page)
		if err := checkPage(&h, page, md.Codec, inflate); err != nil {
			return fmt.Errorf("page at offset %d: %w", start+int64(pos-len(page)), err)
		}
	}
	return nil
}

// checkPage checks the sizes and counts of one page, and that it
// decompresses to no more than its header says.
func checkPage(h *format.PageHeader, page []byte, codec format.CompressionCodec, inflate *inflater) error {
	if h.UncompressedPageSize < 0 || h.UncompressedPageSize > maxPageBytes {
		return fmt.Errorf("%d bytes decompressed: %w", h.UncompressedPageSize, errLimit)
	}
	values := int32(0)
	compressed := page
	switch {
	case h.DataPageHeader.Valid:
		values = h.DataPageHeader.V.NumValues
	case h.DictionaryPageHeader.Valid:
		values = h.DictionaryPageHeader.V.NumValues
	case h.DataPageHeaderV2.Valid:
		v2 := &h.DataPageHeaderV2.V
		values = v2.NumValues
		levels := int64(v2.RepetitionLevelsByteLength) + int64(v2.DefinitionLevelsByteLength)
		if v2.RepetitionLevelsByteLength < 0 || v2.DefinitionLevelsByteLength < 0 || levels > int64(len(page)) {
			return errors.New("damaged: levels larger than the page")
		}
		compressed = page[levels:]
		if v2.IsCompressed.Valid && !v2.IsCompressed.V {
			codec = format.Uncompressed
		}
	}
	if values < 0 || values > maxPageValues {
		return fmt.Errorf("%d values: %w", values, errLimit)
	}
	return inflate.check(codec, compressed, int(h.UncompressedPageSize))
}

// inflater decompresses pages to measure them, reusing its decoders.
type inflater struct {
	gz   *gzip.Reader
	zstd *zstd.Decoder
}

// check reports an error when src, compressed with codec, decompresses to
// more than limit bytes or fails to decompress.
func (in *inflater) check(codec format.CompressionCodec, src []byte, limit int) error {
	var n int64
	var err error
	switch codec {
	case format.Uncompressed:
		n = int64(len(src))
	case format.Snappy:
		var dl int
		dl, err = snappy.DecodedLen(src)
		n = int64(dl)
	case format.Gzip:
		n, err = in.gzip(src, limit)
	case format.Zstd:
		n, err = in.zstdSize(src, limit)
	default:
		return fmt.Errorf("compression %s is not supported", codec)
	}
	switch {
	case err != nil:
		return fmt.Errorf("damaged: %s: %w", codec, err)
	case n > int64(limit):
		return fmt.Errorf("damaged: decompresses to more than the %d bytes its header says", limit)
	}
	return nil
}

func (in *inflater) gzip(src []byte, limit int) (int64, error) {
	var err error
	if in.gz == nil {
		in.gz, err = gzip.NewReader(bytes.NewReader(src))
	} else {
		err = in.gz.Reset(bytes.NewReader(src))
	}
	if err != nil {
		return 0, err
	}
	return io.Copy(io.Discard, io.LimitReader(in.gz, int64(limit)+1))
}

func (in *inflater) zstdSize(src []byte, limit int) (int64, error) {
	var err error
	if in.zstd == nil {
		in.zstd, err = zstd.NewReader(bytes.NewReader(src), zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxMemory(maxPageBytes), zstd.WithDecoderMaxWindow(maxPageBytes))
	} else {
		err = in.zstd.Reset(bytes.NewReader(src))
	}
	if err != nil {
		return 0, err
	}
	return io.Copy(io.Discard, io.LimitReader(in.zstd, int64(limit)+1))
}

func (in *inflater) close() {
	if in.zstd != nil {
		in.zstd.Close()
	}
}
