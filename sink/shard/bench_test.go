package shard

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluice-ml/sluice/internal/cputime"
	"github.com/sluice-ml/sluice/sink/arrowfile"
)

// benchBatches is a realistic training shard: 2M rows in 64K-row batches
// of a z-scored float, two integer codes, a 7-way one-hot encoding, a
// year label and increasing ids.
var benchBatches = sync.OnceValues(func() (*arrow.Schema, []arrow.RecordBatch) {
	const rows, batchRows = 2 << 20, 64 << 10
	fields := []arrow.Field{
		{Name: "z", Type: arrow.PrimitiveTypes.Float32},
		{Name: "code", Type: arrow.PrimitiveTypes.Int32},
		{Name: "bucket", Type: arrow.PrimitiveTypes.Int32},
	}
	for i := range 7 {
		fields = append(fields, arrow.Field{Name: "onehot" + string(rune('0'+i)), Type: arrow.PrimitiveTypes.Float32})
	}
	fields = append(fields, arrow.Field{Name: "year", Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int64})
	schema := arrow.NewSchema(fields, nil)
	rng := rand.New(rand.NewPCG(42, 7))
	mem := memory.DefaultAllocator
	var out []arrow.RecordBatch
	for start := 0; start < rows; start += batchRows {
		z := make([]float32, batchRows)
		code := make([]int32, batchRows)
		bucket := make([]int32, batchRows)
		hot := make([][]float32, 7)
		for i := range hot {
			hot[i] = make([]float32, batchRows)
		}
		year := make([]int64, batchRows)
		id := make([]int64, batchRows)
		for i := range batchRows {
			z[i] = float32(rng.NormFloat64())
			code[i] = rng.Int32N(1000)
			bucket[i] = rng.Int32N(1024)
			hot[rng.IntN(7)][i] = 1
			year[i] = 1940 + rng.Int64N(66)
			id[i] = int64(start + i)
		}
		cols := []arrow.Array{floats(mem, z), ints32(mem, code), ints32(mem, bucket)}
		for _, h := range hot {
			cols = append(cols, floats(mem, h))
		}
		cols = append(cols, ints64(mem, year), ints64(mem, id))
		out = append(out, array.NewRecordBatch(schema, cols, batchRows))
	}
	return schema, out
})

func floats(mem memory.Allocator, v []float32) arrow.Array {
	b := array.NewFloat32Builder(mem)
	b.AppendValues(v, nil)
	return b.NewArray()
}

func ints32(mem memory.Allocator, v []int32) arrow.Array {
	b := array.NewInt32Builder(mem)
	b.AppendValues(v, nil)
	return b.NewArray()
}

func ints64(mem memory.Allocator, v []int64) arrow.Array {
	b := array.NewInt64Builder(mem)
	b.AppendValues(v, nil)
	return b.NewArray()
}

// countWriter discards bytes and counts them.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// BenchmarkShardWrite compares the shard formats (the Arrow IPC writer of
// package arrowfile and Parquet with parquetProps: the shard's writer on
// one goroutine, on GOMAXPROCS workers, and arrow-go's) on benchBatches: MB/s of
// uncompressed column data, process CPU time per op (GC and encoder
// goroutines included; less disturbed than wall time on a shared machine)
// and the file size. BenchmarkWrite in sink/arrowfile compares the native
// Arrow IPC writer with arrow-go's.
func BenchmarkShardWrite(b *testing.B) {
	schema, batches := benchBatches()
	var raw int64
	for _, rec := range batches {
		for _, c := range rec.Columns() {
			raw += int64(c.Len() * c.DataType().(arrow.FixedWidthDataType).BitWidth() / 8)
		}
	}
	newWriter := map[string]func(*countWriter) (arrowfile.Writer, error){
		"arrow-zstd": func(w *countWriter) (arrowfile.Writer, error) {
			return arrowfile.NewWriter(w, schema, CompressionZstd, memory.DefaultAllocator)
		},
		"arrow-lz4": func(w *countWriter) (arrowfile.Writer, error) {
			return arrowfile.NewWriter(w, schema, CompressionLZ4, memory.DefaultAllocator)
		},
		"parquet-zstd": func(w *countWriter) (arrowfile.Writer, error) {
			return newBenchParquet(w, schema, CompressionZstd, 1)
		},
		"parquet-lz4": func(w *countWriter) (arrowfile.Writer, error) {
			return newBenchParquet(w, schema, CompressionLZ4, 1)
		},
		"parquet-zstd-workers": func(w *countWriter) (arrowfile.Writer, error) {
			return newBenchParquet(w, schema, CompressionZstd, runtime.GOMAXPROCS(0))
		},
		"parquet-zstd-pqarrow": func(w *countWriter) (arrowfile.Writer, error) {
			mem := memory.DefaultAllocator
			pw, err := pqarrow.NewFileWriter(schema, w, parquetProps(schema, CompressionZstd, mem), parquetArrowProps(mem))
			return pqarrowWriter{pw}, err
		},
	}
	for _, name := range []string{"arrow-zstd", "arrow-lz4", "parquet-zstd", "parquet-lz4", "parquet-zstd-workers", "parquet-zstd-pqarrow"} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(raw)
			b.ReportAllocs()
			var size int64
			cpu0 := cputime.Process()
			for b.Loop() {
				cw := &countWriter{}
				w, err := newWriter[name](cw)
				if err != nil {
					b.Fatal(err)
				}
				writeAll(b, w, batches)
				size = cw.n
			}
			if cpu1 := cputime.Process(); cpu0 >= 0 && cpu1 >= 0 {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
			b.ReportMetric(float64(size)/1e6, "MB-out")
			b.ReportMetric(float64(raw)/float64(size), "ratio")
		})
	}
}

// newBenchParquet is the shard writer's Parquet path (parquetWriter with
// parquetProps) encoding on workers goroutines.
func newBenchParquet(w *countWriter, schema *arrow.Schema, compression string, workers int) (arrowfile.Writer, error) {
	mem := memory.DefaultAllocator
	p, err := newParquetWriter(w, schema, schema, parquetProps(schema, compression, mem), mem)
	if err != nil {
		return nil, err
	}
	return p, p.SetWorkers(workers)
}

// BenchmarkParquetDictColumn writes 2M rows in 64K-row batches of a
// station-name column, dictionary<int32, utf8> over one 900-name
// dictionary shared by every batch (as the shard-write hands them over),
// to a zstd Parquet file with the shard writer's Parquet path: MB/s of
// index data and process CPU time per op.
func BenchmarkParquetDictColumn(b *testing.B) {
	const rows, batchRows, names = 2 << 20, 64 << 10, 900
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{{Name: "station", Type: dictType, Nullable: true}}, nil)
	fschema, err := FileSchema(schema)
	if err != nil {
		b.Fatal(err)
	}
	sb := array.NewStringBuilder(mem)
	for i := range names {
		sb.Append(fmt.Sprintf("Station %d & Avenue %c", i*7919%10007, 'A'+rune(i%26)))
	}
	dict := sb.NewArray()
	sb.Release()
	defer dict.Release()
	rng := rand.New(rand.NewPCG(3, 4))
	var batches []arrow.RecordBatch
	for range rows / batchRows {
		idx := make([]int32, batchRows)
		for i := range idx {
			idx[i] = rng.Int32N(names)
		}
		ia := ints32(mem, idx)
		col := array.NewDictionaryArray(dictType, ia, dict)
		ia.Release()
		batches = append(batches, array.NewRecordBatch(schema, []arrow.Array{col}, batchRows))
		col.Release()
	}
	defer func() {
		for _, rec := range batches {
			rec.Release()
		}
	}()
	b.SetBytes(rows * 4)
	cpu0 := cputime.Process()
	for b.Loop() {
		w, err := newParquetWriter(&countWriter{}, schema, fschema, parquetProps(schema, CompressionZstd, mem), mem)
		if err != nil {
			b.Fatal(err)
		}
		writeAll(b, w, batches)
	}
	if cpu1 := cputime.Process(); cpu0 >= 0 && cpu1 >= 0 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// writeAll writes batches to w and closes it.
func writeAll(b *testing.B, w interface {
	Write(arrow.RecordBatch) error
	Close() error
}, batches []arrow.RecordBatch) {
	b.Helper()
	for _, rec := range batches {
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}
