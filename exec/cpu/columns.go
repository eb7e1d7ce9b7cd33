package cpu

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// kind is a canonical engine column type.
type kind uint8

const (
	kInvalid kind = iota
	kInt          // int64
	kTime         // timestamp[us]
	kFloat        // float64
	kBool         // bool
	kStr          // dictionary<int32, utf8>
)

// Value kinds, as written in Value.Kind and in error messages.
const (
	KindInt64     = "int64"
	KindTimestamp = "timestamp"
	KindFloat64   = "float64"
	KindBool      = "bool"
	KindString    = "string"
)

const allowedTypes = "int64, float64, bool, timestamp[us] or dictionary<int32, utf8>"

func (k kind) String() string {
	switch k {
	case kInt:
		return KindInt64
	case kTime:
		return KindTimestamp
	case kFloat:
		return KindFloat64
	case kBool:
		return KindBool
	case kStr:
		return KindString
	}
	return "invalid"
}

// kindOf classifies a data type; kInvalid for anything non-canonical.
func kindOf(dt arrow.DataType) kind {
	switch t := dt.(type) {
	case *arrow.Int64Type:
		return kInt
	case *arrow.TimestampType:
		if t.Unit == arrow.Microsecond {
			return kTime
		}
	case *arrow.Float64Type:
		return kFloat
	case *arrow.BooleanType:
		return kBool
	case *arrow.DictionaryType:
		if t.IndexType.ID() == arrow.INT32 && t.ValueType.ID() == arrow.STRING {
			return kStr
		}
	}
	return kInvalid
}

// typeName names a data type for error messages, using the engine's words.
func typeName(dt arrow.DataType) string {
	if k := kindOf(dt); k != kInvalid {
		return k.String()
	}
	return dt.String()
}

// columnKind returns the kind of col or an error naming the unsupported type.
func columnKind(what string, col arrow.Array) (kind, error) {
	k := kindOf(col.DataType())
	if k == kInvalid {
		return k, fmt.Errorf("%s: unsupported column type %s (allowed: %s)", what, col.DataType(), allowedTypes)
	}
	return k, nil
}

// checkSel verifies that sel is ascending and inside [0, n).
func checkSel(sel []int32, n int) error {
	if len(sel) == 0 {
		return nil
	}
	if sel[0] < 0 || int(sel[len(sel)-1]) >= n {
		return fmt.Errorf("selection vector out of range: rows %d..%d for an array of %d rows", sel[0], sel[len(sel)-1], n)
	}
	return nil
}

// rowsOf returns the rows of col to visit: dense is true when every row is
// used and valid (no selection, no nulls); otherwise idx lists the selected
// non-null rows (reusing buf) and nulls counts the selected null rows.
func rowsOf(col arrow.Array, sel []int32, buf []int32) (idx []int32, dense bool, nulls int64) {
	n := col.Len()
	if sel == nil && col.NullN() == 0 {
		return buf[:0], true, 0
	}
	idx = buf[:0]
	if col.NullN() == 0 {
		return append(idx, sel...), false, 0
	}
	bm := col.NullBitmapBytes()
	off := col.Data().Offset()
	if sel == nil {
		idx = appendSetBits(idx, bm, off, n)
		return idx, false, int64(n - len(idx))
	}
	for _, i := range sel {
		if bitutil.BitIsSet(bm, off+int(i)) {
			idx = append(idx, i)
		}
	}
	return idx, false, int64(len(sel) - len(idx))
}

// appendSetBits appends to dst each i in [0, n) whose bit off+i is set in
// the LSB-first bitmap bm, a 64-bit word at a time (all-set words append a
// run, others walk their set bits).
func appendSetBits(dst []int32, bm []byte, off, n int) []int32 {
	base := len(dst)
	dst = slices.Grow(dst, n)[:base+n]
	k := base
	i := 0
	for ; i < n && (off+i)&7 != 0; i++ {
		if bm[(off+i)>>3]>>uint((off+i)&7)&1 != 0 {
			dst[k] = int32(i)
			k++
		}
	}
	for ; i+64 <= n; i += 64 {
		w := binary.LittleEndian.Uint64(bm[(off+i)>>3:])
		if w == ^uint64(0) {
			run := dst[k : k+64]
			for j := range run {
				run[j] = int32(i + j)
			}
			k += 64
			continue
		}
		for ; w != 0; w &= w - 1 {
			dst[k] = int32(i + bits.TrailingZeros64(w))
			k++
		}
	}
	for ; i < n; i++ {
		if bm[(off+i)>>3]>>uint((off+i)&7)&1 != 0 {
			dst[k] = int32(i)
			k++
		}
	}
	return dst[:k]
}

// boolBytes unpacks a boolean array's values into 0/1 bytes (nulls read as
// whatever bit the value buffer holds).
func boolBytes(a *array.Boolean, buf []byte) []byte {
	n := a.Len()
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if n == 0 {
		return buf
	}
	bits := a.Data().Buffers()[1].Bytes()
	off := a.Data().Offset()
	for i := range buf {
		buf[i] = (bits[(off+i)>>3] >> uint((off+i)&7)) & 1
	}
	return buf
}

// dictParts returns a dictionary array's indices and its string values.
func dictParts(col arrow.Array) ([]int32, *array.String) {
	d := col.(*array.Dictionary)
	return d.Indices().(*array.Int32).Int32Values(), d.Dictionary().(*array.String)
}

// int64Values returns the int64 view of an int64 or timestamp array.
func int64Values(col arrow.Array) []int64 {
	switch a := col.(type) {
	case *array.Int64:
		return a.Int64Values()
	case *array.Timestamp:
		v := a.TimestampValues()
		return unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(v))), len(v))
	}
	return nil
}

// isValid reports whether row i of col is non-null.
func isValid(col arrow.Array, i int) bool {
	if col.NullN() == 0 {
		return true
	}
	return bitutil.BitIsSet(col.NullBitmapBytes(), col.Data().Offset()+i)
}

// outBuf is a fixed-width output column under construction: values are
// written straight into allocator memory, validity only when needed.
type outBuf struct {
	dt     arrow.DataType
	n      int
	values *memory.Buffer
	valid  *memory.Buffer
	nulls  int
}

func newOutBuf(mem memory.Allocator, dt arrow.DataType, n int, byteWidth int) *outBuf {
	b := &outBuf{dt: dt, n: n, values: memory.NewResizableBuffer(mem)}
	b.values.Resize(n * byteWidth)
	return b
}

func (b *outBuf) float32s() []float32 { return arrow.Float32Traits.CastFromBytes(b.values.Bytes()) }
func (b *outBuf) int32s() []int32     { return arrow.Int32Traits.CastFromBytes(b.values.Bytes()) }
func (b *outBuf) int64s() []int64     { return arrow.Int64Traits.CastFromBytes(b.values.Bytes()) }
func (b *outBuf) float64s() []float64 { return arrow.Float64Traits.CastFromBytes(b.values.Bytes()) }

// setValidity installs a validity bitmap copied from src (a column of the
// same length) unless src has no nulls.
func (b *outBuf) copyValidity(mem memory.Allocator, src arrow.Array) {
	if src.NullN() == 0 {
		return
	}
	b.valid = memory.NewResizableBuffer(mem)
	b.valid.Resize(int(bitutil.BytesForBits(int64(b.n))))
	bitutil.CopyBitmap(src.NullBitmapBytes(), src.Data().Offset(), b.n, b.valid.Bytes(), 0)
	b.nulls = src.NullN()
}

// validityFrom installs a validity bitmap from a []bool (true = valid).
func (b *outBuf) validityFrom(mem memory.Allocator, valid []bool) {
	nulls := 0
	for _, v := range valid {
		if !v {
			nulls++
		}
	}
	if nulls == 0 {
		return
	}
	b.valid = memory.NewResizableBuffer(mem)
	b.valid.Resize(int(bitutil.BytesForBits(int64(b.n))))
	bm := b.valid.Bytes()
	for i := range bm {
		bm[i] = 0
	}
	for i, v := range valid {
		if v {
			bitutil.SetBit(bm, i)
		}
	}
	b.nulls = nulls
}

// finish builds the array (+1) and drops the builder's buffer references.
func (b *outBuf) finish() arrow.Array {
	data := array.NewData(b.dt, b.n, []*memory.Buffer{b.valid, b.values}, nil, b.nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	b.values.Release()
	if b.valid != nil {
		b.valid.Release()
	}
	return arr
}

// releaseAll releases every non-nil array.
func releaseAll(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}
