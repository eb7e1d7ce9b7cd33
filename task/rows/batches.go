package rows

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Internal columns carried from the scan to the shard writer.
const (
	ColRowID = "__rowid" // fileIndex<<40 | row in file: unique, the tie-break of every order
	ColKey   = "__key"   // hash of the row key (split.key value or (file, row))
	ColH2    = "__h2"    // shard-order hash, added by the transform stage
)

// AppendColumns returns b with cols appended under names (+1). It takes over
// the caller's reference to each col.
func AppendColumns(b arrow.RecordBatch, mem memory.Allocator, names []string, cols ...arrow.Array) (arrow.RecordBatch, error) {
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	if len(names) != len(cols) {
		return nil, fmt.Errorf("AppendColumns: %d names for %d columns", len(names), len(cols))
	}
	fields := append([]arrow.Field(nil), b.Schema().Fields()...)
	arrs := append([]arrow.Array(nil), b.Columns()...)
	for i, c := range cols {
		if int64(c.Len()) != b.NumRows() {
			return nil, fmt.Errorf("column %s has %d rows, batch %d", names[i], c.Len(), b.NumRows())
		}
		fields = append(fields, arrow.Field{Name: names[i], Type: c.DataType(), Nullable: true})
		arrs = append(arrs, c)
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, b.NumRows()), nil
}

// Project returns the columns of b named by schema, in its order (+1).
func Project(b arrow.RecordBatch, schema *arrow.Schema) (arrow.RecordBatch, error) {
	arrs := make([]arrow.Array, schema.NumFields())
	for i, f := range schema.Fields() {
		idx := b.Schema().FieldIndices(f.Name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("internal: column %q missing from batch (have %v)", f.Name, b.Schema())
		}
		arrs[i] = b.Column(idx[0])
	}
	return array.NewRecordBatch(schema, arrs, b.NumRows()), nil
}

// ProjectSchema keeps the named fields of s, in the order of names.
func ProjectSchema(s *arrow.Schema, names []string) (*arrow.Schema, error) {
	fields := make([]arrow.Field, 0, len(names))
	for _, n := range names {
		idx := s.FieldIndices(n)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no column %q", n)
		}
		fields = append(fields, s.Field(idx[0]))
	}
	return arrow.NewSchema(fields, nil), nil
}

// Int64Array copies v into an int64 column without nulls.
func Int64Array(mem memory.Allocator, v []int64) arrow.Array {
	return int64Array(mem, v)
}

// Uint64Array stores hashes in an int64 column (same bits).
func Uint64Array(mem memory.Allocator, v []uint64) arrow.Array {
	return int64Array(mem, v)
}

// int64Array copies v's bits into a new int64 column without nulls (and
// without a validity bitmap): one copy, where a builder set a validity
// bit and appended per value.
func int64Array[T int64 | uint64](mem memory.Allocator, v []T) arrow.Array {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(len(v) * 8)
	copy(arrow.Uint64Traits.CastFromBytes(buf.Bytes()), unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(v))), len(v)))
	data := array.NewData(arrow.PrimitiveTypes.Int64, len(v), []*memory.Buffer{nil, buf}, nil, 0, 0)
	buf.Release()
	defer data.Release()
	return array.NewInt64Data(data)
}

// int64Col returns the values of an internal int64 column as uint64 bits.
func Uint64Col(b arrow.RecordBatch, name string, out []uint64) ([]uint64, error) {
	idx := b.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("internal: no column %s", name)
	}
	vals := b.Column(idx[0]).(*array.Int64).Int64Values()
	out = Resize(out, len(vals))
	for i, v := range vals {
		out[i] = uint64(v)
	}
	return out, nil
}
