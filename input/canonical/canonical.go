package canonical

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DictString is the canonical string type: dictionary<int32, utf8>.
var DictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// allowedTypes is the list of input types named in type errors.
const allowedTypes = "int8..int64, uint8..uint64, float32, float64, bool, timestamp, date32, date64, utf8, large_utf8, dictionary of strings"

// Type returns the engine type a column of type dt is read as,
// and false when dt is not allowed in an input.
func Type(dt arrow.DataType) (arrow.DataType, bool) {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return arrow.PrimitiveTypes.Int64, true
	case arrow.FLOAT32, arrow.FLOAT64:
		return arrow.PrimitiveTypes.Float64, true
	case arrow.BOOL:
		return arrow.FixedWidthTypes.Boolean, true
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64:
		return arrow.FixedWidthTypes.Timestamp_us, true
	case arrow.STRING, arrow.LARGE_STRING:
		return DictString, true
	case arrow.DICTIONARY:
		dt := dt.(*arrow.DictionaryType)
		if !arrow.IsInteger(dt.IndexType.ID()) {
			return nil, false
		}
		switch dt.ValueType.ID() {
		case arrow.STRING, arrow.LARGE_STRING:
			return DictString, true
		}
	}
	return nil, false
}

// Schema converts a file's schema to canonical types; path names
// the file in errors.
func Schema(path string, s *arrow.Schema) (*arrow.Schema, error) {
	fields := make([]arrow.Field, s.NumFields())
	for i, f := range s.Fields() {
		ct, ok := Type(f.Type)
		if !ok {
			return nil, TypeError(path, f.Name, f.Type)
		}
		fields[i] = arrow.Field{Name: f.Name, Type: ct, Nullable: true}
	}
	return arrow.NewSchema(fields, nil), nil
}

// TypeError is the error for column col of type dt in the file path: the
// type is not allowed in an input; the error lists the allowed types.
func TypeError(path, col string, dt arrow.DataType) error {
	return fmt.Errorf("%s: column %q: type %s is not supported (allowed: %s)", path, col, dt, allowedTypes)
}

// SameSchema checks that a file's canonical schema equals the dataset's;
// the error names both files and the first differing column.
func SameSchema(firstPath string, first *arrow.Schema, path string, s *arrow.Schema) error {
	for i, f := range first.Fields() {
		j := s.FieldIndices(f.Name)
		if len(j) == 0 {
			return fmt.Errorf("input: schema mismatch: column %q is in %s but not in %s", f.Name, firstPath, path)
		}
		g := s.Field(j[0])
		if !arrow.TypeEqual(f.Type, g.Type) {
			return fmt.Errorf("input: schema mismatch: column %q is %s in %s but %s in %s", f.Name, f.Type, firstPath, g.Type, path)
		}
		if j[0] != i {
			return fmt.Errorf("input: schema mismatch: column %q is column %d in %s but column %d in %s", f.Name, i+1, firstPath, j[0]+1, path)
		}
	}
	for _, g := range s.Fields() {
		if len(first.FieldIndices(g.Name)) == 0 {
			return fmt.Errorf("input: schema mismatch: column %q is in %s but not in %s", g.Name, path, firstPath)
		}
	}
	return nil
}

// Batch converts the columns of rec (file column indices fileCols)
// to canonical types under schema out. The result is +1. Errors name the
// column; callers prefix the file and the place in it.
func Batch(rec arrow.RecordBatch, fileCols []int, out *arrow.Schema, mem memory.Allocator) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, len(fileCols))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, fc := range fileCols {
		c, err := convertColumn(rec.Column(fc), mem)
		if err != nil {
			return nil, fmt.Errorf("column %q: %v", out.Field(i).Name, err)
		}
		if !arrow.TypeEqual(c.DataType(), out.Field(i).Type) {
			c.Release()
			return nil, fmt.Errorf("column %q: read as %s, but the dataset schema says %s (file changed since Open?)", out.Field(i).Name, c.DataType(), out.Field(i).Type)
		}
		cols[i] = c
	}
	return array.NewRecordBatch(out, cols, rec.NumRows()), nil
}

// convertColumn returns arr in its canonical type (+1). A column already in
// canonical type is shared, not copied.
func convertColumn(arr arrow.Array, mem memory.Allocator) (arrow.Array, error) {
	switch a := arr.(type) {
	case *array.Int64:
		return retained(arr), nil
	case *array.Float64:
		return retained(arr), nil
	case *array.Boolean:
		return retained(arr), nil
	case *array.Int8:
		return widenInts(arr, a.Int8Values(), mem), nil
	case *array.Int16:
		return widenInts(arr, a.Int16Values(), mem), nil
	case *array.Int32:
		return widenInts(arr, a.Int32Values(), mem), nil
	case *array.Uint8:
		return widenInts(arr, a.Uint8Values(), mem), nil
	case *array.Uint16:
		return widenInts(arr, a.Uint16Values(), mem), nil
	case *array.Uint32:
		return widenInts(arr, a.Uint32Values(), mem), nil
	case *array.Uint64:
		return uint64ToInt64(a, mem)
	case *array.Float32:
		return float32To64(a, mem), nil
	case *array.Timestamp:
		unit := arr.DataType().(*arrow.TimestampType).Unit
		switch unit {
		case arrow.Second:
			return scaleInt64(arr, a.TimestampValues(), 1_000_000, 1, mem), nil
		case arrow.Millisecond:
			return scaleInt64(arr, a.TimestampValues(), 1000, 1, mem), nil
		case arrow.Nanosecond:
			return scaleInt64(arr, a.TimestampValues(), 1, 1000, mem), nil
		}
		return relabel(arr, arrow.FixedWidthTypes.Timestamp_us), nil
	case *array.Date32:
		return scaleInt64(arr, a.Date32Values(), 86_400_000_000, 1, mem), nil
	case *array.Date64:
		return scaleInt64(arr, a.Date64Values(), 1000, 1, mem), nil
	case *array.String:
		return encodeStrings(arr, a.ValueOffsets(), a.ValueBytes(), mem)
	case *array.LargeString:
		return encodeStrings(arr, a.ValueOffsets(), a.ValueBytes(), mem)
	case *array.Dictionary:
		return canonicalDict(a, mem)
	}
	return nil, fmt.Errorf("type %s is not supported (allowed: %s)", arr.DataType(), allowedTypes)
}

func retained(a arrow.Array) arrow.Array {
	a.Retain()
	return a
}

// relabel shares arr's buffers under another type of the same layout.
func relabel(arr arrow.Array, dt arrow.DataType) arrow.Array {
	d := arr.Data()
	nd := array.NewData(dt, d.Len(), d.Buffers(), d.Children(), d.NullN(), d.Offset())
	defer nd.Release()
	return array.MakeFromData(nd)
}

// Project returns the schema of the columns cols (indices into s, in that
// order) of s.
func Project(s *arrow.Schema, cols []int) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = s.Field(c)
	}
	return arrow.NewSchema(fields, nil)
}
