package gpu

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// minChunk is the smallest batch Kernels splits down to after device
// out-of-memory before giving up with ErrFallback.
const minChunk = 256

// Kernels runs the GPU kernels on one device with the semantics of the
// CPU engine's functions (exec/cpu, hashing, exec/split). A batch that
// does not fit in device memory is split in halves and retried; when even
// a small piece does not fit, the error wraps ErrFallback and the caller
// runs the batch on the CPU. Kernels is safe for concurrent use when its
// device is.
type Kernels struct {
	dev Device
}

// NewKernels returns the kernels of dev.
func NewKernels(dev Device) *Kernels { return &Kernels{dev: dev} }

// Device returns the device the kernels run on.
func (k *Kernels) Device() Device { return k.dev }

// chunked runs fn over [0, n) in pieces, halving the piece size after
// ErrOutOfMemory; each piece's device memory is freed before the next.
func (k *Kernels) chunked(what string, n int, fn func(b *buffers, lo, hi int) error) error {
	size := n
	for lo := 0; lo < n; {
		hi := min(lo+size, n)
		b := &buffers{dev: k.dev}
		err := fn(b, lo, hi)
		if ferr := b.free(); err == nil {
			err = ferr
		}
		if errors.Is(err, ErrOutOfMemory) {
			if size <= minChunk {
				return fmt.Errorf("%s: %d rows: %w (%v)", what, hi-lo, ErrFallback, err)
			}
			size = max(size/2, minChunk)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		lo = hi
	}
	return nil
}

// launchRows launches a grid-stride kernel over n rows.
func (k *Kernels) launchRows(kernel string, n int, args ...uint64) error {
	block, maxGrid := k.dev.Shape()
	grid := min((n+block-1)/block, maxGrid)
	return k.dev.Launch(kernel, max(grid, 1), block, args...)
}

// FileRows fills out[i] = hashing.FileRow(file, first+i).
func (k *Kernels) FileRows(file uint64, first int64, out []uint64) error {
	return k.chunked("gpu: file rows", len(out), func(b *buffers, lo, hi int) error {
		o, err := b.alloc((hi - lo) * 8)
		if err != nil {
			return err
		}
		if err := k.launchRows("k_file_rows", hi-lo, file, I64(first+int64(lo)), uint64(o), uint64(hi-lo)); err != nil {
			return err
		}
		return k.dev.CopyOut(asBytes(out[lo:hi]), o)
	})
}

// RowHashes fills h[i] = hashing.Seeded(seed, keys[i]) (the split hash)
// and, when h2 is not nil, h2[i] = hashing.Seeded(seed^hashing.ShardTag,
// keys[i]) (the shard-order hash). h and h2 must be as long as keys.
func (k *Kernels) RowHashes(seed uint64, keys, h, h2 []uint64) error {
	if len(h) != len(keys) || (h2 != nil && len(h2) != len(keys)) {
		return fmt.Errorf("gpu: row hashes: lengths differ: keys %d, h %d, h2 %d", len(keys), len(h), len(h2))
	}
	return k.chunked("gpu: row hashes", len(keys), func(b *buffers, lo, hi int) error {
		n := hi - lo
		kp, err := b.in(asBytes(keys[lo:hi]))
		if err != nil {
			return err
		}
		hp, err := b.alloc(n * 8)
		if err != nil {
			return err
		}
		var h2p DevPtr
		if h2 != nil {
			if h2p, err = b.alloc(n * 8); err != nil {
				return err
			}
		}
		if err := k.launchRows("k_seeded2", n, seed, uint64(kp), uint64(hp), uint64(h2p), uint64(n)); err != nil {
			return err
		}
		if err := k.dev.CopyOut(asBytes(h[lo:hi]), hp); err != nil {
			return err
		}
		if h2 != nil {
			return k.dev.CopyOut(asBytes(h2[lo:hi]), h2p)
		}
		return nil
	})
}

// HashColumn is hashing.Column for int64, timestamp[us], float64 and bool
// columns: out[i] = the value hash of row i, hashing.NullTag for nulls.
// Dictionary strings are unsupported (ErrUnsupported): their xxHash64 is
// computed per dictionary entry on the CPU.
func (k *Kernels) HashColumn(col arrow.Array, out []uint64) error {
	c, err := columnOf("gpu: hash", col)
	if err != nil {
		return err
	}
	if len(out) < c.n {
		return fmt.Errorf("gpu: hash: out has %d entries for %d rows", len(out), c.n)
	}
	return k.chunked("gpu: hash", c.n, func(b *buffers, lo, hi int) error {
		p := c.part(lo, hi)
		vals, valid, err := p.upload(b)
		if err != nil {
			return err
		}
		o, err := b.alloc(p.n * 8)
		if err != nil {
			return err
		}
		if err := k.launchRows("k_hash_values", p.n, uint64(vals), uint64(p.kind), uint64(p.voff), uint64(valid), uint64(p.noff), uint64(o), uint64(p.n)); err != nil {
			return err
		}
		return k.dev.CopyOut(asBytes(out[lo:hi]), o)
	})
}
