package expr

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// fixed is the element types of the value buffers this package writes.
type fixed interface {
	~int32 | ~int64 | ~float64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~int8 | ~int16
}

// newBuf allocates a zeroed buffer of nbytes from mem.
func newBuf(mem memory.Allocator, nbytes int) *memory.Buffer {
	b := memory.NewResizableBuffer(mem)
	b.Resize(nbytes)
	clear(b.Bytes())
	return b
}

// newValues allocates a zeroed buffer of n values of type T.
func newValues[T fixed](mem memory.Allocator, n int) (*memory.Buffer, []T) {
	var zero T
	b := newBuf(mem, n*int(unsafe.Sizeof(zero)))
	return b, viewAs[T](b.Bytes())
}

// viewAs views bytes as a slice of T; the buffer keeps the memory alive.
func viewAs[T fixed](b []byte) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(b) < size {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/size)
}

// newBitmap allocates a zeroed bitmap of n bits.
func newBitmap(mem memory.Allocator, n int) *memory.Buffer {
	return newBuf(mem, int(bitutil.BytesForBits(int64(n))))
}

// makeArray wraps value buffers into an array of type dt and length n and
// releases the caller's buffer references. valid may be nil (no nulls).
func makeArray(dt arrow.DataType, n int, valid *memory.Buffer, values ...*memory.Buffer) arrow.Array {
	nulls := 0
	if valid != nil {
		nulls = n - bitutil.CountSetBits(valid.Bytes(), 0, n)
		if nulls == 0 {
			valid.Release()
			valid = nil
		}
	}
	bufs := append([]*memory.Buffer{valid}, values...)
	d := array.NewData(dt, n, bufs, nil, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	a := array.MakeFromData(d)
	d.Release()
	return a
}

// hasNulls reports whether a has a validity bitmap with nulls in it.
func hasNulls(a arrow.Array) bool {
	return a.NullN() > 0 && a.NullBitmapBytes() != nil
}

// validityOf returns a's validity as a bitmap starting at bit 0, or nil
// when a has no nulls.
func validityOf(mem memory.Allocator, a arrow.Array) *memory.Buffer {
	if !hasNulls(a) {
		return nil
	}
	n := a.Len()
	out := newBitmap(mem, n)
	bitutil.CopyBitmap(a.NullBitmapBytes(), a.Data().Offset(), n, out.Bytes(), 0)
	return out
}

// andValidity returns the bitmap of rows valid in both a and b (either may
// be nil, meaning no array), or nil when neither has nulls.
func andValidity(mem memory.Allocator, n int, a, b arrow.Array) *memory.Buffer {
	an := a != nil && hasNulls(a)
	bn := b != nil && hasNulls(b)
	switch {
	case an && bn:
		out := newBitmap(mem, n)
		bitutil.BitmapAnd(a.NullBitmapBytes(), b.NullBitmapBytes(), int64(a.Data().Offset()), int64(b.Data().Offset()), out.Bytes(), 0, int64(n))
		return out
	case an:
		return validityOf(mem, a)
	case bn:
		return validityOf(mem, b)
	}
	return nil
}

// andInto clears in dst (a bitmap from bit 0, may be nil: all valid) the
// bits that are clear in src (also from bit 0, nil: all valid) and returns
// the result, allocating dst when it was nil.
func andInto(mem memory.Allocator, n int, dst, src *memory.Buffer) *memory.Buffer {
	if src == nil {
		return dst
	}
	if dst == nil {
		dst = newBitmap(mem, n)
		copy(dst.Bytes(), src.Bytes())
		return dst
	}
	d, s := dst.Bytes(), src.Bytes()
	for i := range d {
		d[i] &= s[i]
	}
	return dst
}

// boolBits returns the value bitmap of a boolean array and its bit offset.
func boolBits(a *array.Boolean) ([]byte, int) {
	return a.Data().Buffers()[1].Bytes(), a.Data().Offset()
}

func b2u(b bool) byte {
	var x byte
	if b {
		x = 1
	}
	return x
}
