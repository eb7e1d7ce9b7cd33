package arrowfile

import (
	"github.com/sluice-ml/sluice/internal/cputime"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
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

// BenchmarkWrite compares arrow-go's IPC file writer with the native
// one on benchBatches: MB/s of uncompressed column data, process CPU time
// per op (GC and arrow-go's encoder goroutines included; less disturbed
// than wall time on a shared machine) and the file size. native-zstd-default is the native writer at zstd's default level,
// to compare with the SpeedFastest level it uses.
func BenchmarkWrite(b *testing.B) {
	schema, batches := benchBatches()
	var raw int64
	for _, rec := range batches {
		for _, c := range rec.Columns() {
			raw += int64(c.Len() * c.DataType().(arrow.FixedWidthDataType).BitWidth() / 8)
		}
	}
	layouts, _ := schemaLayouts(schema)
	newWriter := map[string]func(*countWriter) (Writer, error){
		"arrowgo-zstd": func(w *countWriter) (Writer, error) {
			return newArrowGoFileWriter(w, schema, compressionZstd, memory.DefaultAllocator)
		},
		"native-zstd": func(w *countWriter) (Writer, error) {
			return newIPCFileWriter(w, schema, compressionZstd)
		},
		"native-zstd-default": func(w *countWriter) (Writer, error) {
			return newIPCFileWriterCodec(w, schema, layouts, newZstdCodec(3))
		},
		"native-zstd-2workers": func(w *countWriter) (Writer, error) {
			fw, err := newIPCFileWriter(w, schema, compressionZstd)
			if err == nil {
				err = fw.SetWorkers(2)
			}
			return fw, err
		},
		"arrowgo-lz4": func(w *countWriter) (Writer, error) {
			return newArrowGoFileWriter(w, schema, compressionLZ4, memory.DefaultAllocator)
		},
		"native-lz4": func(w *countWriter) (Writer, error) {
			return newIPCFileWriter(w, schema, compressionLZ4)
		},
	}
	for _, name := range []string{"arrowgo-zstd", "native-zstd", "native-zstd-2workers", "native-zstd-default", "arrowgo-lz4", "native-lz4"} {
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
				for _, rec := range batches {
					if err := w.Write(rec); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
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
