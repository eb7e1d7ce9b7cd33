package shuffle

import (
	"math/rand/v2"
	"path/filepath"
	"testing"
	"unsafe"

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
	// Only the string columns (a plain string column and one dictionary)
	// and the narrowed integer columns, widened, were copied out of the
	// mapping: the other fixed-width ones (float, boolean, timestamp) live
	// in it.
	inMapping := func(buf *memory.Buffer) bool {
		b := buf.Bytes()
		if len(b) == 0 {
			return true
		}
		p, lo := uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&m.data[0]))
		return p >= lo && p < lo+uintptr(len(m.data))
	}
	var copied int
	for _, b := range kept {
		for c, col := range b.Columns() {
			bufs := col.Data().Buffers()
			if d, ok := col.(*array.Dictionary); ok {
				bufs = append(bufs, d.Dictionary().Data().Buffers()...)
			}
			for _, buf := range bufs {
				if buf == nil || inMapping(buf) {
					continue
				}
				if c >= 1 && c <= 3 {
					t.Fatalf("column %s copied out of the mapping", b.Schema().Field(c).Name)
				}
				copied += buf.Len()
			}
		}
	}
	if got := mem.CurrentAlloc(); got == 0 || got > 2*copied+64*len(kept)*8 {
		t.Errorf("%d bytes allocated for in-place batches whose copied columns hold %d", got, copied)
	}
	for _, b := range kept {
		b.Release()
	}
	if n := m.refs.Load(); n != 0 || m.data != nil {
		t.Errorf("mapping still held (%d references) after every batch was released", n)
	}
}
