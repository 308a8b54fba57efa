package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/export"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/source"
)

// asffBatchMax is how many findings one BatchImportFindings call takes.
const asffBatchMax = 100

// findingsExport writes stored findings as GuardDuty JSON, ASFF or OCSF:
// JSON lines to stdout or a file, or objects in GuardDuty's S3 export
// layout in a folder or a bucket. It reads the store a page at a time.
func findingsExport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("findings export", flag.ContinueOnError)
	dataDir := fs.String("data-dir", config.DefaultDataDir, "the data dir of vigil serve")
	format := fs.String("format", "guardduty", "guardduty (GuardDuty finding JSON), asff (Security Hub) or ocsf (OCSF Detection Finding)")
	out := fs.String("out", "", "where to write: FILE.jsonl, FILE.json or FILE.jsonl.gz (JSON lines), DIR or s3://bucket/prefix (GuardDuty's export layout); default JSON lines on stdout")
	sev := fs.String("severity", "", "minimum severity: low, medium, high or critical")
	typ := fs.String("type", "", "only types starting with this prefix, e.g. Policy:IAMUser/ or Stealth:")
	account := fs.String("account", "", "only findings of this account")
	region := fs.String("region", "", "only findings of this region")
	archived := fs.Bool("archived", false, "export archived findings instead of current ones")
	all := fs.Bool("all", false, "export current and archived findings")
	limit := fs.Int("limit", 0, "at most this many findings (default all)")
	batch := fs.Bool("batch", false, `asff on stdout or to a file: one {"Findings":[...]} of at most 100 findings per line, the input of Security Hub's BatchImportFindings`)
	pageSize := fs.Int("page-size", 500, "findings read from the store at a time, and at most per object in a folder or bucket (1-1000)")
	kmsKey := fs.String("kms-key", "", "s3:// only: encrypt objects with SSE-KMS using this key id, alias or ARN")
	var s3f s3Flags
	s3f.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("findings export: unexpected argument %q", pos[0])
	}
	fm, err := export.ParseFormat(*format)
	if err != nil {
		return usageError{err}
	}
	if *pageSize < 1 || *pageSize > 1000 {
		return usagef("findings export: --page-size %d: want 1 to 1000", *pageSize)
	}
	if *limit < 0 {
		return usagef("findings export: --limit %d: want 0 or more", *limit)
	}
	q := finding.Query{TypePrefix: *typ, AccountID: *account, Region: *region, Archived: archived,
		SortBy: finding.SortCreatedAt, Limit: *pageSize}
	if *all {
		q.Archived = nil
	}
	if *sev != "" {
		lv, err := finding.ParseLevel(*sev)
		if err != nil {
			return usageError{err}
		}
		q.MinSeverity = lv.Min()
	}
	dst, err := newExportSink(*out, fm, *batch, *kmsKey, s3f)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := exportPages(ctx, db, q, *limit, dst)
	if cerr := dst.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(os.Stderr, "exported %s as %s to %s%s\n", plural(n, "finding"), fm, *out, dst.summary())
	}
	return nil
}

// findingLister is the part of the store export reads.
type findingLister interface {
	ListFindings(ctx context.Context, q finding.Query) ([]finding.Finding, string, error)
}

// exportPages pages through the store, handing each page to dst, and
// returns how many findings it wrote.
func exportPages(ctx context.Context, db findingLister, q finding.Query, limit int, dst exportSink) (int, error) {
	n := 0
	for {
		page, next, err := db.ListFindings(ctx, q)
		if err != nil {
			return n, err
		}
		if limit > 0 && n+len(page) > limit {
			page = page[:limit-n]
		}
		if len(page) > 0 {
			if err := dst.write(ctx, page); err != nil {
				return n, err
			}
		}
		n += len(page)
		if next == "" || (limit > 0 && n >= limit) {
			return n, nil
		}
		q.PageToken = next
	}
}

// exportSink receives the pages of an export.
type exportSink interface {
	write(ctx context.Context, page []finding.Finding) error
	close() error
	summary() string
}

// newExportSink returns where findings go: stdout, a file, a folder or a bucket.
func newExportSink(out string, fm export.Format, batch bool, kmsKey string, s3f s3Flags) (exportSink, error) {
	if batch && fm != export.FormatASFF {
		return nil, usagef("findings export: --batch is for --format asff")
	}
	layout := out != "" && !isFileOut(out)
	if batch && layout {
		return nil, usagef("findings export: --batch writes JSON to stdout or a file, not to a folder or bucket")
	}
	if kmsKey != "" && !source.IsS3URL(out) {
		return nil, usagef("findings export: --kms-key is for s3:// destinations")
	}
	if !layout {
		return newLineSink(out, fm, batch)
	}
	cfg := export.Config{URL: out, Format: fm, KMSKeyID: kmsKey}
	s3f.apply(&cfg.S3)
	if err := cfg.Validate(); err != nil {
		return nil, usageError{err}
	}
	w, err := export.New("export", cfg)
	if err != nil {
		return nil, err
	}
	return &layoutSink{w: w}, nil
}

// isFileOut reports whether --out names one JSON-lines file rather than
// a folder.
func isFileOut(out string) bool {
	if source.IsS3URL(out) {
		return false
	}
	base := strings.TrimSuffix(strings.ToLower(out), ".gz")
	for _, ext := range []string{".jsonl", ".json", ".ndjson"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	return false
}

// layoutSink writes each page as a batch in GuardDuty's export layout.
type layoutSink struct {
	w       *export.Writer
	objects int
}

func (s *layoutSink) write(ctx context.Context, page []finding.Finding) error {
	keys, err := s.w.Write(ctx, "", page)
	s.objects += len(keys)
	return err
}

func (s *layoutSink) close() error    { return nil }
func (s *layoutSink) summary() string { return fmt.Sprintf(" (%s)", plural(s.objects, "object")) }

// lineSink writes one rendering per line, or with batch one
// {"Findings":[...]} per line, to stdout or a file (gzip-compressed when
// its name ends in .gz; written beside it and renamed when complete).
type lineSink struct {
	fm      export.Format
	batch   bool
	pending [][]byte
	bw      *bufio.Writer
	zw      *gzip.Writer
	file    *os.File
	path    string
}

func newLineSink(out string, fm export.Format, batch bool) (*lineSink, error) {
	s := &lineSink{fm: fm, batch: batch}
	var w io.Writer = os.Stdout
	if out != "" {
		if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
			return nil, err
		}
		f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
		if err != nil {
			return nil, err
		}
		s.file, s.path, w = f, out, f
		if strings.HasSuffix(strings.ToLower(out), ".gz") {
			s.zw = gzip.NewWriter(f)
			w = s.zw
		}
	}
	s.bw = bufio.NewWriter(w)
	return s, nil
}

func (s *lineSink) write(_ context.Context, page []finding.Finding) error {
	for _, f := range page {
		b, err := s.fm.Render(f)
		if err != nil {
			return err
		}
		if !s.batch {
			s.bw.Write(b)
			if err := s.bw.WriteByte('\n'); err != nil {
				return err
			}
			continue
		}
		s.pending = append(s.pending, b)
		if len(s.pending) == asffBatchMax {
			if err := s.flushBatch(); err != nil {
				return err
			}
		}
	}
	return nil
}

// flushBatch writes the pending findings as one BatchImportFindings input.
func (s *lineSink) flushBatch() error {
	if len(s.pending) == 0 {
		return nil
	}
	s.bw.WriteString(`{"Findings":[`)
	for i, b := range s.pending {
		if i > 0 {
			s.bw.WriteByte(',')
		}
		s.bw.Write(b)
	}
	s.pending = s.pending[:0]
	_, err := s.bw.WriteString("]}\n")
	return err
}

func (s *lineSink) close() error {
	err := s.flushBatch()
	if ferr := s.bw.Flush(); err == nil {
		err = ferr
	}
	if s.file == nil {
		return err
	}
	if s.zw != nil {
		if zerr := s.zw.Close(); err == nil {
			err = zerr
		}
	}
	if cerr := s.file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(s.file.Name(), s.path)
	}
	if err != nil {
		os.Remove(s.file.Name())
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	return nil
}

func (s *lineSink) summary() string { return "" }
