package budget

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkColumn builds and releases a 256K-row int64 column, as a
// task's kernels do per chunk, through a budget's allocator (freed
// buffers kept for reuse) and through Go's allocator (what the budget
// allocated from before).
func BenchmarkColumn(b *testing.B) {
	const rows = 256 << 10
	for _, c := range []struct {
		name string
		mem  memory.Allocator
	}{{"budget", New(256 << 20).Allocator(nil)}, {"go", memory.NewGoAllocator()}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(rows * 8)
			for b.Loop() {
				bld := array.NewInt64Builder(c.mem)
				bld.Reserve(rows)
				for i := range rows {
					bld.UnsafeAppend(int64(i))
				}
				a := bld.NewArray()
				bld.Release()
				a.Release()
			}
		})
	}
}
