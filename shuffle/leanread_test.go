package shuffle

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/guard"
)

// leanTypes are the column types leanReader decodes, each as a column of
// the test schema (and one integer column without nulls).
var leanTypes = []arrow.DataType{
	arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
	arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64,
	arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64, arrow.FixedWidthTypes.Boolean,
	arrow.BinaryTypes.String, arrow.BinaryTypes.Binary, arrow.FixedWidthTypes.Timestamp_us, arrow.FixedWidthTypes.Date32,
}

// leanBatch is n random rows of every leanTypes column (about one value
// in eight null, strings of 0 to 11 bytes) and a null-free int64 column.
func leanBatch(t *testing.T, mem memory.Allocator, rng *rand.Rand, n int) arrow.RecordBatch {
	t.Helper()
	var fields []arrow.Field
	for i, dt := range leanTypes {
		fields = append(fields, arrow.Field{Name: "c" + string(rune('a'+i)), Type: dt, Nullable: true})
	}
	fields = append(fields, arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true})
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	for i := 0; i < n; i++ {
		for c := range leanTypes {
			fb := b.Field(c)
			if rng.IntN(8) == 0 {
				fb.AppendNull()
				continue
			}
			v := rng.Int64N(1<<40) - 1<<39
			switch x := fb.(type) {
			case *array.Int8Builder:
				x.Append(int8(v))
			case *array.Int16Builder:
				x.Append(int16(v))
			case *array.Int32Builder:
				x.Append(int32(v))
			case *array.Int64Builder:
				x.Append(v)
			case *array.Uint8Builder:
				x.Append(uint8(v))
			case *array.Uint16Builder:
				x.Append(uint16(v))
			case *array.Uint32Builder:
				x.Append(uint32(v))
			case *array.Uint64Builder:
				x.Append(uint64(v))
			case *array.Float32Builder:
				x.Append(float32(rng.NormFloat64()))
			case *array.Float64Builder:
				x.Append(rng.NormFloat64())
			case *array.BooleanBuilder:
				x.Append(v&1 == 0)
			case *array.StringBuilder:
				x.Append(string(make([]byte, rng.IntN(12))) + "s")
			case *array.BinaryBuilder:
				x.Append([]byte("b")[:rng.IntN(2)])
			case *array.TimestampBuilder:
				x.Append(arrow.Timestamp(v))
			case *array.Date32Builder:
				x.Append(arrow.Date32(int32(v)))
			default:
				t.Fatalf("no value for %T", fb)
			}
		}
		b.Field(len(leanTypes)).(*array.Int64Builder).Append(int64(i))
	}
	return b.NewRecordBatch()
}

// TestLeanReaderRoundTrip writes batches of every type leanReader
// decodes (narrowed integers among them) to 3 partitions, more than
// CoalesceRows rows each so that segments hold several batches, and
// reads every partition back: the rows are the rows written to it, in
// order; the segments were read by leanReader.
func TestLeanReaderRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(3, 4))
	rec := leanBatch(t, mem, rng, 240_000)
	defer rec.Release()
	if !leanSchema(rec.Schema()) {
		t.Fatal("leanSchema refuses the test schema")
	}
	part := make([]int32, rec.NumRows())
	want := make([][][]string, 3)
	all := rowStrings(rec)
	for i := range part {
		part[i] = int32(rng.IntN(3))
		want[part[i]] = append(want[part[i]], all[i])
	}
	r := writeRead(t, mem, rec.Schema(), WriterOptions{Partitions: 3, Codec: CodecNone, FlushBytes: 1 << 30, MaxBuffered: 1 << 30}, func(w *Writer) error {
		for lo := int64(0); lo < rec.NumRows(); lo += 60_000 {
			s := rec.NewSlice(lo, lo+60_000)
			err := w.WritePartitioned(s, part[lo:lo+60_000])
			s.Release()
			if err != nil {
				return err
			}
		}
		return nil
	})
	defer r.Close()
	if r.mapped == nil {
		t.Fatal("the file is not mapped: segments are not read in place")
	}
	for p := range want {
		it, err := r.Partition(p)
		if err != nil {
			t.Fatal(err)
		}
		pi := it.(*partIter)
		var got [][]string
		batches := 0
		for {
			b, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				break
			}
			if _, ok := pi.cur.rd.(*leanReader); !ok {
				t.Fatalf("partition %d: segment read by %T", p, pi.cur.rd)
			}
			batches++
			got = append(got, rowStrings(b)...)
		}
		it.Close()
		if batches < 2 {
			t.Fatalf("partition %d: %d batches, want several", p, batches)
		}
		equalRows(t, "partition", got, want[p])
	}
}

// TestLeanReaderDamage decodes a segment with bytes of its messages
// changed, one at a time, without its CRC check (as a segment already
// checked is read): each read ends in batches or an error, never a panic
// or a read outside the segment (the segment is copied to exactly its
// length). A truncated segment fails.
func TestLeanReaderDamage(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(5, 6))
	rec := leanBatch(t, mem, rng, 300)
	defer rec.Release()
	r := writeRead(t, mem, rec.Schema(), WriterOptions{Partitions: 1, Codec: CodecNone}, func(w *Writer) error { return w.Write(0, rec) })
	defer r.Close()
	s := r.ix.Segments[0][0]
	seg := r.mapped.data[s.Offset : s.Offset+s.Length]
	schema, msg, _, err := r.segmentLayout(seg)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := guard.SchemaMessage(seg); err != nil || n != len(msg) {
		t.Fatalf("schema message: %d bytes (%v), layout says %d", n, err, len(msg))
	}
	read := func(data []byte) (rows int64, err error) {
		m := &mapping{data: data, free: func([]byte) {}}
		m.refs.Store(1)
		defer m.release()
		lr := newLeanReader(m, data, len(msg), schema)
		defer lr.Release()
		for lr.Next() {
			b := lr.RecordBatch()
			rows += b.NumRows()
			rowStrings(b) // every value read
		}
		return rows, lr.Err()
	}
	if rows, err := read(append([]byte(nil), seg...)); err != nil || rows != 300 {
		t.Fatalf("intact segment: %d rows, %v", rows, err)
	}
	if _, err := read(append([]byte(nil), seg[:len(seg)-100]...)); err == nil {
		t.Fatal("a truncated segment decoded without error")
	}
	// The record batch message's metadata follows the schema message;
	// damage every byte of it and some of the body.
	meta := int(uint32(seg[len(msg)+4])) + 8
	for i := len(msg); i < len(seg); i++ {
		if i >= len(msg)+meta && rng.IntN(16) != 0 {
			continue
		}
		for _, v := range []byte{0x00, 0xFF, seg[i] ^ 0x40} {
			data := append([]byte(nil), seg...)
			data[i] = v
			read(data)
		}
	}
}

// writeRead writes an output of schema with opt (write adds the rows) in
// a temporary directory and opens it; the caller closes the reader.
func writeRead(t *testing.T, mem memory.Allocator, schema *arrow.Schema, opt WriterOptions, write func(*Writer) error) *Reader {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out")
	w, err := NewWriter(path, schema, opt, mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := write(w); err != nil {
		w.Abort()
		t.Fatal(err)
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
