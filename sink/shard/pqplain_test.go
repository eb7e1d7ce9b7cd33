package shard

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// plainTypes are the column types plainColumn writes.
var plainTypes = []arrow.DataType{arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
	arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64}

// plainValue draws a value for a fixed-width column: ordinary ones, and
// often the values statistics treat specially (NaN, both zeros, both
// infinities, the integer extremes).
func plainValue(rng *rand.Rand, b array.Builder) {
	special := rng.IntN(6) == 0
	switch b := b.(type) {
	case *array.Int32Builder:
		v := int32(rng.Int64N(2000)-1000) * 1e5
		if special {
			v = []int32{math.MinInt32, math.MaxInt32, 0, -1}[rng.IntN(4)]
		}
		b.Append(v)
	case *array.Int64Builder:
		v := (rng.Int64N(2000) - 1000) * 1e12
		if special {
			v = []int64{math.MinInt64, math.MaxInt64, 0, -1}[rng.IntN(4)]
		}
		b.Append(v)
	case *array.Float32Builder:
		v := float32(rng.NormFloat64())
		if special {
			v = []float32{float32(math.NaN()), 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1))}[rng.IntN(5)]
		}
		b.Append(v)
	case *array.Float64Builder:
		v := rng.NormFloat64()
		if special {
			v = []float64{math.NaN(), 0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1)}[rng.IntN(5)]
		}
		b.Append(v)
	}
}

// plainColumnOf builds n values of dt whose nulls come in runs: none,
// all, scattered, or alternating runs of random lengths (short ones make
// literal level runs, runs of at most 3 literal runs longer than their
// 63-group limit, long ones repeated runs). A column of one kind of
// value (all NaN, all zero) is drawn sometimes.
func plainColumnOf(mem memory.Allocator, rng *rand.Rand, dt arrow.DataType, n int, nullable bool) arrow.Array {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	mode := rng.IntN(6)
	if !nullable {
		mode = 0
	}
	same := rng.IntN(8) == 0
	var first arrow.Array
	if same {
		fb := array.NewBuilder(mem, dt)
		plainValue(rng, fb)
		first = fb.NewArray()
		fb.Release()
		defer first.Release()
	}
	null, left := false, 0
	for range n {
		switch mode {
		case 1:
			null = true
		case 2:
			null = rng.IntN(10) == 0
		case 3, 4, 5:
			if left == 0 {
				null = !null
				left = 1 + rng.IntN([]int{12, 3000, 3}[mode-3])
			}
			left--
		}
		if null {
			b.AppendNull()
			continue
		}
		if same {
			if err := b.AppendValueFromString(first.ValueStr(0)); err != nil {
				panic(err)
			}
			continue
		}
		plainValue(rng, b)
	}
	return b.NewArray()
}

// plainProps are writer properties for the plain-column tests: small
// pages (or the default), batch sizes that do and do not divide the
// batches, statistics on or off.
func plainProps(rng *rand.Rand, schema *arrow.Schema, mem memory.Allocator) *parquet.WriterProperties {
	codec := []compress.Compression{compress.Codecs.Zstd, compress.Codecs.Snappy, compress.Codecs.Uncompressed}[rng.IntN(3)]
	opts := []parquet.WriterProperty{
		parquet.WithAllocator(mem), parquet.WithCompression(codec), parquet.WithCompressionLevel(ParquetZstdLevel),
		parquet.WithStats(rng.IntN(4) != 0), parquet.WithMaxRowGroupLength([]int64{700, 5000, 1 << 20}[rng.IntN(3)]),
		parquet.WithDictionaryDefault(false), parquet.WithDictionaryPageSizeLimit(parquetDictLimit),
		parquet.WithDataPageSize([]int64{1 << 10, 4 << 10, 1 << 20}[rng.IntN(3)]),
		parquet.WithBatchSize([]int64{1024, 100, 7}[rng.IntN(3)]),
	}
	return parquet.NewWriterProperties(append(opts, dictionaryProps(schema)...)...)
}

// Files of int32, int64, float32 and float64 columns, required and
// optional, written by plainColumn are byte-identical to arrow-go's
// writer's: with NaN, signed zeros, infinities and integer extremes in
// the statistics, nulls in runs of every length (the definition levels'
// literal and repeated runs), pages cut inside and across batches (1 KiB,
// 4 KiB and 1 MiB pages; write batches of 1024, 100 and 7 levels), row
// groups cut inside batches, statistics on and off, each codec. Every
// such column is written by plainColumn, and the files read back to the
// batches.
func TestPlainColumnsSameBytesAsPqarrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(21, 22))
	plainCols := 0
	for iter := range 60 {
		fields := make([]arrow.Field, 1+rng.IntN(5))
		for i := range fields {
			fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: plainTypes[rng.IntN(len(plainTypes))], Nullable: rng.IntN(3) != 0}
		}
		schema := arrow.NewSchema(fields, nil)
		var batches []arrow.RecordBatch
		for range 1 + rng.IntN(4) {
			n := []int{0, 1, 7, 1000, 6000, 40000}[rng.IntN(6)]
			cols := make([]arrow.Array, len(fields))
			for i, f := range fields {
				full := plainColumnOf(mem, rng, f.Type, n+8, f.Nullable)
				cols[i] = array.NewSlice(full, 3, int64(n+3))
				full.Release()
			}
			batches = append(batches, array.NewRecordBatch(schema, cols, int64(n)))
			for _, c := range cols {
				c.Release()
			}
		}
		props := plainProps(rng, schema, mem)
		want := pqarrowBytes(t, mem, schema, props, batches)
		w, err := newParquetWriter(io.Discard, schema, schema, props, mem)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range w.cols {
			if c.plain == nil {
				t.Fatalf("iter %d: a %s column is not written by plainColumn", iter, schema)
			}
			plainCols++
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{1, 3} {
			got := parquetWriterBytes(t, mem, schema, schema, props, workers, batches)
			if !bytes.Equal(got, want) {
				t.Fatalf("iter %d, %d workers, schema %s, page size %d, batch size %d: %d bytes differ from arrow-go's %d (first at %d)",
					iter, workers, schema, props.DataPageSize(), props.WriteBatchSize(), len(got), len(want), firstDiff(got, want))
			}
		}
		checkPlainRows(t, mem, want, schema, batches)
		for _, b := range batches {
			b.Release()
		}
	}
	if plainCols < 100 {
		t.Errorf("only %d plain columns written", plainCols)
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// checkPlainRows reads file back with arrow-go's reader and compares every
// value with the batches', NaN equal to NaN and zeros by sign.
func checkPlainRows(t *testing.T, mem memory.Allocator, data []byte, schema *arrow.Schema, batches []arrow.RecordBatch) {
	t.Helper()
	tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(data), parquet.NewReaderProperties(mem), pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	for i := range schema.NumFields() {
		var got []string
		for _, c := range tbl.Column(i).Data().Chunks() {
			for j := range c.Len() {
				got = append(got, valueBits(c, j))
			}
		}
		k := 0
		for _, b := range batches {
			c := b.Column(i)
			for j := range c.Len() {
				if k >= len(got) || got[k] != valueBits(c, j) {
					t.Fatalf("column %d row %d: read back differs", i, k)
				}
				k++
			}
		}
		if k != len(got) {
			t.Fatalf("column %d: read back %d rows, want %d", i, len(got), k)
		}
	}
}

// valueBits is a value's bit pattern as text ("null" for a null).
func valueBits(a arrow.Array, j int) string {
	if a.IsNull(j) {
		return "null"
	}
	switch a := a.(type) {
	case *array.Float32:
		return fmt.Sprint(math.Float32bits(a.Value(j)))
	case *array.Float64:
		return fmt.Sprint(math.Float64bits(a.Value(j)))
	}
	return a.ValueStr(j)
}

// The definition levels rleLevels writes decode (with the Parquet hybrid
// format's rules, written out here) to the levels put, for runs of every
// length; arrow-go's choice of runs is checked by the byte comparisons
// above.
func TestRLELevelsDecode(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for iter := range 500 {
		var want []byte
		var r rleLevels
		r.reset()
		for range rng.IntN(40) {
			v := byte(rng.IntN(2))
			n := 1 + rng.IntN([]int{3, 20, 700}[rng.IntN(3)])
			r.put(v, n)
			for range n {
				want = append(want, v)
			}
		}
		got := decodeLevels(t, r.finish(), len(want))
		if !bytes.Equal(got, want) {
			t.Fatalf("iter %d: %d levels decode to %v..., want %v...", iter, len(want), got[:min(len(got), 20)], want[:min(len(want), 20)])
		}
	}
}

// decodeLevels decodes n bit-width-1 levels of the RLE / bit-packed hybrid.
func decodeLevels(t *testing.T, data []byte, n int) []byte {
	t.Helper()
	var out []byte
	for len(out) < n {
		if len(data) == 0 {
			t.Fatalf("levels end after %d of %d", len(out), n)
		}
		h, k := uvarint(data)
		data = data[k:]
		if h&1 == 0 { // repeated run: count, then the value in one byte
			for range h >> 1 {
				out = append(out, data[0])
			}
			data = data[1:]
			continue
		}
		for g := range h >> 1 { // literal run of groups of 8, one byte each
			for i := range 8 {
				out = append(out, data[g]>>i&1)
			}
		}
		data = data[h>>1:]
	}
	if len(data) != 0 {
		t.Fatalf("%d bytes after the levels", len(data))
	}
	return out[:n]
}

func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return v, len(b)
}

// A column whose Arrow type maps to another Parquet type, or that is not
// flat, is not written by plainColumn.
func TestPlainEligible(t *testing.T) {
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32},
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32},
		{Name: "d32", Type: arrow.FixedWidthTypes.Date32},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	props := parquetProps(schema, CompressionZstd, mem)
	sc, err := pqarrow.ToParquet(schema, props, parquetArrowProps(mem))
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{true, false, false, true}
	for i, f := range schema.Fields() {
		if got := plainEligible(f.Type, sc.Column(i), props); got != want[i] {
			t.Errorf("%s: eligible %v, want %v", f.Name, got, want[i])
		}
	}
	dictProps := parquet.NewWriterProperties(parquet.WithDictionaryDefault(true))
	if plainEligible(schema.Field(0).Type, sc.Column(0), dictProps) {
		t.Error("a dictionary-encoded column is eligible")
	}
}

// Properties asking for file parts the writer does not lay out (page
// indexes, bloom filters) are refused, not silently dropped.
func TestParquetWriterRefusesUnsupportedProps(t *testing.T) {
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	for name, opt := range map[string]parquet.WriterProperty{
		"page index":   parquet.WithPageIndexEnabled(true),
		"bloom filter": parquet.WithBloomFilterEnabled(true),
	} {
		props := parquet.NewWriterProperties(parquet.WithAllocator(mem), opt)
		var buf bytes.Buffer
		if _, err := newParquetWriter(&buf, schema, schema, props, mem); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
