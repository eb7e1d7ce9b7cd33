package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// eachParquetBatch calls fn with every record batch of a Parquet file.
func eachParquetBatch(path string, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f, file.WithReadProps(parquet.NewReaderProperties(mem)))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 << 10}, mem)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer rr.Release()
	for rr.Next() {
		if err := fn(rr.RecordBatch()); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil && err != io.EOF {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// eachBatch calls fn with every record batch of an Arrow IPC file.
func eachBatch(path string, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer r.Close()
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.RecordBatch(i)
		if err != nil {
			return fmt.Errorf("%s: batch %d: %w", path, i, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// countStrings adds each value of a string (or dictionary of strings)
// column to counts; a null counts under "<null>" as the peers write it.
func countStrings(col arrow.Array, counts map[string]int64) error {
	switch c := col.(type) {
	case *array.String:
		for i := 0; i < c.Len(); i++ {
			counts[strKey(c.IsNull(i), c.Value(i))]++
		}
	case *array.LargeString:
		for i := 0; i < c.Len(); i++ {
			counts[strKey(c.IsNull(i), c.Value(i))]++
		}
	case *array.Dictionary:
		dict, ok := c.Dictionary().(*array.String)
		if !ok {
			return fmt.Errorf("bench_group: dictionary of %s, want strings", c.Dictionary().DataType())
		}
		// Count per index first: one map access per distinct value.
		per := make([]int64, dict.Len())
		nulls := int64(0)
		for i := 0; i < c.Len(); i++ {
			if c.IsNull(i) {
				nulls++
				continue
			}
			per[c.GetValueIndex(i)]++
		}
		for k, n := range per {
			if n > 0 {
				counts[strKey(dict.IsNull(k), dict.Value(k))] += n
			}
		}
		if nulls > 0 {
			counts["<null>"] += nulls
		}
	default:
		return fmt.Errorf("bench_group: type %s, want a string column", col.DataType())
	}
	return nil
}

func strKey(null bool, s string) string {
	if null {
		return "<null>"
	}
	return s
}

// aggRows adds the rows of one aggregate table batch: the group key from
// the by columns (joined by "|"), every other column as a float64.
func aggRows(rec arrow.RecordBatch, by []string, table map[string]map[string]*float64) error {
	isKey := map[string]bool{}
	for _, b := range by {
		isKey[b] = true
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		k := ""
		vals := map[string]*float64{}
		for c := 0; c < int(rec.NumCols()); c++ {
			name := rec.ColumnName(c)
			col := rec.Column(c)
			if isKey[name] {
				if k != "" {
					k += "|"
				}
				k += valueKey(col, i)
				continue
			}
			v, err := valueFloat(col, i)
			if err != nil {
				return fmt.Errorf("column %s: %w", name, err)
			}
			vals[name] = v
		}
		table[k] = vals
	}
	return nil
}

func valueKey(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return "<null>"
	}
	switch c := col.(type) {
	case *array.Int64:
		return strconv.FormatInt(c.Value(i), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(c.Value(i)), 10)
	case *array.String:
		return c.Value(i)
	case *array.Dictionary:
		if d, ok := c.Dictionary().(*array.String); ok {
			return d.Value(c.GetValueIndex(i))
		}
	}
	return col.ValueStr(i)
}

func valueFloat(col arrow.Array, i int) (*float64, error) {
	if col.IsNull(i) {
		return nil, nil
	}
	var v float64
	switch c := col.(type) {
	case *array.Int64:
		v = float64(c.Value(i))
	case *array.Int32:
		v = float64(c.Value(i))
	case *array.Uint64:
		v = float64(c.Value(i))
	case *array.Float64:
		v = c.Value(i)
	case *array.Float32:
		v = float64(c.Value(i))
	default:
		return nil, fmt.Errorf("type %s is not numeric", col.DataType())
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, nil
	}
	return &v, nil
}
