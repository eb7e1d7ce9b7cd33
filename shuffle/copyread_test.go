package shuffle

import (
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A copying reader gives the rows a mapped reader gives; its batches hold
// memory from the reader's allocator (all of it returned once they are
// released) and may outlive the reader.
func TestCopyReaderMatchesMapped(t *testing.T) {
	for _, c := range []Codec{CodecNone, CodecZstd} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		path := filepath.Join(t.TempDir(), "m")
		want := writeMany(t, mem, path, c, 0)
		cr, err := OpenReaderWith(path, mem, ReaderOptions{Copy: true})
		if err != nil {
			t.Fatal(err)
		}
		if cr.mapped != nil {
			t.Fatalf("%s: copying reader mapped the file", c)
		}
		for p := range want {
			equalRows(t, string(c), readAll(t, cr, p), want[p])
		}
		it, err := cr.Partition(5)
		if err != nil {
			t.Fatal(err)
		}
		b, err := it.Next()
		if err != nil || b == nil {
			t.Fatalf("%s: first batch: %v", c, err)
		}
		b.Retain()
		it.Close()
		cr.Close()
		if mem.CurrentAlloc() == 0 {
			t.Fatalf("%s: a batch outliving the reader holds no memory from its allocator", c)
		}
		equalRows(t, "after Close", rowStrings(b), want[5][:b.NumRows()])
		b.Release()
		mem.AssertSize(t, 0)
	}
}
