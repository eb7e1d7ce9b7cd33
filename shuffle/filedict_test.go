package shuffle

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// writeMany writes batches of varied dictionaries to many partitions (the
// scan cache's shape: small segments) and returns each partition's rows.
// memoValues, when > 0, bounds the memo of column s.
func writeMany(t *testing.T, mem memory.Allocator, path string, codec Codec, memoValues int) [][][]string {
	t.Helper()
	return writeManyShifted(t, mem, path, codec, memoValues, 0)
}

// writeManyShifted is writeMany with column s's values drawn from a
// vocabulary shifted by shift (and other random rows): files written with
// different shifts hold different file dictionaries.
func writeManyShifted(t *testing.T, mem memory.Allocator, path string, codec Codec, memoValues, shift int) [][][]string {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, uint64(9+shift)))
	const parts = 64
	w, err := NewWriter(path, testSchema(), WriterOptions{Partitions: parts, Codec: codec, FlushBytes: 2 << 10}, mem)
	if err != nil {
		t.Fatal(err)
	}
	if memoValues > 0 {
		w.memo(4).maxValues = memoValues
	}
	want := make([][][]string, parts)
	for i := 0; i < 12; i++ {
		n := 700 + 37*i
		batch := genBatch(mem, rng, n, int64(i*10000), shift+i)
		part := make([]int32, n)
		rows := rowStrings(batch)
		for j := range part {
			part[j] = int32(rng.IntN(parts))
			want[part[j]] = append(want[part[j]], rows[j])
		}
		if err := w.WritePartitioned(batch, part); err != nil {
			t.Fatal(err)
		}
		batch.Release()
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return want
}

// segmentKinds counts the id segments and the others of an output.
func segmentKinds(t *testing.T, r *Reader, path string) (ids, own int) {
	t.Helper()
	data, err := os.ReadFile(path + ".data")
	if err != nil {
		t.Fatal(err)
	}
	for _, segs := range r.ix.Segments {
		for _, s := range segs {
			if _, _, lay, err := r.segmentLayout(data[s.Offset : s.Offset+s.Length]); err != nil {
				t.Fatal(err)
			} else if lay != nil && lay.ids {
				ids++
			} else {
				own++
			}
		}
	}
	return ids, own
}

// A dictionary column of strings is numbered once per file: every segment
// carries ids, the values are stored once, every batch read shares the
// file's dictionary, and the rows are the rows written.
func TestFileDictionaries(t *testing.T) {
	for _, c := range []Codec{CodecNone, CodecLZ4, CodecZstd} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		path := filepath.Join(t.TempDir(), "m")
		want := writeMany(t, mem, path, c, 0)
		ix := readIndex(t, path)
		if len(ix.Dicts) != 1 || ix.Dicts[0].Col != 4 {
			t.Fatalf("%s: file dictionaries %+v, want one for column 4 (s)", c, ix.Dicts)
		}
		r, err := OpenReader(path, mem)
		if err != nil {
			t.Fatal(err)
		}
		if ids, own := segmentKinds(t, r, path); ids == 0 || own != 0 {
			t.Fatalf("%s: %d id segments and %d others, want only id segments", c, ids, own)
		}
		// genBatch draws s from station-0 .. station-96 (variant*7 + 0..19):
		// each written value once.
		dict := array.NewStringData(r.dicts[4])
		seen := map[string]bool{}
		for i := 0; i < dict.Len(); i++ {
			v := dict.Value(i)
			if seen[v] || !strings.HasPrefix(v, "station-") {
				t.Fatalf("%s: file dictionary value %d %q (repeated or not written)", c, i, v)
			}
			seen[v] = true
		}
		dict.Release()
		written := map[string]bool{}
		for p, rows := range want {
			for _, row := range rows {
				if row[4] != "<null>" {
					written[row[4]] = true
				}
			}
			equalRows(t, string(c), readAll(t, r, p), want[p])
		}
		if len(seen) != len(written) {
			t.Fatalf("%s: file dictionary of %d values, %d distinct values written", c, len(seen), len(written))
		}
		r.Close()
		mem.AssertSize(t, 0)
	}
}

// When a column's memo fills up, the segments after it carry their own
// dictionaries; the file holds both kinds and reads back whole.
func TestFileDictionariesGiveWay(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "m")
	want := writeMany(t, mem, path, CodecLZ4, 60)
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if ids, own := segmentKinds(t, r, path); ids == 0 || own == 0 {
		t.Fatalf("%d id segments and %d others, want both", ids, own)
	}
	for p := range want {
		equalRows(t, "mixed segments", readAll(t, r, p), want[p])
	}
}

// Batches may outlive the Reader: they hold the file dictionary.
func TestFileDictionaryOutlivesReader(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "m")
	want := writeMany(t, mem, path, CodecZstd, 0)
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	it, err := r.Partition(3)
	if err != nil {
		t.Fatal(err)
	}
	b, err := it.Next()
	if err != nil || b == nil {
		t.Fatalf("first batch: %v", err)
	}
	b.Retain()
	it.Close()
	r.Close()
	equalRows(t, "after Close", rowStrings(b), want[3][:b.NumRows()])
	b.Release()
}

// An output without string dictionary columns has no file dictionary
// section: version 1, here 3 as its int64 column is stored narrowed.
func TestNoFileDictionariesNoDictionarySection(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	sc := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}, {Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	path := filepath.Join(t.TempDir(), "m")
	w, err := NewWriter(path, sc, WriterOptions{Partitions: 2}, mem)
	if err != nil {
		t.Fatal(err)
	}
	bld := array.NewRecordBuilder(mem, sc)
	bld.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	bld.Field(1).(*array.StringBuilder).AppendValues([]string{"a", "b", "c"}, nil)
	rec := bld.NewRecordBatch()
	bld.Release()
	if err := w.WritePartitioned(rec, []int32{0, 1, 0}); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	idx, err := os.ReadFile(path + ".index")
	if err != nil {
		t.Fatal(err)
	}
	// Version 1 with narrowed segments: x is stored as int8.
	if v := binary.LittleEndian.Uint32(idx[8:]); v != indexVersion+versionNarrow {
		t.Fatalf("index version %d, want %d", v, indexVersion+versionNarrow)
	}
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	equalRows(t, "partition 0", readAll(t, r, 0), [][]string{{"1", "a"}, {"3", "c"}})
}

// An id outside the file dictionary is an error naming the column and
// row, never a panic.
func TestFileDictionaryBadID(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	sb := array.NewStringBuilder(mem)
	sb.AppendValues([]string{"a", "b"}, nil)
	dict := sb.NewArray()
	sb.Release()
	defer dict.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true}}, nil)
	ids, _ := idSchema(schema)
	for _, tc := range []struct {
		vals  []int32
		valid []bool
		err   string
	}{
		{[]int32{0, 1, 2}, nil, "row 2: file dictionary id 2 outside [0, 2)"},
		{[]int32{0, -1}, nil, "row 1: file dictionary id -1 outside [0, 2)"},
		{[]int32{0, 1}, []bool{false, true}, ""},
		{[]int32{9, 1}, []bool{false, true}, "row 0: file dictionary id 9 outside [0, 2)"}, // a null row's id too
	} {
		ib := array.NewInt32Builder(mem)
		ib.AppendValues(tc.vals, tc.valid)
		col := ib.NewArray()
		ib.Release()
		b := array.NewRecordBatch(ids, []arrow.Array{col}, int64(col.Len()))
		col.Release()
		lay, err := newLayout(ids, schema, nil, []*array.Data{dict.Data().(*array.Data)})
		if err != nil {
			t.Fatal(err)
		}
		out, err := lay.apply(b, mem, true, nil)
		b.Release()
		if tc.err == "" {
			if err != nil {
				t.Fatalf("%v: %v", tc.vals, err)
			}
			if got := rowStrings(out); got[0][0] != "<null>" || got[1][0] != "b" {
				t.Fatalf("%v: rows %v", tc.vals, got)
			}
			out.Release()
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), `column "s"`) {
			t.Fatalf("%v: error %v, want %q", tc.vals, err, tc.err)
		}
	}
}

// A file dictionary whose values were damaged (checksums resealed, as a
// fuzzer does) fails when the reader opens, naming the column.
func TestFileDictionaryDamaged(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "m")
	writeMany(t, mem, path, CodecNone, 0)
	ix := readIndex(t, path)
	s := ix.Dicts[0].Seg
	// Damage the dictionary's checksum only.
	idx, err := os.ReadFile(path + ".index")
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.LastIndex(idx, binary.LittleEndian.AppendUint64(nil, uint64(s.Offset)))
	binary.LittleEndian.PutUint32(idx[at+24:], s.CRC+1)
	if err := os.WriteFile(path+".index", reseal(idx), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = OpenReader(path, mem)
	if err == nil || !strings.Contains(err.Error(), `file dictionary of column "s"`) || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("damaged dictionary: %v", err)
	}
}
