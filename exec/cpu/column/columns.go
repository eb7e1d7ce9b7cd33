package column

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

// Type is a canonical engine column type.
type Type uint8

const (
	TInvalid Type = iota
	TInt          // int64
	TTime         // timestamp[us]
	TFloat        // float64
	TBool         // bool
	TStr          // dictionary<int32, utf8>
)

// Value kinds, as written in Value.Kind and in error messages.
const (
	KindInt64     = "int64"
	KindTimestamp = "timestamp"
	KindFloat64   = "float64"
	KindBool      = "bool"
	KindString    = "string"
)

const AllowedTypes = "int64, float64, bool, timestamp[us] or dictionary<int32, utf8>"

func (k Type) String() string {
	switch k {
	case TInt:
		return KindInt64
	case TTime:
		return KindTimestamp
	case TFloat:
		return KindFloat64
	case TBool:
		return KindBool
	case TStr:
		return KindString
	}
	return "invalid"
}

// TypeOf classifies a data type; TInvalid for anything non-canonical.
func TypeOf(dt arrow.DataType) Type {
	switch t := dt.(type) {
	case *arrow.Int64Type:
		return TInt
	case *arrow.TimestampType:
		if t.Unit == arrow.Microsecond {
			return TTime
		}
	case *arrow.Float64Type:
		return TFloat
	case *arrow.BooleanType:
		return TBool
	case *arrow.DictionaryType:
		if t.IndexType.ID() == arrow.INT32 && t.ValueType.ID() == arrow.STRING {
			return TStr
		}
	}
	return TInvalid
}

// TypeName names a data type for error messages, using the engine's words.
func TypeName(dt arrow.DataType) string {
	if k := TypeOf(dt); k != TInvalid {
		return k.String()
	}
	return dt.String()
}

// ColumnType returns the type of col or an error naming the unsupported type.
func ColumnType(what string, col arrow.Array) (Type, error) {
	k := TypeOf(col.DataType())
	if k == TInvalid {
		return k, fmt.Errorf("%s: unsupported column type %s (allowed: %s)", what, col.DataType(), AllowedTypes)
	}
	return k, nil
}

// CheckSel verifies that sel is ascending and inside [0, n).
func CheckSel(sel []int32, n int) error {
	if len(sel) == 0 {
		return nil
	}
	if sel[0] < 0 || int(sel[len(sel)-1]) >= n {
		return fmt.Errorf("selection vector out of range: rows %d..%d for an array of %d rows", sel[0], sel[len(sel)-1], n)
	}
	return nil
}

// RowsOf returns the rows of col to visit: dense is true when every row is
// used and valid (no selection, no nulls); otherwise idx lists the selected
// non-null rows (reusing buf) and nulls counts the selected null rows.
func RowsOf(col arrow.Array, sel []int32, buf []int32) (idx []int32, dense bool, nulls int64) {
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
		idx = AppendSetBits(idx, bm, off, n)
		return idx, false, int64(n - len(idx))
	}
	for _, i := range sel {
		if bitutil.BitIsSet(bm, off+int(i)) {
			idx = append(idx, i)
		}
	}
	return idx, false, int64(len(sel) - len(idx))
}

// AppendSetBits appends to dst each i in [0, n) whose bit off+i is set in
// the LSB-first bitmap bm, a 64-bit word at a time (all-set words append a
// run, others walk their set bits).
func AppendSetBits(dst []int32, bm []byte, off, n int) []int32 {
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

// BoolBytes unpacks a boolean array's values into 0/1 bytes (nulls read as
// whatever bit the value buffer holds).
func BoolBytes(a *array.Boolean, buf []byte) []byte {
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

// DictParts returns a dictionary array's indices and its string values.
func DictParts(col arrow.Array) ([]int32, *array.String) {
	d := col.(*array.Dictionary)
	return d.Indices().(*array.Int32).Int32Values(), d.Dictionary().(*array.String)
}

// Int64Values returns the int64 view of an int64 or timestamp array.
func Int64Values(col arrow.Array) []int64 {
	switch a := col.(type) {
	case *array.Int64:
		return a.Int64Values()
	case *array.Timestamp:
		v := a.TimestampValues()
		return unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(v))), len(v))
	}
	return nil
}

// IsValid reports whether row i of col is non-null.
func IsValid(col arrow.Array, i int) bool {
	if col.NullN() == 0 {
		return true
	}
	return bitutil.BitIsSet(col.NullBitmapBytes(), col.Data().Offset()+i)
}

// OutBuf is a fixed-width output column under construction: values are
// written straight into allocator memory, validity only when needed.
type OutBuf struct {
	dt     arrow.DataType
	n      int
	values *memory.Buffer
	valid  *memory.Buffer
	nulls  int
}

func NewOutBuf(mem memory.Allocator, dt arrow.DataType, n int, byteWidth int) *OutBuf {
	b := &OutBuf{dt: dt, n: n, values: memory.NewResizableBuffer(mem)}
	b.values.Resize(n * byteWidth)
	return b
}

func (b *OutBuf) Float32s() []float32 { return arrow.Float32Traits.CastFromBytes(b.values.Bytes()) }
func (b *OutBuf) Int32s() []int32     { return arrow.Int32Traits.CastFromBytes(b.values.Bytes()) }
func (b *OutBuf) Int64s() []int64     { return arrow.Int64Traits.CastFromBytes(b.values.Bytes()) }
func (b *OutBuf) Float64s() []float64 { return arrow.Float64Traits.CastFromBytes(b.values.Bytes()) }

// setValidity installs a validity bitmap copied from src (a column of the
// same length) unless src has no nulls.
func (b *OutBuf) CopyValidity(mem memory.Allocator, src arrow.Array) {
	if src.NullN() == 0 {
		return
	}
	b.valid = memory.NewResizableBuffer(mem)
	b.valid.Resize(int(bitutil.BytesForBits(int64(b.n))))
	bitutil.CopyBitmap(src.NullBitmapBytes(), src.Data().Offset(), b.n, b.valid.Bytes(), 0)
	b.nulls = src.NullN()
}

// ValidityFrom installs a validity bitmap from a []bool (true = valid).
func (b *OutBuf) ValidityFrom(mem memory.Allocator, valid []bool) {
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

// Finish builds the array (+1) and drops the builder's buffer references.
func (b *OutBuf) Finish() arrow.Array {
	data := array.NewData(b.dt, b.n, []*memory.Buffer{b.valid, b.values}, nil, b.nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	b.values.Release()
	if b.valid != nil {
		b.valid.Release()
	}
	return arr
}

// ReleaseAll releases every non-nil array.
func ReleaseAll(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

// GatherValidity sets b's validity to col's bits gathered through perm
// (out row i is col row perm[i]).
func (b *OutBuf) GatherValidity(mem memory.Allocator, col arrow.Array, perm []int32) {
	if col.NullN() == 0 {
		return
	}
	b.valid = memory.NewResizableBuffer(mem)
	b.valid.Resize(int(bitutil.BytesForBits(int64(len(perm)))))
	bm := b.valid.Bytes()
	clear(bm)
	src := col.NullBitmapBytes()
	off := col.Data().Offset()
	nulls := 0
	for i, p := range perm {
		if bitutil.BitIsSet(src, off+int(p)) {
			bitutil.SetBit(bm, i)
		} else {
			nulls++
		}
	}
	b.nulls = nulls
}

// NewBatch wraps cols (borrowed; the batch takes its own references).
func NewBatch(schema *arrow.Schema, cols []arrow.Array, n int64) (arrow.RecordBatch, error) {
	for i, c := range cols {
		if int64(c.Len()) != n {
			return nil, fmt.Errorf("column %q has %d rows, want %d", schema.Field(i).Name, c.Len(), n)
		}
	}
	return array.NewRecordBatch(schema, cols, n), nil
}

// NewBoolBuf returns a buffer of n bit-packed bool values, all false.
func NewBoolBuf(mem memory.Allocator, dt arrow.DataType, n int) *OutBuf {
	b := NewOutBuf(mem, dt, 0, 0)
	b.n = n
	b.values.Resize(int(bitutil.BytesForBits(int64(n))))
	clear(b.values.Bytes())
	return b
}

// Bits returns the bit-packed values of a NewBoolBuf buffer.
func (b *OutBuf) Bits() []byte { return b.values.Bytes() }
