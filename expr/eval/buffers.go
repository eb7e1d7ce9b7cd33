package eval

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Fixed is the element types of the value buffers this package writes.
type Fixed interface {
	~int32 | ~int64 | ~float64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~int8 | ~int16
}

// NewBuf allocates a zeroed buffer of nbytes from mem. Arrow allocators
// return zeroed memory (Go's, the C allocator's calloc, and the executors'
// budget allocators, which zero the buffers they reuse): clearing it again
// cost a tenth of the expressions' time.
func NewBuf(mem memory.Allocator, nbytes int) *memory.Buffer {
	b := memory.NewResizableBuffer(mem)
	b.Resize(nbytes)
	return b
}

// NewValues allocates a zeroed buffer of n values of type T.
func NewValues[T Fixed](mem memory.Allocator, n int) (*memory.Buffer, []T) {
	var zero T
	b := NewBuf(mem, n*int(unsafe.Sizeof(zero)))
	return b, ViewAs[T](b.Bytes())
}

// ViewAs views bytes as a slice of T; the buffer keeps the memory alive.
func ViewAs[T Fixed](b []byte) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(b) < size {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/size)
}

// NewBitmap allocates a zeroed bitmap of n bits.
func NewBitmap(mem memory.Allocator, n int) *memory.Buffer {
	return NewBuf(mem, int(bitutil.BytesForBits(int64(n))))
}

// MakeArray wraps value buffers into an array of type dt and length n and
// releases the caller's buffer references. valid may be nil (no nulls).
func MakeArray(dt arrow.DataType, n int, valid *memory.Buffer, values ...*memory.Buffer) arrow.Array {
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

// HasNulls reports whether a has a validity bitmap with nulls in it.
func HasNulls(a arrow.Array) bool {
	return a.NullN() > 0 && a.NullBitmapBytes() != nil
}

// ValidityOf returns a's validity as a bitmap starting at bit 0, or nil
// when a has no nulls.
func ValidityOf(mem memory.Allocator, a arrow.Array) *memory.Buffer {
	if !HasNulls(a) {
		return nil
	}
	n := a.Len()
	out := NewBitmap(mem, n)
	bitutil.CopyBitmap(a.NullBitmapBytes(), a.Data().Offset(), n, out.Bytes(), 0)
	return out
}

// AndValidity returns the bitmap of rows valid in both a and b (either may
// be nil, meaning no array), or nil when neither has nulls.
func AndValidity(mem memory.Allocator, n int, a, b arrow.Array) *memory.Buffer {
	an := a != nil && HasNulls(a)
	bn := b != nil && HasNulls(b)
	switch {
	case an && bn:
		out := NewBitmap(mem, n)
		bitutil.BitmapAnd(a.NullBitmapBytes(), b.NullBitmapBytes(), int64(a.Data().Offset()), int64(b.Data().Offset()), out.Bytes(), 0, int64(n))
		return out
	case an:
		return ValidityOf(mem, a)
	case bn:
		return ValidityOf(mem, b)
	}
	return nil
}

// AndInto clears in dst (a bitmap from bit 0, may be nil: all valid) the
// bits that are clear in src (also from bit 0, nil: all valid) and returns
// the result, allocating dst when it was nil.
func AndInto(mem memory.Allocator, n int, dst, src *memory.Buffer) *memory.Buffer {
	if src == nil {
		return dst
	}
	if dst == nil {
		dst = NewBitmap(mem, n)
		copy(dst.Bytes(), src.Bytes())
		return dst
	}
	d, s := dst.Bytes(), src.Bytes()
	for i := range d {
		d[i] &= s[i]
	}
	return dst
}

// BoolBits returns the value bitmap of a boolean array and its bit offset.
func BoolBits(a *array.Boolean) ([]byte, int) {
	return a.Data().Buffers()[1].Bytes(), a.Data().Offset()
}

// B2U is 1 for true and 0 for false.
func B2U(b bool) byte {
	var x byte
	if b {
		x = 1
	}
	return x
}

// ClearTail zeroes the bits of the last byte beyond n.
func ClearTail(b []byte, n int) {
	if n&7 != 0 && len(b) > 0 {
		b[len(b)-1] &= byte(1)<<(n&7) - 1
	}
}

// BytesOf is the bitmap of a validity buffer (nil: no nulls).
func BytesOf(b *memory.Buffer) []byte {
	if b == nil {
		return nil
	}
	return b.Bytes()
}
