package arrowfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

var codecs = []string{compressionZstd, compressionLZ4, compressionNone}

// writeIPC writes batches with the native writer and returns the file.
func writeIPC(t *testing.T, schema *arrow.Schema, codec string, batches []arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := newIPCFileWriter(&buf, schema, codec)
	if err != nil {
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

// checkIPC reads file with arrow-go's file reader and, from byte 8 on,
// with its stream reader, and compares schema and batches with want.
func checkIPC(t *testing.T, mem memory.Allocator, file []byte, schema *arrow.Schema, want []arrow.RecordBatch) {
	t.Helper()
	fr, err := ipc.NewFileReader(bytes.NewReader(file), ipc.WithAllocator(mem))
	if err != nil {
		t.Fatalf("file reader: %v", err)
	}
	defer fr.Close()
	checkSchema(t, "file", fr.Schema(), schema)
	if fr.Version() != ipc.MetadataV5 {
		t.Errorf("metadata version %d, want V5", fr.Version())
	}
	if fr.NumRecords() != len(want) {
		t.Fatalf("file has %d batches, want %d", fr.NumRecords(), len(want))
	}
	for i := range want {
		got, err := fr.RecordBatchAt(i)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		checkBatch(t, i, got, want[i])
		got.Release()
	}
	sr, err := ipc.NewReader(bytes.NewReader(file[8:]), ipc.WithAllocator(mem))
	if err != nil {
		t.Fatalf("stream reader: %v", err)
	}
	defer sr.Release()
	checkSchema(t, "stream", sr.Schema(), schema)
	n := 0
	for sr.Next() {
		if n < len(want) {
			checkBatch(t, n, sr.RecordBatch(), want[n])
		}
		n++
	}
	if err := sr.Err(); err != nil {
		t.Fatalf("stream reader: %v", err)
	}
	if n != len(want) {
		t.Errorf("stream has %d batches, want %d", n, len(want))
	}
}

func checkSchema(t *testing.T, what string, got, want *arrow.Schema) {
	t.Helper()
	if !got.Equal(want) || !got.Metadata().Equal(want.Metadata()) {
		t.Fatalf("%s schema:\n got %s\nwant %s", what, got, want)
	}
	for i, f := range want.Fields() {
		if !got.Field(i).Metadata.Equal(f.Metadata) {
			t.Errorf("%s field %q metadata %v, want %v", what, f.Name, got.Field(i).Metadata, f.Metadata)
		}
	}
}

func checkBatch(t *testing.T, i int, got, want arrow.RecordBatch) {
	t.Helper()
	if got.NumRows() != want.NumRows() {
		t.Fatalf("batch %d: %d rows, want %d", i, got.NumRows(), want.NumRows())
	}
	for c := range want.Columns() {
		g, w := got.Column(c), want.Column(c)
		// The reader takes the null count from the FieldNode as written
		// (read it before anything computes and caches a count).
		nodeNulls := g.Data().NullN()
		if !array.Equal(g, w) || nodeNulls != w.NullN() {
			t.Errorf("batch %d column %q (%s):\n got %v (node null count %d)\nwant %v (nulls %d)", i, want.Schema().Field(c).Name,
				w.DataType(), g, nodeNulls, w, w.NullN())
		}
	}
}

func TestIPCWriterAllTypes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := nativeSchema()
	if _, ok := schemaLayouts(schema); !ok {
		t.Fatal("a type of nativeTypes has no native layout")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	full := randBatch(t, mem, rng, schema, 300, 0.3)
	defer full.Release()
	noNulls := randBatch(t, mem, rng, schema, 17, 0)
	defer noNulls.Release()
	batches := []arrow.RecordBatch{full, noNulls}
	for _, off := range []int64{1, 3, 7, 8, 13} {
		s := full.NewSlice(off, off+101-off%2) // odd and even lengths
		defer s.Release()
		batches = append(batches, s)
	}
	empty := full.NewSlice(5, 5)
	defer empty.Release()
	zero := randBatch(t, mem, rng, schema, 0, 0)
	defer zero.Release()
	batches = append(batches, empty, zero)
	for _, codec := range codecs {
		t.Run(codec, func(t *testing.T) {
			file := writeIPC(t, schema, codec, batches)
			checkIPC(t, mem, file, schema, batches)
			if again := writeIPC(t, schema, codec, batches); !bytes.Equal(file, again) {
				i := 0
				for i < len(file) && i < len(again) && file[i] == again[i] {
					i++
				}
				t.Errorf("the same batches gave different bytes (%d and %d bytes, first difference at %d)", len(file), len(again), i)
			}
		})
	}
}

// A slice of an array and a fresh copy of its values give the same bytes:
// bitmaps are re-aligned with their unused bits cleared, offsets rebased,
// value buffers cut.
func TestIPCWriterSliceEqualsCopy(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := nativeSchema()
	rng := rand.New(rand.NewPCG(3, 4))
	full := randBatch(t, mem, rng, schema, 64, 0.4)
	defer full.Release()
	for _, off := range []int64{1, 3, 7, 13} {
		s := full.NewSlice(off, off+29)
		cols := make([]arrow.Array, len(s.Columns()))
		for i, c := range s.Columns() {
			cols[i] = copyArray(t, mem, c)
		}
		cp := array.NewRecordBatch(schema, cols, s.NumRows())
		for _, c := range cols {
			c.Release()
		}
		for _, codec := range codecs {
			a := writeIPC(t, schema, codec, []arrow.RecordBatch{s})
			b := writeIPC(t, schema, codec, []arrow.RecordBatch{cp})
			if !bytes.Equal(a, b) {
				t.Errorf("offset %d %s: a slice and a copy of it gave different files", off, codec)
			}
		}
		s.Release()
		cp.Release()
	}
}

// copyArray rebuilds arr value by value (offset 0, fresh buffers).
func copyArray(t *testing.T, mem memory.Allocator, arr arrow.Array) arrow.Array {
	t.Helper()
	b := array.NewBuilder(mem, arr.DataType())
	defer b.Release()
	for i := range arr.Len() {
		if err := b.AppendValueFromString(arr.ValueStr(i)); err != nil {
			if arr.IsNull(i) {
				continue
			}
			t.Fatalf("copy %s value %q: %v", arr.DataType(), arr.ValueStr(i), err)
		}
	}
	out := b.NewArray()
	if !array.Equal(out, arr) {
		t.Fatalf("copy of %s differs: %v vs %v", arr.DataType(), out, arr)
	}
	return out
}

func TestIPCWriterZeroRowFile(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	for _, codec := range codecs {
		file := writeIPC(t, nativeSchema(), codec, nil)
		checkIPC(t, mem, file, nativeSchema(), nil)
		if !bytes.HasPrefix(file, []byte("ARROW1\x00\x00")) || !bytes.HasSuffix(file, []byte("ARROW1")) {
			t.Errorf("%s: magic missing", codec)
		}
	}
}

// Random schemas, batch sizes, null rates, slice offsets and codecs.
func TestIPCWriterRandomized(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(5, 6))
	types := nativeTypes()
	for iter := range 40 {
		fields := make([]arrow.Field, 1+rng.IntN(6))
		for i := range fields {
			fields[i] = arrow.Field{Name: string(rune('a' + i)), Type: types[rng.IntN(len(types))], Nullable: rng.IntN(3) > 0}
			if fields[i].Type.ID() == arrow.NULL {
				fields[i].Nullable = true
			}
		}
		schema := arrow.NewSchema(fields, nil)
		var batches []arrow.RecordBatch
		for range rng.IntN(4) {
			n := []int{0, 1, 7, 8, 9, 63, 64, 65, 500}[rng.IntN(9)]
			nullP := []float64{0, 0.05, 0.5, 1}[rng.IntN(4)]
			rec := randBatch(t, mem, rng, schema, n+16, nullP)
			off := int64(rng.IntN(16))
			batches = append(batches, rec.NewSlice(off, off+int64(n)))
			rec.Release()
		}
		codec := codecs[iter%3]
		checkIPC(t, mem, writeIPC(t, schema, codec, batches), schema, batches)
		for _, b := range batches {
			b.Release()
		}
	}
}

// Incompressible buffers are stored raw behind -1, compressible ones as a
// frame behind their length, empty ones as nothing.
func TestAppendCompressed(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	noise := make([]byte, 5000)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	zeros := make([]byte, 200000)
	for _, name := range []string{compressionZstd, compressionLZ4} {
		c, err := newBufferCodec(name)
		if err != nil {
			t.Fatal(err)
		}
		prefix := []byte("keep")
		out, err := appendCompressed(c, bytes.Clone(prefix), noise)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(out, prefix) || int64(binary.LittleEndian.Uint64(out[4:])) != -1 || !bytes.Equal(out[12:], noise) {
			t.Errorf("%s: incompressible buffer not stored raw behind -1", name)
		}
		out, err = appendCompressed(c, nil, zeros)
		if err != nil {
			t.Fatal(err)
		}
		if n := binary.LittleEndian.Uint64(out); n != uint64(len(zeros)) || len(out) > len(zeros)/10 {
			t.Errorf("%s: compressed buffer says %d bytes, is %d bytes", name, n, len(out))
		}
		if got := decompress(t, name, out[8:]); !bytes.Equal(got, zeros) {
			t.Errorf("%s: frame does not decompress to the input", name)
		}
		if out, _ := appendCompressed(c, nil, nil); len(out) != 0 {
			t.Errorf("%s: empty buffer wrote %d bytes", name, len(out))
		}
		if err := c.close(); err != nil {
			t.Fatal(err)
		}
	}
}

func decompress(t *testing.T, codec string, frame []byte) []byte {
	t.Helper()
	var r io.Reader
	if codec == compressionZstd {
		d, err := zstd.NewReader(bytes.NewReader(frame))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		r = d
	} else {
		r = lz4.NewReader(bytes.NewReader(frame))
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Nested types go through arrow-go's writer, chosen from the schema.
func TestWriterFallback(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
	}, nil)
	if w, err := NewWriter(io.Discard, schema, compressionZstd, mem); err != nil {
		t.Fatal(err)
	} else if _, ok := w.(*ipc.FileWriter); !ok {
		t.Errorf("list schema got %T, want arrow-go's writer", w)
	} else if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w, err := NewWriter(io.Discard, nativeSchema(), compressionZstd, mem); err != nil {
		t.Fatal(err)
	} else if _, ok := w.(*ipcFileWriter); !ok {
		t.Errorf("native schema got %T", w)
	} else if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[{"x": 1, "l": [1.5, null]}, {"x": 2, "l": null}, {"x": 3, "l": []}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, schema, compressionZstd, mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	checkIPC(t, mem, file, schema, []arrow.RecordBatch{rec})
}

func TestIPCWriterErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	if _, err := newIPCFileWriter(io.Discard, schema, "gzip"); err == nil || !strings.Contains(err.Error(), "allowed: zstd, lz4, none") {
		t.Errorf("bad codec: %v", err)
	}
	if _, err := newIPCFileWriter(io.Discard, arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int8)}}, nil), "none"); err == nil {
		t.Error("list schema accepted by the native writer")
	}
	w, err := newIPCFileWriter(io.Discard, schema, compressionZstd)
	if err != nil {
		t.Fatal(err)
	}
	other := randBatch(t, mem, rand.New(rand.NewPCG(1, 1)), arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32}}, nil), 3, 0)
	defer other.Release()
	if err := w.Write(other); err == nil || !strings.Contains(err.Error(), `column "x" is int32`) {
		t.Errorf("type mismatch: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil {
		t.Error("second Close succeeded")
	}
	if err := w.Write(other); err == nil {
		t.Error("Write after Close succeeded")
	}
	// A failing destination surfaces its error.
	boom := errors.New("disk full")
	if _, err := newIPCFileWriter(failWriter{boom}, schema, compressionNone); !errors.Is(err, boom) {
		t.Errorf("failing writer: %v", err)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }
