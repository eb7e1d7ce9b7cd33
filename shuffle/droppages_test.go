package shuffle

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DropRange releases pages, not data: batches read before still hold the
// same values, and the partition reads again the same, as do its
// neighbours (which may share a page with it). DropRange is given the
// partition's extent, then ranges past the file's ends.
func TestDropRangeKeepsData(t *testing.T) {
	for _, codec := range []Codec{CodecNone, CodecLZ4} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		rng := rand.New(rand.NewPCG(5, 6))
		path := filepath.Join(t.TempDir(), "out")
		want := writeOutput(t, mem, rng, path, WriterOptions{Partitions: 4, Codec: codec, FlushBytes: 64 << 10}, 16,
			func(i int) int { return 500 + i*301 }, 10000)
		r, err := OpenReader(path, mem)
		if err != nil {
			t.Fatal(err)
		}
		for p := 0; p < 4; p++ {
			it, err := r.Partition(p)
			if err != nil {
				t.Fatal(err)
			}
			var kept []arrow.RecordBatch
			for {
				b, err := it.Next()
				if err != nil {
					t.Fatal(err)
				}
				if b == nil {
					break
				}
				b.Retain()
				kept = append(kept, b)
			}
			it.Close()
			lo, hi := r.PartitionExtent(p)
			for _, sg := range r.ix.Segments[p] {
				if sg.Offset < lo || sg.Offset+sg.Length > hi {
					t.Fatalf("partition %d extent [%d, %d) does not hold its segment at %d+%d", p, lo, hi, sg.Offset, sg.Length)
				}
			}
			if len(r.ix.Segments[p]) > 0 && lo != r.ix.Segments[p][0].Offset {
				t.Fatalf("partition %d extent starts at %d, its first segment at %d", p, lo, r.ix.Segments[p][0].Offset)
			}
			r.DropRange(lo, hi)
			var got [][]string
			for _, b := range kept {
				got = append(got, rowStrings(b)...)
				b.Release()
			}
			equalRows(t, fmt.Sprint("codec ", codec, " kept batches after DropRange"), got, want[p])
			equalRows(t, fmt.Sprint("codec ", codec, " partition read again"), readAll(t, r, p), want[p])
		}
		if lo, hi := r.PartitionExtent(4); lo != hi {
			t.Fatalf("extent of a partition out of range: [%d, %d)", lo, hi)
		}
		r.DropRange(-100, 1<<40) // clipped to the file
		r.DropRange(10, 5)
		for p := 0; p < 4; p++ {
			equalRows(t, fmt.Sprint("codec ", codec, " after every drop"), readAll(t, r, p), want[p])
		}
		r.Close()
		mem.AssertSize(t, 0)
	}
}
