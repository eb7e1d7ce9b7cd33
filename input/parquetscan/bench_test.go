package parquetscan

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
)

// BenchmarkReadLargeStrings reads two large string columns of 300
// distinct airport codes (as Polars writes them) and an int64 column:
// 512K rows in row groups of 128K, zstd.
func BenchmarkReadLargeStrings(b *testing.B) {
	const rows = 512 << 10
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "origin", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "destination", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "delay", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	mem := memory.DefaultAllocator
	ob, db, nb := array.NewLargeStringBuilder(mem), array.NewLargeStringBuilder(mem), array.NewInt64Builder(mem)
	for i := 0; i < rows; i++ {
		ob.Append(fmt.Sprintf("A%03d", (i*7919)%300))
		db.Append(fmt.Sprintf("B%03d", (i*104729)%300))
		nb.Append(int64(i % 97))
	}
	cols := []arrow.Array{ob.NewArray(), db.NewArray(), nb.NewArray()}
	ob.Release()
	db.Release()
	nb.Release()
	rec := array.NewRecordBatch(schema, cols, rows)
	defer rec.Release()
	for _, c := range cols {
		c.Release()
	}
	path := filepath.Join(b.TempDir(), "flights.parquet")
	writeStored(b, path, schema, rec, parquet.WithMaxRowGroupLength(128<<10), parquet.WithCompression(compress.Codecs.Zstd))
	cs, _, groups, err := Describe(path)
	if err != nil {
		b.Fatal(err)
	}
	rgs := make([]int, len(groups))
	for i := range rgs {
		rgs[i] = i
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := NewReader(context.Background(), path, cs, []int{0, 1, 2}, rgs, nil, 65536, mem)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			batch, _, err := r.Next()
			if err != nil {
				b.Fatal(err)
			}
			if batch == nil {
				break
			}
			n += int(batch.NumRows())
		}
		r.Close()
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
}
