package shuffle

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestWritePartitionedRowsEqualsCopy checks that writing selected rows
// with WritePartitionedRows stores what WritePartitioned stores for a copy
// of those rows: the same segments (flushes happen at the same points),
// the same batches and the same rows. Selections keep most rows, few, all
// but one, or none, and drop every null of some batches' columns.
func TestWritePartitionedRowsEqualsCopy(t *testing.T) {
	for _, opt := range []WriterOptions{
		{Partitions: 7, Codec: CodecNone},
		{Partitions: 3, Codec: CodecLZ4, FlushBytes: 16 << 10, MaxBuffered: 64 << 10},
	} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		dir := t.TempDir()
		var files [2][2][]byte
		for k := range files {
			rng := rand.New(rand.NewPCG(3, 9))
			path := filepath.Join(dir, []string{"rows", "copy"}[k])
			w, err := NewWriter(path, testSchema(), opt, mem)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 30; i++ {
				n := 1 + rng.IntN(3000)
				batch := genBatch(mem, rng, n, int64(i)<<20, i%4)
				if i%5 == 2 {
					full := batch
					batch = full.NewSlice(3, int64(n))
					full.Release()
				}
				var rows []int32
				x := batch.Column(1)
				for j := 0; j < int(batch.NumRows()); j++ {
					switch i % 4 {
					case 0: // rows with x not null: x keeps no null
						if x.IsValid(j) {
							rows = append(rows, int32(j))
						}
					case 1: // few
						if rng.IntN(20) == 0 {
							rows = append(rows, int32(j))
						}
					case 2: // all but the first
						if j > 0 {
							rows = append(rows, int32(j))
						}
					}
				}
				if rows == nil {
					rows = []int32{} // none selected
				}
				part := make([]int32, len(rows))
				for j := range part {
					part[j] = int32(rng.IntN(opt.Partitions))
				}
				if k == 0 {
					err = w.WritePartitionedRows(batch, rows, part)
				} else {
					sel := takeRows(t, batch, rows, mem)
					err = w.WritePartitioned(sel, part)
					sel.Release()
				}
				if err != nil {
					t.Fatal(err)
				}
				batch.Release()
			}
			if _, err := w.Close(); err != nil {
				t.Fatal(err)
			}
			for j, ext := range []string{".data", ".index"} {
				if files[k][j], err = os.ReadFile(path + ext); err != nil {
					t.Fatal(err)
				}
			}
		}
		ia, err := unmarshalIndex(files[0][1], int64(len(files[0][0])))
		if err != nil {
			t.Fatal(err)
		}
		ib, err := unmarshalIndex(files[1][1], int64(len(files[1][0])))
		if err != nil {
			t.Fatal(err)
		}
		for p := range ib.Segments {
			if len(ia.Segments[p]) != len(ib.Segments[p]) {
				t.Fatalf("%+v: partition %d: %d segments from selected rows, %d from a copy", opt, p, len(ia.Segments[p]), len(ib.Segments[p]))
			}
			for s := range ib.Segments[p] {
				got := segmentBatches(t, files[0][0], ia.Segments[p][s], mem)
				want := segmentBatches(t, files[1][0], ib.Segments[p][s], mem)
				if len(got) != len(want) {
					t.Fatalf("%+v: partition %d segment %d: %d batches, want %d", opt, p, s, len(got), len(want))
				}
				for i := range want {
					if len(got[i]) != len(want[i]) {
						t.Fatalf("%+v: partition %d segment %d batch %d: %d rows, want %d", opt, p, s, i, len(got[i]), len(want[i]))
					}
					equalRows(t, "selected rows vs copy", got[i], want[i])
				}
			}
		}
		mem.AssertSize(t, 0)
	}
}

func TestWritePartitionedRowsRejectsBadRows(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	batch := genBatch(mem, rng, 10, 0, 0)
	defer batch.Release()
	for _, rows := range [][]int32{{3, 3}, {4, 2}, {-1}, {10}} {
		w, err := NewWriter(filepath.Join(t.TempDir(), "m"), testSchema(), WriterOptions{Partitions: 2}, mem)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WritePartitionedRows(batch, rows, make([]int32, len(rows))); err == nil {
			t.Errorf("rows %v accepted", rows)
		}
		w.Abort()
	}
}

// takeRows copies rows of batch (the reference for WritePartitionedRows).
func takeRows(t *testing.T, batch arrow.RecordBatch, rows []int32, mem memory.Allocator) arrow.RecordBatch {
	w := &Writer{schema: batch.Schema(), mem: mem}
	out, err := w.takeBatch(batch, rows)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// segmentBatches decodes one segment into its stored schema (with the
// encodings its metadata names) as a first batch of one row, then each
// batch's rows as stored.
func segmentBatches(t *testing.T, data []byte, s segment, mem memory.Allocator) [][][]string {
	it, err := decodeSegment(data[s.Offset:s.Offset+s.Length], 0, s.CRC, nil, nil, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	out := [][][]string{{{it.rd.Schema().String()}}}
	for {
		rec, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if rec == nil {
			return out
		}
		out = append(out, rowStrings(rec))
	}
}
