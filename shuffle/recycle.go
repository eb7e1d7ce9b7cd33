package shuffle

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/internal/uninit"
)

// recycler allocates the values of the columns a Reader widens, and the
// buffers a copying Reader reads segments into: buffers whose every byte
// is written before it is read. When a consumer releases a batch, its
// buffers come back here and the next segment reuses them: allocating (and
// zeroing, and faulting in) new buffers per column and segment was most of
// what widening cost, and a reader of thousand-row segments does that
// hundreds of thousands of times. Every buffer is allocated from mem and counted
// there until it is given back to mem: those it keeps for reuse (at most
// maxRecycled of them, maxRecycledBytes in all) too. After close every
// buffer released goes straight back to mem.
type recycler struct {
	mem    memory.Allocator
	mu     sync.Mutex
	sizes  map[*byte]int // every buffer out or kept: its length in mem
	free   [][]byte      // kept for reuse, at their length in mem
	kept   int           // bytes in free
	closed bool
}

const (
	maxRecycled      = 64
	maxRecycledBytes = 4 << 20
	minRecycledSize  = 1 << 10
)

func newRecycler(mem memory.Allocator) *recycler {
	return &recycler{mem: mem, sizes: map[*byte]int{}}
}

// Allocate returns a buffer of size bytes: a kept one of size's class (size
// rounded up to a power of two, so that segments of a few rows more reuse
// it), or a new one of that class from mem.
func (r *recycler) Allocate(size int) []byte {
	if size <= 0 {
		return r.mem.Allocate(size)
	}
	n := max(minRecycledSize, 1<<bits.Len(uint(size-1)))
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.free) - 1; i >= 0; i-- {
		if b := r.free[i]; len(b) == n {
			r.free[i] = r.free[len(r.free)-1]
			r.free = r.free[:len(r.free)-1]
			r.kept -= n
			return b[:size]
		}
	}
	b := uninit.Bytes(r.mem, n)
	if len(b) != n {
		return b // an allocator that does not give what was asked: no reuse
	}
	r.sizes[&b[0]] = n
	return b[:size]
}

// Reallocate is Allocate and a copy when b is too small.
func (r *recycler) Reallocate(size int, b []byte) []byte {
	if len(b) > 0 {
		r.mu.Lock()
		n, ok := r.sizes[&b[0]]
		r.mu.Unlock()
		if ok && n >= size {
			return b[:size]
		}
	}
	nb := r.Allocate(size)
	copy(nb, b)
	r.Free(b)
	return nb
}

// Free keeps b for reuse, or gives it back to mem.
func (r *recycler) Free(b []byte) {
	if len(b) == 0 {
		r.mem.Free(b)
		return
	}
	r.mu.Lock()
	n, ok := r.sizes[&b[0]]
	if !ok {
		r.mu.Unlock()
		r.mem.Free(b)
		return
	}
	full := b[:n:n]
	if !r.closed && len(r.free) < maxRecycled && r.kept+n <= maxRecycledBytes {
		r.free = append(r.free, full)
		r.kept += n
		r.mu.Unlock()
		return
	}
	delete(r.sizes, &b[0])
	r.mu.Unlock()
	r.mem.Free(full)
}

// close gives the kept buffers back to mem; buffers still out go back as
// they are released.
func (r *recycler) close() {
	r.mu.Lock()
	free := r.free
	r.free, r.kept, r.closed = nil, 0, true
	for _, b := range free {
		delete(r.sizes, &b[0])
	}
	r.mu.Unlock()
	for _, b := range free {
		r.mem.Free(b)
	}
}
