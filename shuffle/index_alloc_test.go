package shuffle

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestIndexDecodeObjects checks that an index of a thousand partitions
// decodes into a handful of heap objects, not one per partition: a
// shard-write task holds the indexes of hundreds of caches, and every
// object is marked in every garbage collection. The decoded partitions
// list the segments the writer reported.
func TestIndexDecodeObjects(t *testing.T) {
	mem := memory.NewGoAllocator()
	path := filepath.Join(t.TempDir(), "out")
	const parts = 1024
	writeOutput(t, mem, rand.New(rand.NewPCG(3, 4)), path, WriterOptions{Partitions: parts, Codec: CodecNone}, parts, func(int) int { return 3 }, 3)
	ix := readIndex(t, path)
	for p, segs := range ix.Segments {
		if len(segs) != 1 || cap(segs) != 1 {
			t.Fatalf("partition %d: %d segments (capacity %d), want 1", p, len(segs), cap(segs))
		}
		for _, s := range segs {
			if s.Rows != 3 {
				t.Fatalf("partition %d: a segment of %d rows, want 3", p, s.Rows)
			}
		}
	}
	b, size := indexBytes(t, path)
	allocs := testing.AllocsPerRun(5, func() {
		if _, err := unmarshalIndex(b, size); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 16 {
		t.Fatalf("decoding an index of %d partitions made %.0f allocations, want at most 16", parts, allocs)
	}
}
