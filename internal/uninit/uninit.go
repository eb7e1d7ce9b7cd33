// Package uninit allocates buffers whose every byte the caller writes
// before any is read: an allocator that keeps freed buffers for reuse
// hands them out as they are, without zeroing them first.
package uninit

import "github.com/apache/arrow-go/v18/arrow/memory"

// Allocator is an allocator that can hand out a buffer without zeroing
// it. AllocateUninit returns size bytes of unspecified contents, freed
// with Free like Allocate's.
type Allocator interface {
	memory.Allocator
	AllocateUninit(size int) []byte
}

// Bytes returns size bytes from mem for the caller to overwrite entirely:
// unspecified contents when mem is an Allocator, zeroes otherwise.
func Bytes(mem memory.Allocator, size int) []byte {
	if u, ok := mem.(Allocator); ok {
		return u.AllocateUninit(size)
	}
	return mem.Allocate(size)
}

// Buffer returns a buffer of size bytes from mem (see Bytes), freed to mem
// when its last reference is released. Only its bytes may be written: it
// cannot be resized.
func Buffer(mem memory.Allocator, size int) *memory.Buffer {
	if u, ok := mem.(Allocator); ok {
		return memory.NewBufferWithAllocator(u.AllocateUninit(size), mem)
	}
	b := memory.NewResizableBuffer(mem)
	b.Resize(size)
	return b
}
