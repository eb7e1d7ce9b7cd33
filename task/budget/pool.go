package budget

import (
	"math/bits"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"
)

// pool keeps an executor's large buffers when they are freed and hands
// them out again. A fresh large buffer costs more than its use: Go zeroes
// it, the kernel faults its pages in, and the collector and scavenger
// later hand them back; a task allocates and frees buffers of the same few
// sizes (a chunk's columns, a batch's values) thousands of times, and the
// collector runs as often as new memory is allocated.
//
// Buffers are kept by size class: four classes per power of two from
// minPooled up, so a buffer holds at most 25 % more than was asked for.
// A buffer of the pool is handed out with its class size as its capacity,
// and a freed buffer whose capacity is a class size is kept; the pool
// holds at most max bytes, dropping the buffers it kept longest (to the
// collector) to make room. Kept buffers are not counted as used: the
// budget counts Arrow data.
type pool struct {
	mu    sync.Mutex
	free  map[int][][]byte  // by class size, most recently kept last
	kept  map[uintptr]int64 // the first byte of each kept buffer: when it was kept
	order []keptBuf         // kept buffers, oldest first (some taken since)
	seq   int64
	held  int64
	max   int64

	poison bool // fill freed buffers with poisonByte (tests)

	hits, misses atomic.Int64
}

// keptBuf is an entry of pool.order: the buffer at addr of class n, kept
// at seq (taken since when kept[addr] differs).
type keptBuf struct {
	addr uintptr
	n    int
	seq  int64
}

// minPooled is the smallest buffer the pool keeps: smaller ones are cheap
// to allocate.
const minPooled = 64 << 10

// poisonByte fills a kept buffer when the pool poisons: a use after free
// then reads it instead of the values it expected.
const poisonByte = 0xA5

// PoolLimit is the most bytes of freed buffers an executor with a budget
// of limit bytes (0 = unlimited) keeps for reuse: an eighth of the budget,
// at most 32 MiB. Kept buffers are live heap, so the collector's goal
// (twice what is live) grows by twice as much: 64 MiB per executor raised
// the 33.3M-row job's peak RSS from 1.2 to 1.5 GiB at 2 GiB budgets, 32 MiB
// to 1.4 GiB, as fast. They are beyond the budget; SetProcessLimit adds
// them to the process's memory limit.
func PoolLimit(limit int64) int64 {
	const most = 32 << 20
	if limit <= 0 {
		return most
	}
	return min(most, limit/8)
}

// PoisonFreed makes every budget created after it is set fill the buffers
// it keeps with poisonByte, so that a use of a buffer after it was freed
// reads that instead of its old values (SLUICE_POISON_FREED=1; the test
// suite sets it).
var PoisonFreed = os.Getenv("SLUICE_POISON_FREED") == "1"

// PoolStats are how many large allocations were served from kept buffers
// (hits) and new ones (misses).
func (b *Budget) PoolStats() (hits, misses int64) {
	return b.pool.hits.Load(), b.pool.misses.Load()
}

func newPool(max int64) *pool {
	return &pool{free: map[int][][]byte{}, kept: map[uintptr]int64{}, max: max, poison: PoisonFreed}
}

// classSize is the size of the class that holds size bytes (size at least
// minPooled): size rounded up to a multiple of a quarter of the power of
// two below it.
func classSize(size int) int {
	if size <= minPooled {
		return minPooled
	}
	p := bits.Len(uint(size - 1)) // 2^(p-1) < size <= 2^p
	q := 1 << (p - 3)             // a quarter of 2^(p-1)
	return (size + q - 1) / q * q
}

// isClass reports whether n is a class size.
func isClass(n int) bool { return n >= minPooled && classSize(n) == n }

// get returns a buffer of class size n (len n, cap n) and whether it was
// kept before: its bytes are then whatever its last user left.
func (p *pool) get(n int) ([]byte, bool) {
	p.mu.Lock()
	// The class itself or one of the next four (at most twice the size).
	for c, i := n, 0; i < 5; c, i = classSize(c+1), i+1 {
		if l := p.free[c]; len(l) > 0 {
			b := l[len(l)-1]
			p.free[c] = l[:len(l)-1]
			delete(p.kept, addr(b))
			p.held -= int64(c)
			p.mu.Unlock()
			p.hits.Add(1)
			return b, true
		}
	}
	p.mu.Unlock()
	p.misses.Add(1)
	// Large objects are page-aligned: Arrow's 64-byte alignment holds.
	return make([]byte, n), false
}

// put keeps b (whose capacity is a class size), making room by dropping
// the buffers kept longest; it ignores a buffer it already keeps (freed
// twice) and one larger than the pool.
func (p *pool) put(b []byte) {
	n := cap(b)
	b = b[:n]
	if int64(n) > p.max {
		return
	}
	if p.poison {
		for i := range b {
			b[i] = poisonByte
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	a := addr(b)
	if _, dup := p.kept[a]; dup {
		return
	}
	for p.held+int64(n) > p.max {
		p.evictOldest()
	}
	p.seq++
	p.kept[a] = p.seq
	p.order = append(p.order, keptBuf{a, n, p.seq})
	p.free[n] = append(p.free[n], b)
	p.held += int64(n)
	if len(p.order) > 2*len(p.kept)+64 { // drop the entries of taken buffers
		live := p.order[:0]
		for _, e := range p.order {
			if p.kept[e.addr] == e.seq {
				live = append(live, e)
			}
		}
		clear(p.order[len(live):])
		p.order = live
	}
}

// evictOldest drops the buffer kept longest (p.held > 0).
func (p *pool) evictOldest() {
	for len(p.order) > 0 {
		e := p.order[0]
		p.order = p.order[1:]
		if seq, ok := p.kept[e.addr]; !ok || seq != e.seq {
			continue // taken since
		}
		l := p.free[e.n]
		for i := range l {
			if addr(l[i]) == e.addr {
				l = append(l[:i], l[i+1:]...)
				break
			}
		}
		p.free[e.n] = l
		delete(p.kept, e.addr)
		p.held -= int64(e.n)
		return
	}
}

func addr(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
