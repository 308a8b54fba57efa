package flowlogs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
)

// parquetParser reads a Parquet delivery file. Its columns are the fields
// of the flow log's format, named with '_' for '-' (account_id, log_status,
// ...), in any order and any subset. Each row is rendered as the text
// record it stands for — which becomes the event's Raw — and decoded as
// text records are, so both forms check values the same way.
type parquetParser struct {
	file  string
	hint  pathHint
	emit  source.Emit
	onErr source.OnError
	st    source.Stats

	lay  *layout
	pos  []int // position in lay of each leaf column; -1 when ignored
	rows []parquet.Row
	line []byte
	toks [maxFields]span
}

// rowBatch is how many rows are read from the library at a time.
const rowBatch = 128

func parseParquet(data []byte, file string, hint pathHint, emit source.Emit, onErr source.OnError) (source.Stats, error) {
	p := parquetParser{file: file, hint: hint, emit: emit, onErr: onErr}
	err := p.run(data)
	return p.st, err
}

func (p *parquetParser) run(data []byte) error {
	if err := checkFooter(data); err != nil {
		return p.fail(0, err)
	}
	var f *parquet.File
	err := guard(func() (err error) {
		f, err = parquet.OpenFile(bytes.NewReader(data), int64(len(data)),
			parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
		return err
	})
	if err != nil {
		return p.fail(0, err)
	}
	if err := guard(func() error { return checkPages(data, f.Metadata()) }); err != nil {
		return p.fail(0, err)
	}
	if err := p.schema(f.Schema()); err != nil {
		return p.fail(0, err)
	}
	p.rows = make([]parquet.Row, rowBatch)
	for i, rg := range f.RowGroups() {
		if err := p.group(rg, groupOffset(f, i, len(data))); err != nil {
			return err
		}
	}
	return nil
}

// schema maps the leaf columns of the file to flow log fields. Columns
// that are not fields (unknown, nested, repeated or duplicated) are
// reported once and ignored.
func (p *parquetParser) schema(s *parquet.Schema) error {
	paths := s.Columns()
	p.pos = make([]int, len(paths))
	var cols []field
	var seen [numFields]bool
	var problems []string
	for c, path := range paths {
		p.pos[c] = -1
		name := strings.Join(path, ".")
		leaf, _ := s.Lookup(path...)
		f := fNone
		if len(path) == 1 {
			f = lookupField([]byte(path[0]))
		}
		switch {
		case f == fNone:
			problems = append(problems, fmt.Sprintf("unknown column %q", shorten([]byte(name))))
			continue
		case leaf.MaxRepetitionLevel > 0:
			problems = append(problems, fmt.Sprintf("column %q is repeated", name))
			continue
		case seen[f]:
			problems = append(problems, fmt.Sprintf("column %q repeats field %s", name, f))
			continue
		}
		seen[f] = true
		p.pos[c] = len(cols)
		cols = append(cols, f)
	}
	if len(cols) == 0 {
		return errors.New("no flow log field among the Parquet columns")
	}
	p.lay = newLayout(cols, "the Parquet schema")
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], fmt.Sprintf("%d more", len(problems)-5))
		}
		p.warn(0, fmt.Errorf("schema: %s; their values are ignored", strings.Join(problems, ", ")))
	}
	return nil
}

// groupOffset returns where row group i starts, the offset its rows are
// reported at.
func groupOffset(f *parquet.File, i, size int) int64 {
	md := f.Metadata()
	if i < len(md.RowGroups) {
		rg := &md.RowGroups[i]
		if off := rg.FileOffset; off > 0 && off < int64(size) {
			return off
		}
		if len(rg.Columns) > 0 {
			if off := rg.Columns[0].MetaData.DataPageOffset; off > 0 && off < int64(size) {
				return off
			}
		}
	}
	return 0
}

// group reads the rows of one row group.
func (p *parquetParser) group(rg parquet.RowGroup, off int64) error {
	var rows parquet.Rows
	if err := guard(func() error { rows = rg.Rows(); return nil }); err != nil {
		return p.fail(off, err)
	}
	defer guard(rows.Close) // an in-memory file: nothing to report on close
	for stalls := 0; ; {
		var n int
		err := guard(func() (err error) { n, err = rows.ReadRows(p.rows); return err })
		for _, row := range p.rows[:n] {
			p.row(row, off)
		}
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return p.fail(off, err)
		case n == 0:
			if stalls++; stalls > 3 {
				return p.fail(off, errors.New("damaged: the row group yields no rows"))
			}
		}
	}
}

// row renders one row as a text record and decodes it.
func (p *parquetParser) row(row parquet.Row, off int64) {
	idx := p.st.Records
	p.st.Records++
	line, n := p.line[:0], 0
	for _, v := range row {
		c := v.Column()
		if c < 0 || c >= len(p.pos) || p.pos[c] != n {
			continue // an ignored column
		}
		if n > 0 {
			line = append(line, ' ')
		}
		start := len(line)
		var err error
		if line, err = appendValue(line, v); err != nil {
			p.line = line
			p.bad(idx, off, fmt.Errorf("row %d: %s: %w", idx+1, p.lay.cols[n], err))
			return
		}
		p.toks[n] = span{start, len(line)}
		n++
	}
	p.line = line
	if n != len(p.lay.cols) {
		p.bad(idx, off, fmt.Errorf("row %d: %d of the %d columns have values", idx+1, n, len(p.lay.cols)))
		return
	}
	ev, err := decode(p.lay, line, p.toks[:n], p.hint)
	if err != nil {
		p.bad(idx, off, fmt.Errorf("row %d: %w", idx+1, err))
		return
	}
	ev.Origin = event.Origin{File: p.file, Record: idx, Offset: off}
	p.st.Events++
	p.emit(ev)
}

// appendValue appends the text form of a column value: "-" for null or
// empty, decimal for integers, the bytes of strings.
func appendValue(b []byte, v parquet.Value) ([]byte, error) {
	if v.IsNull() {
		return append(b, '-'), nil
	}
	switch v.Kind() {
	case parquet.Int32:
		return strconv.AppendInt(b, int64(v.Int32()), 10), nil
	case parquet.Int64:
		return strconv.AppendInt(b, v.Int64(), 10), nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		s := v.ByteArray()
		if len(s) == 0 {
			return append(b, '-'), nil
		}
		start := len(b)
		for _, c := range s {
			if isSpace(c) {
				return b[:start], fmt.Errorf("value %q holds white space", shorten(s))
			}
			b = append(b, c)
		}
		return b, nil
	}
	return b, fmt.Errorf("unexpected %v value", v.Kind())
}

// guard calls the Parquet library, turning a panic on damaged input into
// an error.
func guard(call func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("damaged: %v", r)
		}
	}()
	return call()
}

// fail counts a problem that stops the file and returns it.
func (p *parquetParser) fail(off int64, err error) error {
	p.st.Errors++
	return &source.RecordError{File: p.file, Record: -1, Offset: off, Err: fmt.Errorf("parquet: %w", err)}
}

func (p *parquetParser) bad(idx int, off int64, err error) {
	p.st.Errors++
	p.onErr(&source.RecordError{File: p.file, Record: idx, Offset: off, Err: err})
}

func (p *parquetParser) warn(off int64, err error) {
	p.st.Errors++
	p.onErr(&source.RecordError{File: p.file, Record: -1, Offset: off, Err: fmt.Errorf("parquet: %w", err)})
}
