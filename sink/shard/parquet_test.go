package shard

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// flatTypes are the column types of the random schemas: every type
// flatParquet accepts, and dictionaries of strings (decoded by the writer).
func flatTypes() []arrow.DataType {
	return []arrow.DataType{
		arrow.FixedWidthTypes.Boolean,
		arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64,
		arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
		arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.Binary, arrow.BinaryTypes.LargeBinary,
		&arrow.FixedSizeBinaryType{ByteWidth: 5},
		arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Date64,
		&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, &arrow.TimestampType{Unit: arrow.Nanosecond},
		&arrow.TimestampType{Unit: arrow.Second, TimeZone: "Europe/Paris"},
		arrow.FixedWidthTypes.Time32ms, arrow.FixedWidthTypes.Time64us,
		&arrow.Decimal128Type{Precision: 20, Scale: 3}, &arrow.Decimal256Type{Precision: 40, Scale: 5},
		dictType,
		&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.LargeString},
	}
}

// randColumn builds n random values of dt, each null with probability
// nullP. words is how many distinct strings a string column draws from
// (many make the Parquet column fall back to plain encoding).
func randColumn(t *testing.T, mem memory.Allocator, rng *rand.Rand, dt arrow.DataType, n int, nullP float64, words int) arrow.Array {
	t.Helper()
	word := func() string {
		return fmt.Sprintf("w%d-%s", rng.IntN(words), []string{"", "zürich", "a longer value"}[rng.IntN(3)])
	}
	if d, ok := dt.(*arrow.DictionaryType); ok {
		dict := randColumn(t, mem, rng, d.ValueType, 1+rng.IntN(20), 0, words)
		defer dict.Release()
		idx := array.NewBuilder(mem, d.IndexType)
		defer idx.Release()
		for range n {
			if rng.Float64() < nullP {
				idx.AppendNull()
				continue
			}
			switch b, j := idx, rng.IntN(dict.Len()); b := b.(type) {
			case *array.Int8Builder:
				b.Append(int8(j))
			case *array.Int32Builder:
				b.Append(int32(j))
			}
		}
		ia := idx.NewArray()
		defer ia.Release()
		return array.NewDictionaryArray(d, ia, dict)
	}
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for range n {
		if rng.Float64() < nullP {
			b.AppendNull()
			continue
		}
		v := rng.Int64N(2000) - 1000
		switch b := b.(type) {
		case *array.BooleanBuilder:
			b.Append(v%2 == 0)
		case *array.Int8Builder:
			b.Append(int8(v))
		case *array.Int16Builder:
			b.Append(int16(v * 31))
		case *array.Int32Builder:
			b.Append(int32(v * 1e5))
		case *array.Int64Builder:
			b.Append(v * 1e12)
		case *array.Uint8Builder:
			b.Append(uint8(v))
		case *array.Uint16Builder:
			b.Append(uint16(v * 31))
		case *array.Uint32Builder:
			b.Append(uint32(v * 1e5))
		case *array.Uint64Builder:
			b.Append(uint64(v * 1e12))
		case *array.Float32Builder:
			b.Append(float32(rng.NormFloat64()))
		case *array.Float64Builder:
			b.Append(rng.NormFloat64())
		case *array.StringBuilder:
			b.Append(word())
		case *array.LargeStringBuilder:
			b.Append(word())
		case *array.BinaryBuilder:
			b.Append([]byte(word()))
		case *array.FixedSizeBinaryBuilder:
			b.Append(fmt.Appendf(nil, "%05d", v+1000))
		case *array.Date32Builder:
			b.Append(arrow.Date32(v * 20))
		case *array.Date64Builder:
			b.Append(arrow.Date64(v * 86400000))
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(v * 1e9))
		case *array.Time32Builder:
			b.Append(arrow.Time32(v + 1000))
		case *array.Time64Builder:
			b.Append(arrow.Time64(v + 1000))
		case *array.Decimal128Builder:
			b.Append(decimal128.FromI64(v * 12345))
		case *array.Decimal256Builder:
			b.Append(decimal256.FromI64(v * 54321))
		default:
			t.Fatalf("randColumn: no generator for %s", dt)
		}
	}
	return b.NewArray()
}

// randFlatBatches returns a random flat schema (some columns not
// nullable, schema and field metadata on some) and batches of it: sliced
// at random offsets, empty ones included.
func randFlatBatches(t *testing.T, mem memory.Allocator, rng *rand.Rand) (*arrow.Schema, []arrow.RecordBatch) {
	t.Helper()
	types := flatTypes()
	fields := make([]arrow.Field, 1+rng.IntN(10))
	for i := range fields {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: types[rng.IntN(len(types))], Nullable: rng.IntN(4) != 0}
		if rng.IntN(5) == 0 {
			fields[i].Metadata = arrow.NewMetadata([]string{"unit"}, []string{"kg"})
		}
	}
	var md *arrow.Metadata
	if rng.IntN(2) == 0 {
		m := arrow.NewMetadata([]string{"job"}, []string{"pq-test"})
		md = &m
	}
	schema := arrow.NewSchema(fields, md)
	words := []int{3, 30, 100_000}[rng.IntN(3)]
	var batches []arrow.RecordBatch
	for range 1 + rng.IntN(5) {
		n := []int{0, 1, 9, 300, 1000, 2500}[rng.IntN(6)]
		nullP := []float64{0, 0.05, 0.5, 1}[rng.IntN(4)]
		cols := make([]arrow.Array, len(fields))
		for i, f := range fields {
			p := nullP
			if !f.Nullable {
				p = 0
			}
			cols[i] = randColumn(t, mem, rng, f.Type, n+16, p, words)
		}
		rec := array.NewRecordBatch(schema, cols, int64(n+16))
		for _, c := range cols {
			c.Release()
		}
		off := int64(rng.IntN(16))
		batches = append(batches, rec.NewSlice(off, off+int64(n)))
		rec.Release()
	}
	return schema, batches
}

// testParquetProps are parquetProps with small row groups and pages, so
// that batches cross row groups and columns hold several pages.
func testParquetProps(schema *arrow.Schema, codec compress.Compression, mem memory.Allocator) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithAllocator(mem), parquet.WithCompression(codec), parquet.WithCompressionLevel(ParquetZstdLevel),
		parquet.WithStats(true), parquet.WithMaxRowGroupLength(1500), parquet.WithDictionaryDefault(false),
		parquet.WithDataPageSize(4 << 10), parquet.WithDictionaryPageSizeLimit(parquetDictLimit),
	}
	return parquet.NewWriterProperties(append(opts, dictionaryProps(schema)...)...)
}

// pqarrowBytes is the oracle: arrow-go's writer (WriteBuffered) on the
// batches with their dictionary columns decoded.
func pqarrowBytes(t *testing.T, mem memory.Allocator, fschema *arrow.Schema, props *parquet.WriterProperties, batches []arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(fschema, &buf, props, parquetArrowProps(mem))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		cols := make([]arrow.Array, b.NumCols())
		for i, c := range b.Columns() {
			if d, ok := c.(*array.Dictionary); ok {
				if cols[i], err = decodeDictStrings(mem, d); err != nil {
					t.Fatal(err)
				}
				continue
			}
			c.Retain()
			cols[i] = c
		}
		rec := array.NewRecordBatch(fschema, cols, b.NumRows())
		if err := w.WriteBuffered(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		for _, c := range cols {
			c.Release()
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// parquetWriterBytes writes the batches with parquetWriter on workers
// goroutines.
func parquetWriterBytes(t *testing.T, mem memory.Allocator, schema, fschema *arrow.Schema, props *parquet.WriterProperties, workers int, batches []arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := newParquetWriter(&buf, schema, fschema, props, mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetWorkers(workers); err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// parquetWriter's files are byte-identical to arrow-go's writer's for 1,
// 2 and 8 workers, on random flat schemas with nulls, sliced and empty
// batches, row groups cut inside batches and dictionary fallbacks (the
// batches' dictionary columns decoded: arrow-go writes a batch's
// dictionary differently); and they read back to the batches. Given the
// dictionary columns as they are, the files are the same for 1, 2 and 8
// workers, read back to the same values, and keep each column chunk's
// data pages in one encoding.
func TestParquetWriterSameBytesAsPqarrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(11, 12))
	compared, columns, dictFiles := 0, 0, 0
	for iter := range 40 {
		schema, batches := randFlatBatches(t, mem, rng)
		fschema, err := FileSchema(schema)
		if err != nil {
			t.Fatal(err)
		}
		if !flatParquet(fschema) {
			t.Fatalf("schema %s is not flat", fschema)
		}
		codec := []compress.Compression{compress.Codecs.Zstd, compress.Codecs.Lz4Raw, compress.Codecs.Uncompressed}[iter%3]
		plain := decodedBatches(t, mem, fschema, batches)
		props := testParquetProps(fschema, codec, mem)
		want := pqarrowBytes(t, mem, fschema, props, plain)
		for _, workers := range []int{1, 2, 8} {
			got := parquetWriterBytes(t, mem, fschema, fschema, props, workers, plain)
			if !bytes.Equal(got, want) {
				t.Fatalf("iter %d, %d workers, schema %s: %d bytes differ from arrow-go's %d", iter, workers, fschema, len(got), len(want))
			}
		}
		compared += checkParquetRows(t, mem, want, fschema, batches)
		columns += fschema.NumFields()
		if !schema.Equal(fschema) {
			dictFiles++
			props := testParquetProps(schema, codec, mem)
			first := parquetWriterBytes(t, mem, schema, fschema, props, 1, batches)
			for _, workers := range []int{2, 8} {
				if got := parquetWriterBytes(t, mem, schema, fschema, props, workers, batches); !bytes.Equal(got, first) {
					t.Fatalf("iter %d, dictionary columns, %d workers: bytes differ from 1 worker's", iter, workers)
				}
			}
			checkParquetRows(t, mem, first, fschema, batches)
			checkDictPages(t, first, schema)
		}
		for _, b := range append(batches, plain...) {
			b.Release()
		}
	}
	if compared < columns*3/4 || dictFiles < 10 {
		t.Errorf("only %d of %d columns read back with their type, %d files with dictionary columns", compared, columns, dictFiles)
	}
}

// decodedBatches returns batches of fschema: the batches with their
// dictionary columns decoded.
func decodedBatches(t *testing.T, mem memory.Allocator, fschema *arrow.Schema, batches []arrow.RecordBatch) []arrow.RecordBatch {
	t.Helper()
	out := make([]arrow.RecordBatch, len(batches))
	for k, b := range batches {
		cols := make([]arrow.Array, b.NumCols())
		for i, c := range b.Columns() {
			if d, ok := c.(*array.Dictionary); ok {
				s, err := decodeDictStrings(mem, d)
				if err != nil {
					t.Fatal(err)
				}
				cols[i] = s
				continue
			}
			c.Retain()
			cols[i] = c
		}
		out[k] = array.NewRecordBatch(fschema, cols, b.NumRows())
		for _, c := range cols {
			c.Release()
		}
	}
	return out
}

// checkDictPages checks that every column chunk of a dictionary column of
// schema has a dictionary page and only dictionary-encoded data pages.
func checkDictPages(t *testing.T, data []byte, schema *arrow.Schema) {
	t.Helper()
	eachColumnChunk(t, data, func(g, c int, rg *metadata.RowGroupMetaData, cc *metadata.ColumnChunkMetaData) {
		if schema.Field(c).Type.ID() != arrow.DICTIONARY {
			return
		}
		if rg.NumRows() > 0 && !cc.HasDictionaryPage() {
			t.Errorf("row group %d column %d: no dictionary page", g, c)
		}
		for _, s := range cc.EncodingStats() {
			if s.PageType.String() == "DATA_PAGE" && s.Encoding != parquet.Encodings.RLEDict && s.Encoding != parquet.Encodings.PlainDict {
				t.Errorf("row group %d column %d: a data page in %v", g, c, s.Encoding)
			}
		}
	})
}

// eachColumnChunk calls f with the metadata of every column chunk of the
// Parquet file data, row group by row group.
func eachColumnChunk(t *testing.T, data []byte, f func(g, c int, rg *metadata.RowGroupMetaData, cc *metadata.ColumnChunkMetaData)) {
	t.Helper()
	r, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for g := range r.NumRowGroups() {
		rg := r.MetaData().RowGroup(g)
		for c := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			f(g, c, rg, cc)
		}
	}
}

// checkParquetRows reads file back with arrow-go's reader and compares
// the columns with the batches' (dictionaries decoded); it returns how
// many it compared: those read back with their own type (Parquet has no
// date64, second or nanosecond timestamps in its Arrow mapping).
func checkParquetRows(t *testing.T, mem memory.Allocator, file []byte, fschema *arrow.Schema, batches []arrow.RecordBatch) int {
	t.Helper()
	tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(file), parquet.NewReaderProperties(mem), pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumCols() != int64(fschema.NumFields()) {
		t.Fatalf("read back %d columns, want %d", tbl.NumCols(), fschema.NumFields())
	}
	compared := 0
	for i := range fschema.NumFields() {
		if f := tbl.Schema().Field(i); f.Name != fschema.Field(i).Name || !arrow.TypeEqual(f.Type, fschema.Field(i).Type) {
			continue
		}
		compared++
		var want []arrow.Array
		for _, b := range batches {
			c := b.Column(i)
			if d, ok := c.(*array.Dictionary); ok {
				s, err := decodeDictStrings(mem, d)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Release()
				c = s
			}
			want = append(want, c)
		}
		wc := arrow.NewChunked(fschema.Field(i).Type, want)
		if !array.ChunkedEqual(tbl.Column(i).Data(), wc) {
			t.Fatalf("column %s read back differs", fschema.Field(i).Name)
		}
		wc.Release()
	}
	return compared
}

// The shard Writer gives the same Parquet file for any SetEncodeWorkers.
func TestParquetShardWorkersSameBytes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	var infos []Info
	for _, workers := range []int{1, 2, 8} {
		dir := t.TempDir()
		w, err := NewWriter(dir+"/a.parquet", FormatParquet, CompressionZstd, testSchema(), mem)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.SetEncodeWorkers(workers); err != nil {
			t.Fatal(err)
		}
		for b, n := range []int{500, 0, 3000, 7} {
			rec, _ := makeBatch(t, mem, b, n)
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			rec.Release()
		}
		info, err := w.Close()
		if err != nil {
			t.Fatal(err)
		}
		info.Path = ""
		infos = append(infos, info)
	}
	if infos[1] != infos[0] || infos[2] != infos[0] {
		t.Errorf("1, 2 and 8 workers gave %+v", infos)
	}
}

// A string column whose dictionary outgrows a page used to fall back to
// plain encoding mid-chunk, and arrow-go lists a chunk's page encodings
// in map order: two writes of the same batches gave different footers.
// Shards of high-cardinality strings (and columns that turn so after a
// first page) are byte-identical write after write, and read back.
func TestParquetHighCardinalityDeterministic(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},    // unique from the start
		{Name: "later", Type: arrow.BinaryTypes.String}, // few values, then unique
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	const rows = 300_000
	build := func() arrow.RecordBatch {
		ib := array.NewStringBuilder(mem)
		lb := array.NewStringBuilder(mem)
		nb := array.NewInt64Builder(mem)
		for i := range rows {
			ib.Append(fmt.Sprintf("ride-%09d-%x", i*7919%rows, i))
			if i < 100_000 {
				lb.Append([]string{"Subscriber", "Customer", ""}[i%3])
			} else {
				lb.Append(fmt.Sprintf("station %d / dock %d", i, i%97))
			}
			nb.Append(int64(i))
		}
		cols := []arrow.Array{ib.NewArray(), lb.NewArray(), nb.NewArray()}
		for _, b := range []interface{ Release() }{ib, lb, nb} {
			b.Release()
		}
		rec := array.NewRecordBatch(schema, cols, rows)
		for _, c := range cols {
			c.Release()
		}
		return rec
	}
	rec := build()
	defer rec.Release()
	var first []byte
	for try := range 6 {
		var buf bytes.Buffer
		w, err := newParquetWriter(&buf, schema, schema, parquetProps(schema, CompressionZstd, mem), mem)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.SetWorkers(1 + try%3); err != nil {
			t.Fatal(err)
		}
		for off := int64(0); off < rows; off += 64 << 10 {
			s := rec.NewSlice(off, min(off+64<<10, rows))
			if err := w.Write(s); err != nil {
				t.Fatal(err)
			}
			s.Release()
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if try == 0 {
			first = buf.Bytes()
			if n := checkParquetRows(t, mem, first, schema, []arrow.RecordBatch{rec}); n != 3 {
				t.Fatalf("compared %d columns", n)
			}
			checkOneEncoding(t, first)
			continue
		}
		if !bytes.Equal(buf.Bytes(), first) {
			t.Fatalf("write %d differs from the first", try)
		}
	}
}

// checkOneEncoding checks that every column chunk of the file has data
// pages of one encoding: "id" plain, "later" dictionary-encoded.
func checkOneEncoding(t *testing.T, data []byte) {
	t.Helper()
	eachColumnChunk(t, data, func(g, _ int, _ *metadata.RowGroupMetaData, cc *metadata.ColumnChunkMetaData) {
		var enc []parquet.Encoding
		for _, s := range cc.EncodingStats() {
			if s.PageType.String() == "DATA_PAGE" {
				enc = append(enc, s.Encoding)
			}
		}
		name := cc.PathInSchema().String()
		want := parquet.Encodings.Plain
		if name == "later" {
			want = parquet.Encodings.RLEDict
		}
		if len(enc) != 1 || enc[0] != want {
			t.Errorf("row group %d column %s: data page encodings %v, want [%v]", g, name, enc, want)
		}
	})
}

// A row group's dictionary page is the batches' dictionary as given,
// unused entries included, when its first batch's dictionary can be
// seeded; a later batch over another dictionary appends the values it
// adds (in the order rows first use them); a batch decoded in one row
// group stays decoded in the next, whose dictionary is then its values in
// the order rows first use them. The oracle is the Parquet format: a
// dictionary page of PLAIN byte arrays.
func TestParquetSeededDictionary(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: dictType, Nullable: true}}, nil)
	fschema, err := FileSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	batch := func(dict []string, idx []int) arrow.RecordBatch {
		b := array.NewDictionaryBuilder(mem, dictType).(*array.BinaryDictionaryBuilder)
		defer b.Release()
		ds := array.NewStringBuilder(mem)
		defer ds.Release()
		ds.AppendValues(dict, nil)
		da := ds.NewArray()
		defer da.Release()
		ib := array.NewInt32Builder(mem)
		defer ib.Release()
		for _, i := range idx {
			if i < 0 {
				ib.AppendNull()
			} else {
				ib.Append(int32(i))
			}
		}
		ia := ib.NewArray()
		defer ia.Release()
		col := array.NewDictionaryArray(dictType, ia, da)
		defer col.Release()
		return array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
	}
	d := []string{"zeta", "alpha", "unused", "mid"}
	batches := []arrow.RecordBatch{
		batch(d, []int{0, 1, -1, 3, 1}),
		batch(slices.Clone(d), []int{3, 3, 0}),             // equal dictionary, another array
		batch([]string{"alpha", "new"}, []int{1, 0, 1, 0}), // crosses into row group 1
	}
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	props := parquet.NewWriterProperties(append([]parquet.WriterProperty{parquet.WithAllocator(mem),
		parquet.WithMaxRowGroupLength(10), parquet.WithDictionaryDefault(false), parquet.WithStats(true),
		parquet.WithDictionaryPageSizeLimit(parquetDictLimit)}, dictionaryProps(schema)...)...)
	data := parquetWriterBytes(t, mem, schema, fschema, props, 1, batches)
	checkParquetRows(t, mem, data, fschema, batches)
	r, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := [][]string{{"zeta", "alpha", "unused", "mid", "new"}, {"new", "alpha"}}
	if r.NumRowGroups() != len(want) {
		t.Fatalf("%d row groups, want %d", r.NumRowGroups(), len(want))
	}
	for g, w := range want {
		pr, err := r.RowGroup(g).GetColumnPageReader(0)
		if err != nil {
			t.Fatal(err)
		}
		if !pr.Next() {
			t.Fatalf("row group %d: no page: %v", g, pr.Err())
		}
		dp, ok := pr.Page().(*file.DictionaryPage)
		if !ok {
			t.Fatalf("row group %d: first page is %T, want a dictionary page", g, pr.Page())
		}
		var got []string
		for b := dp.Data(); len(b) >= 4; {
			n := int(binary.LittleEndian.Uint32(b))
			got, b = append(got, string(b[4:4+n])), b[4+n:]
		}
		if !slices.Equal(got, w) || int(dp.NumValues()) != len(w) {
			t.Errorf("row group %d: dictionary page %q (%d values), want %q", g, got, dp.NumValues(), w)
		}
	}
	checkDictPages(t, data, schema)
}
