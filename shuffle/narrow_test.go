package shuffle

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// narrowSchema has every integer width the writer narrows, a string
// dictionary column (file dictionary ids) and a float column it leaves.
func narrowSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true, Metadata: arrow.NewMetadata([]string{"k"}, []string{"v"})},
		{Name: "b", Type: arrow.PrimitiveTypes.Int32},
		{Name: "c", Type: arrow.PrimitiveTypes.Int16},
		{Name: "g", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
}

// narrowCase is one partition's rows and the types its segment stores
// them as (hand-computed: the narrowest signed type holding every value,
// a null row's slot included, or holding value - base with base =
// least value - the type's least value, "frame(base)"; "" where the
// column is stored as the schema says, ids as int32 in an id segment).
type narrowCase struct {
	a, g      []int64
	aNull     []bool // rows of a that are null (their slots keep a's value)
	gGarbage  int64  // when not 0, g's row 0 is null with this value in its slot
	b         []int32
	c         []int16
	strings   int // distinct strings this partition adds to s
	wantTypes [5]string
}

var narrowCases = []narrowCase{
	{a: []int64{-128, 127, 0}, aNull: []bool{false, false, true}, b: []int32{-128, 127, 5}, c: []int16{1, -1, 127},
		g: []int64{0, 1, 2}, gGarbage: 1 << 40, strings: 10, wantTypes: [5]string{"int8", "int8", "int8", "", "int8"}},
	{a: []int64{-129, 0, 1}, b: []int32{math.MaxInt16, 0, 0}, c: []int16{200, 0, 0},
		g: []int64{-1, 0, 1}, strings: 200, wantTypes: [5]string{"frame(-1) int8", "int16", "frame(128) int8", "int8", "int16"}},
	{a: []int64{math.MinInt32, math.MaxInt32, 0}, b: []int32{math.MinInt32, 0, 0}, c: []int16{math.MinInt16, 0, 0},
		g: []int64{1 << 15, 0, 0}, strings: 1, wantTypes: [5]string{"int32", "", "", "frame(32768) int16", "int16"}},
	{a: []int64{math.MaxInt32 + 1, 0, 0}, aNull: []bool{true, true, true}, b: []int32{math.MaxInt32, 0, 0}, c: []int16{math.MaxInt16, 0, 0},
		g: []int64{math.MinInt64, 0, 0}, strings: 0, wantTypes: [5]string{"frame(2147483648) int32", "", "", "", "int16"}},
}

// narrowBatch builds partition p's rows of case nc; strings continue the
// values of s from base.
func narrowBatch(t *testing.T, mem memory.Allocator, nc narrowCase, base int) arrow.RecordBatch {
	t.Helper()
	sc := narrowSchema()
	n := len(nc.a)
	bld := array.NewRecordBuilder(mem, sc)
	defer bld.Release()
	valid := make([]bool, n)
	for i := range valid {
		valid[i] = nc.aNull == nil || !nc.aNull[i]
	}
	bld.Field(0).(*array.Int64Builder).AppendValues(nc.a, valid)
	bld.Field(1).(*array.Int32Builder).AppendValues(nc.b, nil)
	bld.Field(2).(*array.Int16Builder).AppendValues(nc.c, nil)
	bld.Field(3).(*array.Int64Builder).AppendValues(nc.g, nil)
	ss := bld.Field(4).(*array.BinaryDictionaryBuilder)
	for i := range n {
		if i == 1 {
			ss.AppendNull()
			continue
		}
		if err := ss.AppendString(fmt.Sprintf("v%d", base)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i < nc.strings; i++ { // the dictionary grows past the rows' values
		if err := ss.AppendString(fmt.Sprintf("v%d", base+i)); err != nil {
			t.Fatal(err)
		}
	}
	for range max(0, nc.strings-1) {
		bld.Field(0).(*array.Int64Builder).Append(nc.a[0])
		bld.Field(1).(*array.Int32Builder).Append(nc.b[0])
		bld.Field(2).(*array.Int16Builder).Append(nc.c[0])
		bld.Field(3).(*array.Int64Builder).Append(nc.g[0])
	}
	for range bld.Field(0).Len() {
		bld.Field(5).(*array.Float64Builder).Append(0.5)
	}
	rec := bld.NewRecordBatch()
	if nc.gGarbage == 0 {
		return rec
	}
	// Null g's row 0, keeping gGarbage in its slot.
	defer rec.Release()
	g := rec.Column(3).Data()
	vals := memory.NewResizableBuffer(mem)
	vals.Resize(g.Len() * 8)
	copy(vals.Bytes(), g.Buffers()[1].Bytes())
	arrow.Int64Traits.CastFromBytes(vals.Bytes())[0] = nc.gGarbage
	vb := memory.NewResizableBuffer(mem)
	vb.Resize(int((g.Len() + 7) / 8))
	for i := 1; i < g.Len(); i++ {
		vb.Bytes()[i/8] |= 1 << (i % 8)
	}
	gd := array.NewData(arrow.PrimitiveTypes.Int64, g.Len(), []*memory.Buffer{vb, vals}, nil, 1, 0)
	vb.Release()
	vals.Release()
	gcol := array.MakeFromData(gd)
	gd.Release()
	defer gcol.Release()
	cols := append([]arrow.Array(nil), rec.Columns()...)
	cols[3] = gcol
	return array.NewRecordBatch(sc, cols, rec.NumRows())
}

// Each partition's segment stores its integer columns and string ids in
// the narrowest type that holds them (the hand-computed table above), and
// every reader gives back the rows written, in the file's schema.
func TestNarrowRoundTrip(t *testing.T) {
	for _, codec := range []Codec{CodecNone, CodecLZ4, CodecZstd} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		path := filepath.Join(t.TempDir(), "m")
		w, err := NewWriter(path, narrowSchema(), WriterOptions{Partitions: len(narrowCases), Codec: codec}, mem)
		if err != nil {
			t.Fatal(err)
		}
		want := make([][][]string, len(narrowCases))
		base := 0
		for p, nc := range narrowCases {
			b := narrowBatch(t, mem, nc, base)
			base += max(nc.strings, 1)
			want[p] = rowStrings(b)
			if err := w.Write(p, b); err != nil {
				t.Fatal(err)
			}
			b.Release()
		}
		if _, err := w.Close(); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path + ".data")
		if err != nil {
			t.Fatal(err)
		}
		for _, opt := range []ReaderOptions{{}, {Copy: true}} {
			r, err := OpenReaderWith(path, mem, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !r.ix.Narrow || r.ix.Dicts == nil {
				t.Fatalf("%s: index narrow %v with %d file dictionaries, want narrowed with file dictionaries", codec, r.ix.Narrow, len(r.ix.Dicts))
			}
			for p, nc := range narrowCases {
				segs := r.ix.Segments[p]
				if len(segs) != 1 {
					t.Fatalf("%s: partition %d has %d segments, want 1", codec, p, len(segs))
				}
				seg := data[segs[0].Offset : segs[0].Offset+segs[0].Length]
				stream, _, _, err := r.segmentLayout(seg)
				if err != nil {
					t.Fatal(err)
				}
				for c, wt := range nc.wantTypes {
					got := storedAs(t, r, seg, c)
					if wt == "" && c == 4 {
						wt = "int32"
					}
					if got != wt {
						t.Errorf("%s: partition %d column %s stored as %s, want %s", codec, p, stream.Field(c).Name, got, wt)
					}
				}
				if _, md, _ := fieldEncoding(stream.Field(0)); !md.Equal(r.schema.Field(0).Metadata) || stream.Field(5).Type.ID() != arrow.FLOAT64 {
					t.Errorf("%s: partition %d stored schema %s", codec, p, stream)
				}
				equalRows(t, fmt.Sprintf("%s copy=%v partition %d", codec, opt.Copy, p), readAll(t, r, p), want[p])
			}
			r.Close()
		}
		mem.AssertSize(t, 0)
	}
}

// A narrowed segment sent alone (StandaloneSegment, no file dictionaries)
// keeps its stored types; DecodeSegment widens it to the file's schema,
// and refuses a schema that its columns cannot widen to.
func TestNarrowStandaloneSegment(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	sc := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	path := filepath.Join(t.TempDir(), "m")
	w, err := NewWriter(path, sc, WriterOptions{Partitions: 1}, mem)
	if err != nil {
		t.Fatal(err)
	}
	bld := array.NewInt64Builder(mem)
	bld.AppendValues([]int64{300, -7, 0}, []bool{true, true, false})
	col := bld.NewArray()
	bld.Release()
	rec := array.NewRecordBatch(sc, []arrow.Array{col}, 3)
	col.Release()
	want := rowStrings(rec)
	if err := w.Write(0, rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	seg, crc, _, err := r.StandaloneSegment(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		schema   *arrow.Schema
		wantType string
		err      string
	}{
		{nil, "int16", ""},
		{sc, "int64", ""},
		{arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, nil), "int32", ""},
		{arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int8, Nullable: true}}, nil), "", `stores column "a" as int16; the file's schema says int8`},
		{arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Float64, Nullable: true}}, nil), "", `stores column "a" as int16; the file's schema says float64`},
		{arrow.NewSchema([]arrow.Field{{Name: "z", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil), "", "does not match the file's schema"},
		{arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil), "", "does not match the file's schema"},
	} {
		it, err := DecodeSegment(seg, crc, tc.schema, mem)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("schema %v: error %v, want %q", tc.schema, err, tc.err)
			}
			if it != nil {
				it.Close()
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if got := b.Column(0).DataType().String(); got != tc.wantType {
			t.Errorf("schema %v: decoded as %s, want %s", tc.schema, got, tc.wantType)
		}
		equalRows(t, "standalone", rowStrings(b), want)
		it.Close()
	}
}

// A version 1 index (written before segments were narrowed) does not
// admit a narrowed segment: reading it fails with an error, not a panic or
// wrong values.
func TestNarrowSegmentNeedsItsVersion(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := writeSampleN(t, mem, CodecNone, 2, 20)
	idx, err := os.ReadFile(path + ".index")
	if err != nil {
		t.Fatal(err)
	}
	if v := binary.LittleEndian.Uint32(idx[8:]); v != indexVersion2+versionNarrow {
		t.Fatalf("index version %d, want %d", v, indexVersion2+versionNarrow)
	}
	binary.LittleEndian.PutUint32(idx[8:], indexVersion2)
	if err := os.WriteFile(path+".index", reseal(idx), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := drain(r, 0); err == nil || !strings.Contains(err.Error(), "partition 0 segment 0") {
		t.Fatalf("narrowed segment under version 2: %v", err)
	}
}

// countingAllocator counts the allocations it passes on.
type countingAllocator struct {
	memory.Allocator
	n int
}

func (c *countingAllocator) Allocate(size int) []byte {
	c.n++
	return c.Allocator.Allocate(size)
}

// A consumer that releases each batch before the next has its widened
// columns' buffers (and a copying reader's segment buffers) reused:
// reading a partition of hundreds of narrowed segments allocates a few
// buffers, not one per column and segment, and gives every row back as
// written; the Reader's kept buffers go back to the allocator when it
// closes.
func TestWidenedBuffersReused(t *testing.T) {
	checked := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer checked.AssertSize(t, 0)
	sc := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, nil)
	path := filepath.Join(t.TempDir(), "m")
	w, err := NewWriter(path, sc, WriterOptions{Partitions: 1, Codec: CodecNone}, checked)
	if err != nil {
		t.Fatal(err)
	}
	var want [][]string
	const segments = 300
	for i := range segments {
		bld := array.NewRecordBuilder(checked, sc)
		for j := range 500 + i%7 {
			bld.Field(0).(*array.Int64Builder).Append(int64(i*1000 + j))
			if j%5 == 0 {
				bld.Field(1).AppendNull()
			} else {
				bld.Field(1).(*array.Int32Builder).Append(int32(j - 300))
			}
		}
		rec := bld.NewRecordBatch()
		bld.Release()
		want = append(want, rowStrings(rec)...)
		if err := w.Write(0, rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		if err := w.flush(0); err != nil { // one segment per batch
			t.Fatal(err)
		}
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// A copying reader reads each segment into a buffer of its own: those
	// are reused too.
	for _, opt := range []ReaderOptions{{}, {Copy: true}} {
		mem := &countingAllocator{Allocator: checked}
		r, err := OpenReaderWith(path, mem, opt)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(r.ix.Segments[0]); n != segments {
			t.Fatalf("%d segments, want %d", n, segments)
		}
		before := mem.n
		got := readAll(t, r, 0)
		if n := mem.n - before; n > 12 {
			t.Errorf("copy=%v: %d allocations to read %d segments of two widened columns", opt.Copy, n, segments)
		}
		equalRows(t, fmt.Sprintf("copy=%v: reused buffers", opt.Copy), got, want)
		r.Close()
	}
}
