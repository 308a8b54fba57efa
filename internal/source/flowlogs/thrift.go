package flowlogs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// thriftWalker walks a value in Thrift's compact protocol, the encoding of
// Parquet metadata, without decoding it: it checks that every length fits
// in the bytes left, that lists stay within the limits, and how deep
// values nest. pos ends just past the value.
type thriftWalker struct {
	b      []byte
	pos    int
	depth  int
	budget int64 // bytes the lists so far would make a decoder allocate
}

// Compact protocol types.
const (
	tTrue   = 1
	tFalse  = 2
	tByte   = 3
	tI16    = 4
	tI32    = 5
	tI64    = 6
	tDouble = 7
	tBinary = 8
	tList   = 9
	tSet    = 10
	tMap    = 11
	tStruct = 12
)

var errThrift = errors.New("damaged: invalid Thrift encoding")

func (w *thriftWalker) byte() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, io.ErrUnexpectedEOF
	}
	c := w.b[w.pos]
	w.pos++
	return c, nil
}

func (w *thriftWalker) uvarint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.pos:])
	switch {
	case n == 0:
		return 0, io.ErrUnexpectedEOF
	case n < 0:
		return 0, errThrift // more than 64 bits
	}
	w.pos += n
	return v, nil
}

func (w *thriftWalker) skip(n uint64) error {
	if n > uint64(len(w.b)-w.pos) {
		return io.ErrUnexpectedEOF
	}
	w.pos += int(n)
	return nil
}

// structure walks a struct: fields up to a stop byte.
func (w *thriftWalker) structure() error {
	if w.depth++; w.depth > maxThriftDepth {
		return fmt.Errorf("nested more than %d deep: %w", maxThriftDepth, errLimit)
	}
	defer func() { w.depth-- }()
	for {
		h, err := w.byte()
		if err != nil {
			return err
		}
		if h == 0 {
			return nil
		}
		if h>>4 == 0 { // the field id follows, as a varint
			if _, err := w.uvarint(); err != nil {
				return err
			}
		}
		if err := w.value(h & 0x0f); err != nil {
			return err
		}
	}
}

// value walks one value of type t, as a struct field.
func (w *thriftWalker) value(t byte) error {
	switch t {
	case tTrue, tFalse:
		return nil // a field's boolean is in its type
	case tByte:
		return w.skip(1)
	case tI16, tI32, tI64:
		_, err := w.uvarint()
		return err
	case tDouble:
		return w.skip(8)
	case tBinary:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		return w.skip(n)
	case tList, tSet:
		return w.list()
	case tMap:
		return w.mapping()
	case tStruct:
		return w.structure()
	}
	return errThrift
}

// element walks one element of a list or map: booleans take a byte there.
func (w *thriftWalker) element(t byte) error {
	if t == tTrue || t == tFalse {
		return w.skip(1)
	}
	return w.value(t)
}

// cost is what a decoder allocates for one element of type t, at most.
func cost(t byte) int64 {
	switch t {
	case tStruct:
		return 1024
	case tBinary, tList, tSet, tMap:
		return 32
	}
	return 8
}

func (w *thriftWalker) grow(n uint64, each int64) error {
	if n > maxListLength || n > uint64(len(w.b)-w.pos) {
		return fmt.Errorf("list of %d elements: %w", n, errLimit)
	}
	if w.budget += int64(n) * each; w.budget > maxDecodeBytes {
		return fmt.Errorf("lists too long: %w", errLimit)
	}
	return nil
}

func (w *thriftWalker) list() error {
	h, err := w.byte()
	if err != nil {
		return err
	}
	n, t := uint64(h>>4), h&0x0f
	if n == 15 {
		if n, err = w.uvarint(); err != nil {
			return err
		}
	}
	if err := w.grow(n, cost(t)); err != nil {
		return err
	}
	if w.depth++; w.depth > maxThriftDepth {
		return fmt.Errorf("nested more than %d deep: %w", maxThriftDepth, errLimit)
	}
	defer func() { w.depth-- }()
	for range n {
		if err := w.element(t); err != nil {
			return err
		}
	}
	return nil
}

func (w *thriftWalker) mapping() error {
	n, err := w.uvarint()
	if err != nil || n == 0 {
		return err
	}
	kv, err := w.byte()
	if err != nil {
		return err
	}
	if err := w.grow(n, cost(kv>>4)+cost(kv&0x0f)); err != nil {
		return err
	}
	if w.depth++; w.depth > maxThriftDepth {
		return fmt.Errorf("nested more than %d deep: %w", maxThriftDepth, errLimit)
	}
	defer func() { w.depth-- }()
	for range n {
		if err := w.element(kv >> 4); err != nil {
			return err
		}
		if err := w.element(kv & 0x0f); err != nil {
			return err
		}
	}
	return nil
}
