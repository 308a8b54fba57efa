package source

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

// DefaultMaxFileBytes bounds the decompressed size of one log file (and so
// what a gzip bomb can cost). AWS delivery files are far smaller; a larger
// file is read up to the bound, its complete records are kept, and the
// rest is reported.
const DefaultMaxFileBytes = 256 << 20

// Reader decompresses and parses log files one at a time, reusing its
// buffers, so memory depends on the largest file, not on how many are read.
// A Reader is not safe for concurrent use; use one per goroutine.
type Reader struct {
	MaxFileBytes int64
	buf          []byte
	gz           *gzip.Reader
	br           *bufio.Reader
}

// ReadObject opens o from l, decompresses it if it is gzip, detects its
// format and parses it. Record problems go to onErr; the returned error
// names the file when it could not be opened, recognized or fully read.
func (r *Reader) ReadObject(ctx context.Context, l Lister, o Object, emit Emit, onErr OnError) (Stats, error) {
	rc, err := l.Open(ctx, o)
	if err != nil {
		return Stats{Errors: 1}, fmt.Errorf("open %s: %w", o.URL, err)
	}
	defer rc.Close()
	return r.Read(rc, o.URL, emit, onErr)
}

// Read parses one file's content from rd; file names it in errors.
func (r *Reader) Read(rd io.Reader, file string, emit Emit, onErr OnError) (Stats, error) {
	data, readErr := r.load(rd)
	if len(data) == 0 && readErr != nil {
		return Stats{Errors: 1}, &RecordError{File: file, Record: -1, Err: readErr}
	}
	if readErr == nil && len(bytes.TrimSpace(data)) == 0 {
		return Stats{Bytes: int64(len(data))}, nil // an empty file holds no records
	}
	head := data[:min(len(data), 4096)]
	f, err := Detect(head, file)
	if err != nil {
		return Stats{Errors: 1, Bytes: int64(len(data))}, &RecordError{File: file, Record: -1, Err: err}
	}
	st, perr := f.Parse(data, file, emit, onErr)
	st.Bytes = int64(len(data))
	if readErr != nil {
		// The records before the damage were parsed; report the damage.
		// A parse error here (the last record cut off) is the same
		// problem, already counted, and the read error says more.
		if perr == nil {
			st.Errors++
		}
		return st, &RecordError{File: file, Record: -1, Offset: int64(len(data)), Err: readErr}
	}
	return st, perr
}

// load reads all of rd into the reusable buffer, gunzipping when the
// content starts with the gzip magic. It returns what it could read
// along with any error (a truncated gzip keeps its readable prefix).
func (r *Reader) load(rd io.Reader) ([]byte, error) {
	max := r.MaxFileBytes
	if max <= 0 {
		max = DefaultMaxFileBytes
	}
	if r.br == nil {
		r.br = bufio.NewReaderSize(rd, 256<<10)
	} else {
		r.br.Reset(rd)
	}
	br := r.br
	magic, _ := br.Peek(2)
	src := io.Reader(br)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		if r.gz == nil {
			r.gz = new(gzip.Reader)
		}
		if err := r.gz.Reset(br); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		r.gz.Multistream(true)
		src = r.gz
	}
	buf := bytes.NewBuffer(r.buf[:0])
	n, err := buf.ReadFrom(io.LimitReader(src, max+1))
	r.buf = buf.Bytes()
	if n > max {
		return r.buf[:max], fmt.Errorf("file larger than %d bytes after decompression; the rest was not read", max)
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("truncated: %w", err)
		}
		return r.buf, err
	}
	return r.buf, nil
}
