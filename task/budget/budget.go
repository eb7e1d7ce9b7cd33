package budget

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Budget is an executor's memory budget: every Arrow allocation of its
// tasks goes through Allocator, which charges it here. Operators that buffer
// (shuffle writers, sorts) ask Remaining before they grow and flush or spill
// instead; a task that still needs more fails with ErrOverBudget rather than
// letting the process grow without bound.
type Budget struct {
	limit int64
	used  atomic.Int64
	peak  atomic.Int64
	pool  *pool // freed large buffers kept for reuse
}

// New returns a budget of limit bytes (0 = unlimited).
func New(limit int64) *Budget {
	return &Budget{limit: limit, pool: newPool(PoolLimit(limit))}
}

// Limit is the budget in bytes (0 = unlimited).
func (b *Budget) Limit() int64 { return b.limit }

// Used is the bytes currently allocated.
func (b *Budget) Used() int64 { return b.used.Load() }

// Peak is the most bytes allocated at once.
func (b *Budget) Peak() int64 { return b.peak.Load() }

// Remaining is what is left (a large number when unlimited).
func (b *Budget) Remaining() int64 {
	if b.limit == 0 {
		return 1 << 62
	}
	return b.limit - b.used.Load()
}

// Check returns an error naming what would not fit when need more bytes
// exceed what is left.
func (b *Budget) Check(need int64, what string) error {
	if r := b.Remaining(); need > r {
		return fmt.Errorf("%s needs %s but the executor's memory budget has %s left of %s (raise --memory or use more shards)",
			what, FormatBytes(need), FormatBytes(max(r, 0)), FormatBytes(b.limit))
	}
	return nil
}

func (b *Budget) charge(n int64) {
	u := b.used.Add(n)
	for {
		p := b.peak.Load()
		if u <= p || b.peak.CompareAndSwap(p, u) {
			return
		}
	}
}

// Allocator returns an Arrow allocator charged to this budget.
func (b *Budget) Allocator(parent memory.Allocator) memory.Allocator {
	if parent == nil {
		parent = memory.DefaultAllocator
	}
	return &budgetAllocator{parent: parent, b: b}
}

type budgetAllocator struct {
	parent memory.Allocator
	b      *Budget
}

// Allocate returns size zeroed bytes. Large buffers come from the pool,
// with their class size as capacity.
func (a *budgetAllocator) Allocate(size int) []byte { return a.allocate(size, true) }

// AllocateUninit is Allocate for a caller that writes every byte before
// reading any: a buffer from the pool is handed out as it was kept (see
// uninit.Allocator).
func (a *budgetAllocator) AllocateUninit(size int) []byte { return a.allocate(size, false) }

// allocate is Allocate; zero false leaves a kept buffer's bytes as they
// are (the caller overwrites them).
func (a *budgetAllocator) allocate(size int, zero bool) []byte {
	a.b.charge(int64(size))
	if size < minPooled {
		return a.parent.Allocate(size)
	}
	buf, reused := a.b.pool.get(classSize(size))
	buf = buf[:size]
	if reused && zero {
		clear(buf)
	}
	return buf
}

// Reallocate resizes b: within a pooled buffer's capacity in place (the
// bytes it grows by zeroed), else into a new buffer, giving b back.
func (a *budgetAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) && isClass(cap(b)) {
		a.b.charge(int64(size - len(b)))
		if size > len(b) {
			clear(b[len(b):size])
		}
		return b[:size]
	}
	if size < minPooled {
		a.b.charge(int64(size - len(b)))
		return a.parent.Reallocate(size, b)
	}
	nb := a.allocate(size, false)
	n := copy(nb, b)
	clear(nb[n:])
	a.Free(b)
	return nb
}

// Free gives b back: to the pool when its capacity is a class size.
func (a *budgetAllocator) Free(b []byte) {
	a.b.charge(-int64(len(b)))
	if isClass(cap(b)) {
		a.b.pool.put(b)
		return
	}
	a.parent.Free(b)
}

// FormatBytes prints a byte count with a binary unit.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// ParseBytes parses sizes like 512MiB, 2GiB, 1.5GB or a plain byte count.
func ParseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	t := strings.TrimSpace(s)
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q is not a size (e.g. 512MiB, 2GiB)", s)
	}
	return int64(v * mult), nil
}
