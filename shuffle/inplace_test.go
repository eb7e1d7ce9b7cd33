package shuffle

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Uncompressed segments are decoded in place: the batches share the
// mapping, stay valid after the iterator and the Reader are closed, and
// the mapping goes away with the last batch.
func TestInPlaceBatchesOutliveReader(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(3, 4))
	path := filepath.Join(t.TempDir(), "out")
	want := writeOutput(t, mem, rng, path, WriterOptions{Partitions: 3, Codec: CodecNone, FlushBytes: 4 << 10}, 9,
		func(i int) int { return 50 + i*37 }, 1000)
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	m := r.mapped
	if m == nil {
		t.Skip("this platform reads with ReadAt")
	}
	var kept []arrow.RecordBatch
	for p := 0; p < 3; p++ {
		it, err := r.Partition(p)
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
			b.Retain()
			kept = append(kept, b)
		}
		it.Close()
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if m.refs.Load() <= 0 || m.data == nil {
		t.Fatalf("mapping released while %d batches use it", len(kept))
	}
	// Read every value after the Reader is gone, partition by partition.
	var got [][]string
	for _, b := range kept {
		got = append(got, rowStrings(b)...)
	}
	var all [][]string
	for _, rows := range want {
		all = append(all, rows...)
	}
	equalRows(t, "in place", got, all)
	// Only the string columns were copied out of the mapping (a plain
	// string column and one dictionary): the fixed-width ones live in it.
	var strBytes int
	for _, b := range kept {
		for _, c := range []arrow.Array{b.Column(4).(*array.Dictionary).Dictionary(), b.Column(5)} {
			for _, buf := range c.Data().Buffers() {
				if buf != nil {
					strBytes += buf.Len()
				}
			}
		}
	}
	if got := mem.CurrentAlloc(); got == 0 || got > 2*strBytes+64*len(kept)*8 {
		t.Errorf("%d bytes allocated for in-place batches whose string columns hold %d", got, strBytes)
	}
	for _, b := range kept {
		b.Release()
	}
	if n := m.refs.Load(); n != 0 || m.data != nil {
		t.Errorf("mapping still held (%d references) after every batch was released", n)
	}
}
