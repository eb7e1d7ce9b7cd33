package shuffle

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// encSchema has one signed integer column of each width the writer
// encodes.
func encSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true, Metadata: arrow.NewMetadata([]string{"k"}, []string{"v"})},
		{Name: "b", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "c", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	}, nil)
}

// encRows is one partition's values, every slot (a null row's too), and
// which rows are null.
type encRows struct {
	a    []int64
	b    []int32
	c    []int16
	null []bool // per row, for all three columns
	// how the partition's segment stores a, b and c (hand-computed; ""
	// as the schema says)
	want [3]string
}

// encCases: sorted row ids with gaps of 1 to 100 (delta, int8: the gaps
// fit, the range does not), an int32 sequence of step 3 (delta int8),
// int16 values within 200 of each other (frame int8); values wrapping
// around the int64 range (delta int8: MinInt64 - MaxInt64 wraps to 1);
// int64 values within 60000 of 5e12 in random order (frame int16).
// Partition 0 holds 150,000 rows, so its segment has three batches and
// delta decoding carries across them.
func encCases(rng *rand.Rand) []encRows {
	n := 150_000
	p0 := encRows{a: make([]int64, n), b: make([]int32, n), c: make([]int16, n), null: make([]bool, n)}
	id := int64(1) << 40
	for i := range n {
		if i > 0 {
			id += 1 + rng.Int64N(100)
		}
		p0.a[i] = id
		p0.b[i] = 1_000_000_000 + 3*int32(i)
		p0.c[i] = 1000 + int16(rng.IntN(201))
		p0.null[i] = rng.IntN(10) == 0
	}
	p0.c[7], p0.c[8] = 1000, 1200
	p0.want = [3]string{fmt.Sprintf("delta(%d) int8", int64(1)<<40), "delta(1000000000) int8", "frame(1128) int8"}

	m := 999
	p1 := encRows{a: make([]int64, m), b: make([]int32, m), c: make([]int16, m), null: make([]bool, m)}
	for i := range m {
		p1.a[i] = []int64{math.MaxInt64, math.MinInt64, math.MinInt64 + 1}[i%3]
		p1.b[i] = []int32{math.MaxInt32, math.MinInt32, 0}[i%3]
		p1.c[i] = []int16{math.MaxInt16, math.MinInt16, 0}[i%3]
		p1.null[i] = i%3 == 1
	}
	p1.want = [3]string{fmt.Sprintf("delta(%d) int8", int64(math.MaxInt64)), "", ""}

	k := 5000
	p2 := encRows{a: make([]int64, k), b: make([]int32, k), c: make([]int16, k), null: make([]bool, k)}
	for i := range k {
		p2.a[i] = 5e12 + rng.Int64N(60_001)
		p2.b[i] = rng.Int32()
		p2.c[i] = int16(rng.IntN(100))
	}
	p2.a[0], p2.a[1] = 5e12, 5e12+60_000
	p2.want = [3]string{fmt.Sprintf("frame(%d) int16", int64(5e12)+32768), "", "int8"}
	return []encRows{p0, p1, p2}
}

// encBatch builds rows [lo, hi) of rs, null slots keeping their values.
func encBatch(mem memory.Allocator, rs encRows, lo, hi int) arrow.RecordBatch {
	n := hi - lo
	valid := memory.NewResizableBuffer(mem)
	valid.Resize((n + 7) / 8)
	clear(valid.Bytes())
	nulls := 0
	for i := range n {
		if rs.null[lo+i] {
			nulls++
		} else {
			valid.Bytes()[i/8] |= 1 << (i % 8)
		}
	}
	col := func(dt arrow.DataType, vals []byte) arrow.Array {
		buf := memory.NewResizableBuffer(mem)
		buf.Resize(len(vals))
		copy(buf.Bytes(), vals)
		d := array.NewData(dt, n, []*memory.Buffer{valid, buf}, nil, nulls, 0)
		buf.Release()
		defer d.Release()
		return array.MakeFromData(d)
	}
	cols := []arrow.Array{
		col(arrow.PrimitiveTypes.Int64, arrow.Int64Traits.CastToBytes(rs.a[lo:hi])),
		col(arrow.PrimitiveTypes.Int32, arrow.Int32Traits.CastToBytes(rs.b[lo:hi])),
		col(arrow.PrimitiveTypes.Int16, arrow.Int16Traits.CastToBytes(rs.c[lo:hi])),
	}
	valid.Release()
	rec := array.NewRecordBatch(encSchema(), cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// appendEncRows appends b's values (every slot) and nulls to rs.
func appendEncRows(rs *encRows, b arrow.RecordBatch) {
	rs.a = append(rs.a, b.Column(0).(*array.Int64).Int64Values()...)
	rs.b = append(rs.b, b.Column(1).(*array.Int32).Int32Values()...)
	rs.c = append(rs.c, b.Column(2).(*array.Int16).Int16Values()...)
	for i := range int(b.NumRows()) {
		if b.Column(0).IsNull(i) != b.Column(1).IsNull(i) || b.Column(1).IsNull(i) != b.Column(2).IsNull(i) {
			panic("columns disagree on nulls")
		}
		rs.null = append(rs.null, b.Column(0).IsNull(i))
	}
}

// readEncRows reads it to the end (and closes it): the values of its
// batches, each of encSchema, and how many batches there were.
func readEncRows(t *testing.T, what string, it BatchIterator) (encRows, int) {
	t.Helper()
	defer it.Close()
	var rs encRows
	batches := 0
	for {
		b, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return rs, batches
		}
		if !b.Schema().Equal(encSchema()) {
			t.Fatalf("%s: batch schema %s, want %s", what, b.Schema(), encSchema())
		}
		appendEncRows(&rs, b)
		batches++
	}
}

// sameEncRows fails unless got holds want's values, slot for slot.
func sameEncRows(t *testing.T, what string, got, want encRows) {
	t.Helper()
	if len(got.a) != len(want.a) {
		t.Fatalf("%s: %d rows, want %d", what, len(got.a), len(want.a))
	}
	for i := range want.a {
		if got.a[i] != want.a[i] || got.b[i] != want.b[i] || got.c[i] != want.c[i] || got.null[i] != want.null[i] {
			t.Fatalf("%s: row %d is (%d, %d, %d, null %v), want (%d, %d, %d, null %v)", what, i,
				got.a[i], got.b[i], got.c[i], got.null[i], want.a[i], want.b[i], want.c[i], want.null[i])
		}
	}
}

// storedAs describes how a segment stores column c, as encRows.want does:
// its schema's type and encoding, the base from its trailer.
func storedAs(t *testing.T, r *Reader, seg []byte, c int) string {
	t.Helper()
	stream, _, lay, err := r.segmentLayout(seg)
	if err != nil {
		t.Fatal(err)
	}
	state, err := lay.start(seg)
	if err != nil {
		t.Fatal(err)
	}
	f := stream.Field(c)
	kind, _, err := fieldEncoding(f)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case kind != encPlain:
		return fmt.Sprintf("%s(%d) %s", kind, state[c], f.Type)
	case arrow.TypeEqual(f.Type, r.schema.Field(c).Type):
		return ""
	}
	return f.Type.String()
}

// writeEncCases writes encCases to one partition each, in batches of
// 10,000 rows, and returns the path and the cases.
func writeEncCases(t *testing.T, mem memory.Allocator, codec Codec) (string, []encRows) {
	t.Helper()
	cases := encCases(rand.New(rand.NewPCG(5, 6)))
	path := filepath.Join(t.TempDir(), "enc")
	w, err := NewWriter(path, encSchema(), WriterOptions{Partitions: len(cases) + 1, Codec: codec}, mem)
	if err != nil {
		t.Fatal(err)
	}
	for p, rs := range cases {
		for lo := 0; lo < len(rs.a); lo += 10_000 {
			b := encBatch(mem, rs, lo, min(lo+10_000, len(rs.a)))
			if err := w.Write(p, b); err != nil {
				t.Fatal(err)
			}
			b.Release()
		}
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path, cases
}

// Each partition's segment stores its columns as the hand-computed
// encodings say, and every way of reading gives back every slot written:
// the file readers (mapped and copied), and a segment sent alone and
// decoded with the file's schema.
func TestEncodedRoundTrip(t *testing.T) {
	for _, codec := range []Codec{CodecNone, CodecLZ4, CodecZstd} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		path, cases := writeEncCases(t, mem, codec)
		data, err := os.ReadFile(path + ".data")
		if err != nil {
			t.Fatal(err)
		}
		for _, opt := range []ReaderOptions{{}, {Copy: true}} {
			r, err := OpenReaderWith(path, mem, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !r.ix.Encoded || !r.ix.Narrow {
				t.Fatalf("%s: index encoded %v narrow %v, want both", codec, r.ix.Encoded, r.ix.Narrow)
			}
			for p, rs := range cases {
				what := fmt.Sprintf("%s copy=%v partition %d", codec, opt.Copy, p)
				segs := r.ix.Segments[p]
				if len(segs) != 1 {
					t.Fatalf("%s: %d segments, want 1", what, len(segs))
				}
				seg := data[segs[0].Offset : segs[0].Offset+segs[0].Length]
				for c, want := range rs.want {
					if got := storedAs(t, r, seg, c); got != want {
						t.Errorf("%s: column %s stored as %q, want %q", what, r.schema.Field(c).Name, got, want)
					}
				}
				it, err := r.Partition(p)
				if err != nil {
					t.Fatal(err)
				}
				got, batches := readEncRows(t, what, it)
				if want := (len(rs.a) + CoalesceRows - 1) / CoalesceRows; batches != want {
					t.Fatalf("%s: %d batches, want %d", what, batches, want)
				}
				sameEncRows(t, what, got, rs)

				seg, crc, _, err := r.StandaloneSegment(p, 0)
				if err != nil {
					t.Fatal(err)
				}
				sit, err := DecodeSegment(seg, crc, encSchema(), mem)
				if err != nil {
					t.Fatal(err)
				}
				alone, _ := readEncRows(t, what+" standalone", sit)
				sameEncRows(t, what+" standalone", alone, rs)
			}
			r.Close()
		}
		mem.AssertSize(t, 0)
	}
}

// An encoded segment sent alone needs the file's schema to be decoded:
// without it DecodeSegment refuses rather than return the stored
// differences as values.
func TestEncodedSegmentNeedsSchema(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path, _ := writeEncCases(t, mem, CodecNone)
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	seg, crc, _, err := r.StandaloneSegment(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	it, err := DecodeSegment(seg, crc, nil, mem)
	if err == nil || !strings.Contains(err.Error(), `column "a" is stored encoded`) {
		if it != nil {
			it.Close()
		}
		t.Fatalf("DecodeSegment without a schema: %v", err)
	}
	narrower := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true, Metadata: arrow.NewMetadata([]string{"k"}, []string{"v"})},
		{Name: "b", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "c", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	}, nil)
	if _, err := DecodeSegment(seg, crc, narrower, mem); err == nil || !strings.Contains(err.Error(), `stores column "b" as delta-encoded int8; the file's schema says int8`) {
		t.Fatalf("DecodeSegment into int8: %v", err)
	}
}

// A version 3 or 4 index (written before segments were encoded) does not
// admit an encoded segment: reading it fails with an error, not wrong
// values.
func TestEncodedSegmentNeedsItsVersion(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path, _ := writeEncCases(t, mem, CodecNone)
	idx, err := os.ReadFile(path + ".index")
	if err != nil {
		t.Fatal(err)
	}
	if v := binary.LittleEndian.Uint32(idx[8:]); v != indexVersion+versionEncoded {
		t.Fatalf("index version %d, want %d", v, indexVersion+versionEncoded)
	}
	binary.LittleEndian.PutUint32(idx[8:], indexVersion+versionNarrow)
	if err := os.WriteFile(path+".index", reseal(idx), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := drain(r, 0); err == nil || !strings.Contains(err.Error(), "its index version does not allow") {
		t.Fatalf("encoded segment under version 3: %v", err)
	}
}

// A stored field's encoding is checked: an unknown one is an error naming
// the column; a known one leaves the field's other metadata.
func TestFieldEncoding(t *testing.T) {
	f := arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int8, Metadata: arrow.NewMetadata([]string{encKey}, []string{"rle"})}
	if _, _, err := fieldEncoding(f); err == nil || !strings.Contains(err.Error(), `column "x": unknown sluice.shuffle.encoding "rle" (frame or delta)`) {
		t.Errorf("unknown encoding: %v", err)
	}
	f.Metadata = arrow.NewMetadata([]string{"k", encKey, "l"}, []string{"v", "delta", "w"})
	kind, md, err := fieldEncoding(f)
	if err != nil || kind != encDelta || !md.Equal(arrow.NewMetadata([]string{"k", "l"}, []string{"v", "w"})) {
		t.Fatalf("fieldEncoding: %v %v %v", kind, md, err)
	}
}
