// Package source reads log records where users keep them — local files and
// folder trees, S3 buckets in the layout AWS delivers logs — and hands each
// file to the parser of its format. Format packages (cloudtrail/, later
// flowlogs/, route53/...) register themselves with RegisterFormat.
//
// Sources only read and normalize: they never detect, store findings or
// notify. A malformed record is reported with its file and position and
// skipped; a source never stops on bad input.
package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// Object is one log file: a local file or an S3 object.
type Object struct {
	URL     string // display name: a path or s3://bucket/key
	Key     string // path relative to the source root, or the object key
	Size    int64
	ModTime time.Time
	// Version changes when the content may have changed: size and mtime
	// for files, the ETag for objects.
	Version string
}

// Lister enumerates and opens the objects of one source location.
type Lister interface {
	// Name identifies the location, such as "/var/log/ct" or "s3://b/p".
	Name() string
	// List returns the objects, sorted by Key. after, when not empty,
	// asks for keys greater than it only (implementations may ignore it).
	List(ctx context.Context, after string) ([]Object, error)
	// Open returns the raw (possibly compressed) content of an object.
	Open(ctx context.Context, o Object) (io.ReadCloser, error)
}

// RecordError is a problem with one record of a file, or with the file
// itself when Record is -1.
type RecordError struct {
	File   string
	Record int   // 0-based record index; -1 for the file as a whole
	Offset int64 // byte offset in the decompressed content
	Err    error
}

func (e *RecordError) Error() string {
	if e.Record < 0 {
		return fmt.Sprintf("%s: offset %d: %v", e.File, e.Offset, e.Err)
	}
	return fmt.Sprintf("%s: record %d (offset %d): %v", e.File, e.Record, e.Offset, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// Stats counts what a parse produced.
type Stats struct {
	Records int   // records seen
	Events  int   // events emitted
	Errors  int   // records or file problems reported
	Bytes   int64 // decompressed bytes read
}

// Add accumulates o into s.
func (s *Stats) Add(o Stats) {
	s.Records += o.Records
	s.Events += o.Events
	s.Errors += o.Errors
	s.Bytes += o.Bytes
}

// Emit receives each event a parser makes. The event must not be retained
// by the parser after Emit returns; the receiver owns it.
type Emit func(*event.Event)

// OnError receives each record-level problem; parsing continues after it.
type OnError func(*RecordError)

// Format is a log format a parser understands.
type Format struct {
	Name string // such as "cloudtrail"
	// Sniff reports whether the decompressed head of a file (up to 4 KiB)
	// and its name look like this format.
	Sniff func(head []byte, name string) bool
	// Parse reads all records of a decompressed file. It reports bad
	// records through onErr and keeps going; it returns an error only when
	// the rest of the file cannot be read (the records before it are kept).
	Parse func(data []byte, file string, emit Emit, onErr OnError) (Stats, error)
}

var (
	fmtMu   sync.RWMutex
	formats []Format
)

// RegisterFormat makes a format known to Detect.
func RegisterFormat(f Format) {
	fmtMu.Lock()
	defer fmtMu.Unlock()
	formats = append(formats, f)
}

// ErrUnknownFormat is returned for a file no registered format recognizes.
var ErrUnknownFormat = errors.New("unrecognized log format")

// Detect returns the format of a file from its decompressed head and name.
func Detect(head []byte, name string) (Format, error) {
	fmtMu.RLock()
	defer fmtMu.RUnlock()
	for _, f := range formats {
		if f.Sniff(head, name) {
			return f, nil
		}
	}
	return Format{}, ErrUnknownFormat
}

// Formats returns the names of the registered formats.
func Formats() []string {
	fmtMu.RLock()
	defer fmtMu.RUnlock()
	var out []string
	for _, f := range formats {
		out = append(out, f.Name)
	}
	return out
}
