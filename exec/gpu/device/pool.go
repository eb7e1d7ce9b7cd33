package device

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
)

// PoolAlign is the alignment of every pool allocation (the widest access
// of any kernel, and a whole coalesced segment).
const PoolAlign = 256

// PoolFraction is the share of a real device's free memory the pool takes
// when it is created.
const PoolFraction = 0.8

// emulatedPoolBytes is the pool of an emulated device without a limit.
const emulatedPoolBytes = 256 << 20

// EmulatedMemory is the memory an emulated device without a limit reports.
const EmulatedMemory = 1 << 30

// Pool is a device memory pool: one arena allocated once from the device
// and carved into aligned pieces with a first-fit free list (adjacent free
// ranges merge). Kernels allocate their buffers from it instead of calling
// the device's allocator per call; an allocation that does not fit gives
// ErrOutOfMemory, which Kernels answers by splitting the batch. Pool is
// safe for concurrent use.
type Pool struct {
	dev  Device
	mu   sync.Mutex
	base DevPtr
	size int64
	free []span           // sorted by offset, never adjacent
	used map[DevPtr]int64 // allocation sizes
	peak int64
	in   int64
}

// span is a free range of the arena.
type span struct{ off, n int64 }

// NewPool allocates an arena of size bytes from dev. A size <= 0 sizes it
// from the device: PoolFraction of the free memory a real device reports
// (halved until the allocation succeeds), or the emulated device's limit
// (emulatedPoolBytes without one).
func NewPool(dev Device, size int64) (*Pool, error) {
	if size <= 0 {
		free, total, err := dev.MemInfo()
		if err != nil {
			return nil, err
		}
		switch {
		case !dev.Emulated():
			size = int64(float64(free) * PoolFraction)
		case total == EmulatedMemory && free == total:
			size = emulatedPoolBytes
		default:
			size = free
		}
	}
	size &^= PoolAlign - 1
	for size >= PoolAlign {
		base, err := dev.Alloc(int(size))
		if err == nil {
			return &Pool{dev: dev, base: base, size: size, free: []span{{0, size}}, used: map[DevPtr]int64{}}, nil
		}
		if dev.Emulated() {
			return nil, fmt.Errorf("gpu: memory pool of %d bytes: %w", size, err)
		}
		size = (size / 2) &^ (PoolAlign - 1)
	}
	return nil, fmt.Errorf("gpu: memory pool: no memory: %w", ErrOutOfMemory)
}

// Size is the arena's size in bytes.
func (p *Pool) Size() int64 { return p.size }

// InUse is the bytes currently allocated from the pool.
func (p *Pool) InUse() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.in
}

// Peak is the most bytes allocated at once.
func (p *Pool) Peak() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// Alloc carves bytes (rounded up to PoolAlign; at least PoolAlign) from
// the arena; ErrOutOfMemory when no free range is large enough.
func (p *Pool) Alloc(bytes int) (DevPtr, error) {
	if bytes < 0 {
		return 0, fmt.Errorf("gpu: pool: Alloc of %d bytes", bytes)
	}
	n := (int64(max(bytes, 1)) + PoolAlign - 1) &^ (PoolAlign - 1)
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, s := range p.free {
		if s.n < n {
			continue
		}
		ptr := p.base + DevPtr(s.off)
		if s.n == n {
			p.free = slices.Delete(p.free, i, i+1)
		} else {
			p.free[i] = span{s.off + n, s.n - n}
		}
		p.used[ptr] = n
		p.in += n
		p.peak = max(p.peak, p.in)
		return ptr, nil
	}
	return 0, fmt.Errorf("gpu: pool: %d bytes with %d of %d in use: %w", bytes, p.in, p.size, ErrOutOfMemory)
}

// Free returns an allocation to the pool.
func (p *Pool) Free(ptr DevPtr) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, ok := p.used[ptr]
	if !ok {
		return fmt.Errorf("gpu: pool: Free of %#x, which Alloc did not return", uint64(ptr))
	}
	delete(p.used, ptr)
	p.in -= n
	off := int64(ptr - p.base)
	i, _ := slices.BinarySearchFunc(p.free, off, func(s span, o int64) int { return cmp.Compare(s.off, o) })
	p.free = slices.Insert(p.free, i, span{off, n})
	if i+1 < len(p.free) && p.free[i].off+p.free[i].n == p.free[i+1].off {
		p.free[i].n += p.free[i+1].n
		p.free = slices.Delete(p.free, i+1, i+2)
	}
	if i > 0 && p.free[i-1].off+p.free[i-1].n == p.free[i].off {
		p.free[i-1].n += p.free[i].n
		p.free = slices.Delete(p.free, i, i+1)
	}
	return nil
}

// Close returns the arena to the device; allocations still out are lost.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.base == 0 {
		return nil
	}
	err := p.dev.Free(p.base)
	p.base, p.free, p.in = 0, nil, 0
	clear(p.used)
	return err
}
