package arrowfile

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// layoutKind is the buffer layout of a natively written column.
type layoutKind uint8

const (
	layoutNull     layoutKind = iota + 1 // no buffers
	layoutBool                           // validity, value bitmap
	layoutFixed                          // validity, values of width bytes
	layoutBinary32                       // validity, int32 offsets, data
	layoutBinary64                       // validity, int64 offsets, data
)

// colLayout is how one column's buffers are written.
type colLayout struct {
	kind  layoutKind
	width int // bytes per value, layoutFixed only
}

// nativeLayout returns the layout of a type the native IPC writer
// handles; ok is false for any other type (nested, dictionary, view,
// run-end encoded, extension types), which NewWriter writes through
// arrow-go instead.
func nativeLayout(dt arrow.DataType) (l colLayout, ok bool) {
	switch t := dt.(type) {
	case *arrow.NullType:
		return colLayout{kind: layoutNull}, true
	case *arrow.BooleanType:
		return colLayout{kind: layoutBool}, true
	case *arrow.Int8Type, *arrow.Uint8Type:
		return colLayout{kind: layoutFixed, width: 1}, true
	case *arrow.Int16Type, *arrow.Uint16Type, *arrow.Float16Type:
		return colLayout{kind: layoutFixed, width: 2}, true
	case *arrow.Int32Type, *arrow.Uint32Type, *arrow.Float32Type, *arrow.Date32Type, *arrow.Time32Type, *arrow.MonthIntervalType:
		return colLayout{kind: layoutFixed, width: 4}, true
	case *arrow.Int64Type, *arrow.Uint64Type, *arrow.Float64Type, *arrow.Date64Type, *arrow.Time64Type,
		*arrow.TimestampType, *arrow.DurationType, *arrow.DayTimeIntervalType:
		return colLayout{kind: layoutFixed, width: 8}, true
	case *arrow.Decimal128Type, *arrow.MonthDayNanoIntervalType:
		return colLayout{kind: layoutFixed, width: 16}, true
	case *arrow.Decimal256Type:
		return colLayout{kind: layoutFixed, width: 32}, true
	case *arrow.FixedSizeBinaryType:
		return colLayout{kind: layoutFixed, width: t.ByteWidth}, true
	case *arrow.StringType, *arrow.BinaryType:
		return colLayout{kind: layoutBinary32}, true
	case *arrow.LargeStringType, *arrow.LargeBinaryType:
		return colLayout{kind: layoutBinary64}, true
	}
	return colLayout{}, false
}

// schemaLayouts returns the layout of every field, or ok false when some
// field's type has no native encoder.
func schemaLayouts(s *arrow.Schema) ([]colLayout, bool) {
	if !hostLittleEndian {
		return nil, false
	}
	out := make([]colLayout, s.NumFields())
	for i, f := range s.Fields() {
		l, ok := nativeLayout(f.Type)
		if !ok {
			return nil, false
		}
		out[i] = l
	}
	return out, true
}

// hostLittleEndian: the native writer copies buffers as they are in
// memory and declares them little-endian.
var hostLittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// batchBody assembles the body and the node/buffer lists of one record
// batch. Its slices are scratch reused from batch to batch.
type batchBody struct {
	codec       bufferCodec // nil: uncompressed
	compression string      // codec's name, for the workers' codecs
	par         *parBody    // non-nil: buffers compressed in parallel by flush
	body        []byte      // buffers, each padded to 8 bytes
	nodes       []fbNode
	bufs        []fbBuffer
	tmp         []byte  // re-aligned bitmap of the buffer being added
	o32         []int32 // rebased offsets of the buffer being added
	o64         []int64
}

func (e *batchBody) reset() {
	e.body = e.body[:0]
	e.nodes = e.nodes[:0]
	e.bufs = e.bufs[:0]
	if e.par != nil {
		e.par.n = 0
	}
}

var zeroPad [8]byte

// add appends one buffer (compressed when the body has a codec) at an
// 8-byte aligned offset.
func (e *batchBody) add(p []byte) error {
	if e.par != nil {
		e.par.stage(p)
		return nil
	}
	start := len(e.body)
	if e.codec == nil {
		e.body = append(e.body, p...)
	} else {
		var err error
		if e.body, err = appendCompressed(e.codec, e.body, p); err != nil {
			return err
		}
	}
	e.seal(start)
	return nil
}

// place appends one encoded buffer at an 8-byte aligned offset.
func (e *batchBody) place(p []byte) {
	start := len(e.body)
	e.body = append(e.body, p...)
	e.seal(start)
}

// seal records the buffer from start to the end of the body and pads the
// body to 8 bytes.
func (e *batchBody) seal(start int) {
	n := len(e.body) - start
	e.bufs = append(e.bufs, fbBuffer{offset: int64(start), length: int64(n)})
	e.body = append(e.body, zeroPad[:(8-n%8)%8]...)
}

// addArray appends the field node and buffers of one column. The array
// may be a slice: bitmaps are re-aligned to bit 0, offsets rebased to
// start at 0 and value buffers cut to the slice.
func (e *batchBody) addArray(arr arrow.Array, l colLayout) error {
	d := arr.Data()
	n, off, nulls := d.Len(), d.Offset(), arr.NullN() // Data.NullN of a slice may be unknown (-1)
	e.nodes = append(e.nodes, fbNode{length: int64(n), nulls: int64(nulls)})
	if l.kind == layoutNull {
		return nil
	}
	bufs := d.Buffers()
	if nulls == 0 {
		if err := e.add(nil); err != nil {
			return err
		}
	} else {
		bm, err := e.bitmap(bufBytes(bufs, 0), off, n)
		if err != nil {
			return fmt.Errorf("validity bitmap: %w", err)
		}
		if err := e.add(bm); err != nil {
			return err
		}
	}
	switch l.kind {
	case layoutBool:
		bm, err := e.bitmap(bufBytes(bufs, 1), off, n)
		if err != nil {
			return fmt.Errorf("value bitmap: %w", err)
		}
		return e.add(bm)
	case layoutFixed:
		vals := bufBytes(bufs, 1)
		lo, hi := off*l.width, (off+n)*l.width
		if hi > len(vals) {
			return fmt.Errorf("value buffer of %d bytes is too short for %d values of %d bytes at offset %d", len(vals), n, l.width, off)
		}
		return e.add(vals[lo:hi])
	case layoutBinary32:
		return addBinary(e, &e.o32, arrow.Int32Traits.CastFromBytes(bufBytes(bufs, 1)), bufBytes(bufs, 2), off, n)
	case layoutBinary64:
		return addBinary(e, &e.o64, arrow.Int64Traits.CastFromBytes(bufBytes(bufs, 1)), bufBytes(bufs, 2), off, n)
	}
	return fmt.Errorf("unknown column layout %d", l.kind)
}

// bufBytes returns the bytes of buffer i, nil when absent.
func bufBytes(bufs []*memory.Buffer, i int) []byte {
	if i >= len(bufs) || bufs[i] == nil {
		return nil
	}
	return bufs[i].Bytes()
}

// bitmap returns n bits of src starting at bit off, re-aligned to bit 0
// and with the unused bits of the last byte cleared (so the bytes depend
// only on the values). The result is e.tmp.
func (e *batchBody) bitmap(src []byte, off, n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if len(src)*8 < off+n {
		return nil, fmt.Errorf("%d bytes are too short for %d bits at offset %d", len(src), n, off)
	}
	nb := (n + 7) / 8
	if off%8 == 0 {
		e.tmp = append(e.tmp[:0], src[off/8:off/8+nb]...)
	} else {
		e.tmp = growZero(e.tmp, nb)
		bitutil.CopyBitmap(src, off, n, e.tmp, 0)
	}
	if r := n % 8; r != 0 {
		e.tmp[nb-1] &= byte(1)<<r - 1
	}
	return e.tmp, nil
}

// growZero returns b resized to n zero bytes, reusing its storage.
func growZero(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// addBinary appends the offsets (rebased to start at 0) and the data
// bytes of n values starting at off of a binary or string array; scratch
// holds rebased offsets.
func addBinary[T int32 | int64](e *batchBody, scratch *[]T, offs []T, data []byte, off, n int) error {
	if n == 0 {
		*scratch = append((*scratch)[:0], 0) // one offset even for no values
		if err := e.add(asBytes(*scratch)); err != nil {
			return err
		}
		return e.add(nil)
	}
	if len(offs) < off+n+1 {
		return fmt.Errorf("offsets buffer has %d entries, need %d", len(offs), off+n+1)
	}
	offs = offs[off : off+n+1]
	lo, hi := offs[0], offs[n]
	if lo < 0 || hi < lo || int64(hi) > int64(len(data)) {
		return fmt.Errorf("offsets [%d, %d] outside the %d-byte data buffer", lo, hi, len(data))
	}
	if lo != 0 {
		out := (*scratch)[:0]
		for _, o := range offs {
			out = append(out, o-lo)
		}
		*scratch, offs = out, out
	}
	if err := e.add(asBytes(offs)); err != nil {
		return err
	}
	return e.add(data[lo:hi])
}

// asBytes views a slice of offsets as its little-endian bytes (the
// package only builds for little-endian targets, as arrow-go's IPC writer
// assumes too).
func asBytes[T int32 | int64](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(s[0])))
}
