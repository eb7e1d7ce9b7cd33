package shuffle

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// writeSample writes a 5-partition output in which partition 3 has at
// least two segments, and returns its path.
func writeSample(t testing.TB, mem memory.Allocator, codec Codec) string {
	t.Helper()
	return writeSampleN(t, mem, codec, 5, 200)
}

// writeSampleN writes six batches of n rows, row j to partition j % parts.
func writeSampleN(t testing.TB, mem memory.Allocator, codec Codec, parts, n int) string {
	t.Helper()
	return writeSampleFrom(t, mem, codec, parts, n, 0)
}

// writeSampleFrom is writeSampleN with ids from firstID.
func writeSampleFrom(t testing.TB, mem memory.Allocator, codec Codec, parts, n int, firstID int64) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, 11))
	path := filepath.Join(t.TempDir(), "map")
	w, err := NewWriter(path, testSchema(), WriterOptions{Partitions: parts, Codec: codec, FlushBytes: 1 << 10}, mem)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		b := genBatch(mem, rng, n, firstID+int64(i*n), i)
		part := make([]int32, n)
		for j := range part {
			part[j] = int32(j % parts)
		}
		err := w.WritePartitioned(b, part)
		b.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func readIndex(t testing.TB, path string) *index {
	t.Helper()
	ix, err := unmarshalIndex(indexBytes(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// indexBytes returns the index file of the output at path and its data
// file's size, unmarshalIndex's arguments.
func indexBytes(t testing.TB, path string) ([]byte, int64) {
	t.Helper()
	b, err := os.ReadFile(path + ".index")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path + ".data")
	if err != nil {
		t.Fatal(err)
	}
	return b, st.Size()
}

// drain reads partition p to the end and returns the first error.
func drain(r *Reader, p int) error {
	it, err := r.Partition(p)
	if err != nil {
		return err
	}
	defer it.Close()
	for {
		b, err := it.Next()
		if err != nil || b == nil {
			return err
		}
	}
}

func TestCorruptDataByte(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := writeSample(t, mem, CodecZstd)
	ix := readIndex(t, path)
	if len(ix.Segments[3]) < 2 {
		t.Fatalf("partition 3 has %d segments, want >= 2", len(ix.Segments[3]))
	}
	seg := ix.Segments[3][1]
	data, err := os.ReadFile(path + ".data")
	if err != nil {
		t.Fatal(err)
	}
	data[seg.Offset+seg.Length/2] ^= 0x40
	if err := os.WriteFile(path+".data", data, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	err = drain(r, 3)
	want := "shuffle: " + path + ".data: partition 3 segment 1: checksum mismatch"
	if err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, ErrChecksum) {
		t.Fatalf("got %v, want prefix %q", err, want)
	}
	for _, p := range []int{0, 1, 2, 4} { // other partitions are intact
		if err := drain(r, p); err != nil {
			t.Fatalf("partition %d: %v", p, err)
		}
	}
}

func TestBadIndex(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := writeSample(t, mem, CodecLZ4)
	good, err := os.ReadFile(path + ".index")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit func([]byte) []byte
		want string
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)-9] }, "index checksum mismatch"},
		{"tiny", func(b []byte) []byte { return b[:10] }, "truncated index: 10 bytes"},
		{"empty", func(b []byte) []byte { return nil }, "truncated index: 0 bytes"},
		{"magic", func(b []byte) []byte { b[0] = 'X'; return b }, "bad magic"},
		{"flipped", func(b []byte) []byte { b[len(b)/2] ^= 1; return b }, "index checksum mismatch"},
		{"version", func(b []byte) []byte { b[8] = 9; return reseal(b) }, "unsupported index version 9"},
		{"offset", func(b []byte) []byte {
			// First segment entry of partition 0 starts after the header,
			// the schema and partition 0's count.
			off := headerSize + int(leU32(b[28:])) + 4
			b[off+7] = 0x7f
			return reseal(b)
		}, "partition 0 segment 0: bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.edit(append([]byte(nil), good...))
			if err := os.WriteFile(path+".index", b, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := OpenReader(path, mem)
			if err == nil {
				r.Close()
				t.Fatal("OpenReader accepted a bad index")
			}
			if !strings.Contains(err.Error(), path+".index: ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %q, want it to name %s and say %q", err, path+".index", c.want)
			}
		})
	}
	// A truncated data file is caught by its size.
	if err := os.WriteFile(path+".index", good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path+".data", 100); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenReader(path, mem); err == nil || !strings.Contains(err.Error(), "data file is 100 bytes") {
		t.Fatalf("truncated data: got %v", err)
	}
}

func leU32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// reseal recomputes the index's trailing checksum after an edit.
func reseal(b []byte) []byte {
	body := b[:len(b)-4]
	ix := castagnoliSum(body)
	b[len(b)-4], b[len(b)-3], b[len(b)-2], b[len(b)-1] = byte(ix), byte(ix>>8), byte(ix>>16), byte(ix>>24)
	return b
}

func TestAbortLeavesNoFiles(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	w, err := NewWriter(filepath.Join(dir, "m"), testSchema(), WriterOptions{Partitions: 3, FlushBytes: 512}, mem)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 3; i++ {
		b := genBatch(mem, rng, 100, 0, i)
		if err := w.Write(i%3, b); err != nil {
			t.Fatal(err)
		}
		b.Release()
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatalf("second Abort: %v", err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Fatalf("Abort left %v", ents)
	}
	if _, err := w.Close(); err == nil {
		t.Fatal("Close after Abort succeeded")
	}
}

func TestWriterRejectsBadInput(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	if _, err := NewWriter(filepath.Join(dir, "x"), testSchema(), WriterOptions{Partitions: 0}, mem); err == nil || !strings.Contains(err.Error(), "partitions must be in") {
		t.Fatalf("0 partitions: %v", err)
	}
	if _, err := NewWriter(filepath.Join(dir, "x"), testSchema(), WriterOptions{Partitions: 1, Codec: "gzip"}, mem); err == nil || !strings.Contains(err.Error(), `unknown codec "gzip" (allowed: zstd, lz4, none)`) {
		t.Fatalf("bad codec: %v", err)
	}
	w, err := NewWriter(filepath.Join(dir, "m"), testSchema(), WriterOptions{Partitions: 2}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	b := genBatch(mem, rand.New(rand.NewPCG(1, 2)), 4, 0, 0)
	defer b.Release()
	if err := w.Write(2, b); err == nil || !strings.Contains(err.Error(), "partition 2 outside [0, 2)") {
		t.Fatalf("bad partition: %v", err)
	}
	if err := w.WritePartitioned(b, []int32{0, 1, 5, 0}); err == nil || !strings.Contains(err.Error(), "row 2: partition 5 outside [0, 2)") {
		t.Fatalf("bad part id: %v", err)
	}
	if err := w.WritePartitioned(b, []int32{0}); err == nil || !strings.Contains(err.Error(), "1 partition ids for 4 rows") {
		t.Fatalf("short part: %v", err)
	}
	other := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	ib := array.NewInt64Builder(mem)
	ib.Append(1)
	col := ib.NewArray()
	ib.Release()
	ob := array.NewRecordBatch(other, []arrow.Array{col}, 1)
	col.Release()
	defer ob.Release()
	if err := w.Write(0, ob); err == nil || !strings.Contains(err.Error(), "does not match the writer's schema") {
		t.Fatalf("schema mismatch: %v", err)
	}
	if _, err := ParseCodec("lz4"); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeSegment(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := writeSample(t, mem, CodecLZ4)
	ix := readIndex(t, path)
	data, err := os.ReadFile(path + ".data")
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// The segments of partition 2 as StandaloneSegment gives them (id
	// segments encoded again with their own dictionaries), decoded one
	// by one, give the partition.
	var rows [][]string
	ids := 0
	for i, s := range ix.Segments[2] {
		if _, _, lay, err := r.segmentLayout(data[s.Offset : s.Offset+s.Length]); err != nil {
			t.Fatal(err)
		} else if lay != nil && lay.ids {
			ids++
		}
		seg, crc, n, err := r.StandaloneSegment(2, i)
		if err != nil || n != s.Rows {
			t.Fatalf("segment %d: %d rows (index: %d), %v", i, n, s.Rows, err)
		}
		it, err := DecodeSegment(seg, crc, r.Schema(), mem)
		if err != nil {
			t.Fatal(err)
		}
		for {
			b, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				break
			}
			if !b.Schema().Equal(r.Schema()) {
				t.Fatalf("segment %d decodes as %s, want %s", i, b.Schema(), r.Schema())
			}
			if d, ok := b.Column(4).(*array.Dictionary); ok {
				checkDictUsed(t, d, "s")
			} else {
				t.Fatalf("column s of a standalone segment is %s", b.Column(4).DataType())
			}
			rows = append(rows, rowStrings(b)...)
		}
		it.Close()
	}
	if ids == 0 {
		t.Fatal("no id segment in partition 2: file dictionaries were not used")
	}
	equalRows(t, "DecodeSegment", rows, readAll(t, r, 2))
	s := ix.Segments[2][0]
	if _, err := DecodeSegment(data[s.Offset:s.Offset+s.Length], s.CRC+1, r.Schema(), mem); !errors.Is(err, ErrChecksum) {
		t.Fatalf("wrong crc: %v", err)
	}
}

// TestNextAfterClose checks that a partition iterator refuses Next once
// closed, naming the file and partition, and keeps refusing.
func TestNextAfterClose(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := writeSample(t, mem, CodecNone)
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	it, err := r.Partition(3)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := it.Next(); err != nil || b == nil {
		t.Fatalf("first batch: %v, %v", b, err)
	}
	it.Close()
	for range 2 {
		b, err := it.Next()
		if b != nil || err == nil || !strings.Contains(err.Error(), "partition 3: iterator is closed") || !strings.Contains(err.Error(), path) {
			t.Fatalf("Next after Close: %v, %v", b, err)
		}
	}
	if err := it.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
