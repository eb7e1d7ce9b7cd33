package launch

import (
	"errors"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// minChunk is the smallest batch Kernels splits down to after device
// out-of-memory before giving up with device.ErrFallback.
const minChunk = 256

// Kernels runs the GPU kernels on one device with the semantics of the
// CPU engine's functions (exec/cpu, hashing, exec/split). A batch that
// does not fit in device memory is split in halves and retried; when even
// a small piece does not fit, the error wraps device.ErrFallback and the caller
// runs the batch on the CPU. Kernels is safe for concurrent use when its
// device is.
type Kernels struct {
	dev       device.Device
	opts      Options
	mu        sync.Mutex
	pool      *device.Pool
	pipes     chan *pipeSet // idle stream pairs with their staging buffers
	poolErr   error
	chunkRows int
}

// Options tune Kernels; zero values pick the defaults.
type Options struct {
	// PoolBytes is the device memory pool's size; 0 sizes it from the
	// device's free memory (see device.NewPool).
	PoolBytes int64
	// ChunkRows is the largest piece of a batch one stream handles at a
	// time; pieces alternate between two streams so that the copies of
	// one overlap the kernels of the other. 0: 1<<20 rows on a real GPU,
	// 1<<15 on the emulated device.
	ChunkRows int
}

// NewKernels returns the kernels of dev with the default options.
func NewKernels(dev device.Device) *Kernels { return NewKernelsWith(dev, Options{}) }

// NewKernelsWith returns the kernels of dev. The memory pool is allocated
// on first use; Close returns it.
func NewKernelsWith(dev device.Device, o Options) *Kernels {
	k := &Kernels{dev: dev, opts: o, pipes: make(chan *pipeSet, 4), chunkRows: o.ChunkRows}
	if k.chunkRows <= 0 {
		k.chunkRows = 1 << 20
		if dev.Emulated() {
			k.chunkRows = 1 << 15
		}
	}
	k.chunkRows = max(k.chunkRows, minChunk)
	return k
}

// Pool returns the kernels' device memory pool, allocating it on first use.
func (k *Kernels) Pool() (*device.Pool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.pool == nil && k.poolErr == nil {
		k.pool, k.poolErr = device.NewPool(k.dev, k.opts.PoolBytes)
	}
	return k.pool, k.poolErr
}

// Close releases the streams, the staging buffers and the memory pool
// (not the device). Kernels must not be used after Close.
func (k *Kernels) Close() error {
	var errs []error
	for {
		select {
		case ps := <-k.pipes:
			errs = append(errs, ps.close())
			continue
		default:
		}
		break
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.pool != nil {
		errs = append(errs, k.pool.Close())
		k.pool = nil
	}
	return errors.Join(errs...)
}

// NewBuffers returns an empty buffer set on the pool.
func (k *Kernels) NewBuffers() (*Buffers, error) {
	p, err := k.Pool()
	if err != nil {
		return nil, err
	}
	return &Buffers{dev: k.dev, pool: p}, nil
}

// Device.Device returns the device the kernels run on.
func (k *Kernels) Device() device.Device { return k.dev }

// Chunked runs fn over [0, n) in pieces, halving the piece size after
// device.ErrOutOfMemory; each piece's device memory is freed before the next.
func (k *Kernels) Chunked(what string, n int, fn func(b *Buffers, lo, hi int) error) error {
	return k.ChunkedAligned(what, n, 1, fn)
}

// ChunkedAligned is Chunked with every chunk but the last a multiple of
// align rows, for kernels whose result depends on where tiles start.
func (k *Kernels) ChunkedAligned(what string, n, align int, fn func(b *Buffers, lo, hi int) error) error {
	size, least := n, max(minChunk, align)
	for lo := 0; lo < n; {
		hi := min(lo+size, n)
		b, err := k.NewBuffers()
		if err != nil {
			return NoPool(what, err)
		}
		err = fn(b, lo, hi)
		if ferr := b.Free(); err == nil {
			err = ferr
		}
		if errors.Is(err, device.ErrOutOfMemory) {
			if size <= least {
				return fmt.Errorf("%s: %d rows: %w (%v)", what, hi-lo, device.ErrFallback, err)
			}
			size = max(size/2/align*align, least)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		lo = hi
	}
	return nil
}

// NoPool is the error of a call whose memory pool cannot be allocated:
// always device.ErrFallback (a typed answer the fallback wrapper runs on the CPU,
// not a task failure).
func NoPool(what string, err error) error {
	return fmt.Errorf("%s: no device memory pool: %w (%w)", what, device.ErrFallback, err)
}

// LaunchRows launches a grid-stride kernel over n rows on the device.
func (k *Kernels) LaunchRows(kernel string, n int, args ...uint64) error {
	return k.LaunchOn(k.dev, kernel, n, args...)
}

// LaunchOn launches a grid-stride kernel over n rows on l (a stream or
// the device).
func (k *Kernels) LaunchOn(l device.Launcher, kernel string, n int, args ...uint64) error {
	block, maxGrid := k.dev.Shape()
	grid := min((n+block-1)/block, maxGrid)
	return l.Launch(kernel, max(grid, 1), block, args...)
}

// FileRows fills out[i] = hashing.FileRow(file, first+i).
func (k *Kernels) FileRows(file uint64, first int64, out []uint64) error {
	return k.Pipelined("gpu: file rows", len(out), func(lo, hi int) (ins, outs [][]byte) {
		return nil, [][]byte{device.AsBytes(out[lo:hi])}
	}, func(s device.Stream, _ *Buffers, _, o []device.DevPtr, lo, hi int) error {
		return k.LaunchOn(s, "k_file_rows", hi-lo, file, device.I64(first+int64(lo)), uint64(o[0]), uint64(hi-lo))
	})
}

// RowHashes fills h[i] = hashing.Seeded(seed, keys[i]) (the split hash)
// and, when h2 is not nil, h2[i] = hashing.Seeded(seed^hashing.ShardTag,
// keys[i]) (the shard-order hash). h and h2 must be as long as keys.
func (k *Kernels) RowHashes(seed uint64, keys, h, h2 []uint64) error {
	if len(h) != len(keys) || (h2 != nil && len(h2) != len(keys)) {
		return fmt.Errorf("gpu: row hashes: lengths differ: keys %d, h %d, h2 %d", len(keys), len(h), len(h2))
	}
	return k.Pipelined("gpu: row hashes", len(keys), func(lo, hi int) (ins, outs [][]byte) {
		outs = [][]byte{device.AsBytes(h[lo:hi])}
		if h2 != nil {
			outs = append(outs, device.AsBytes(h2[lo:hi]))
		}
		return [][]byte{device.AsBytes(keys[lo:hi])}, outs
	}, func(s device.Stream, b *Buffers, in, o []device.DevPtr, lo, hi int) error {
		var h2p device.DevPtr
		if h2 != nil {
			h2p = o[1]
		}
		return k.LaunchOn(s, "k_seeded2", hi-lo, seed, uint64(in[0]), uint64(o[0]), uint64(h2p), uint64(hi-lo))
	})
}

// HashColumn is hashing.Column on the device: out[i] = the value hash of
// row i (hashing.NullTag for nulls) of an int64, timestamp[us], float64,
// bool, string, large_string or dictionary<int32, utf8> column; strings
// hash with xxHash64 of their bytes (dictionaries per entry, then mapped
// through the indices), bit for bit.
func (k *Kernels) HashColumn(col arrow.Array, out []uint64) error {
	if len(out) < col.Len() {
		return fmt.Errorf("gpu: hash: out has %d entries for %d rows", len(out), col.Len())
	}
	if IsStringColumn(col) {
		return k.hashStrings(col, out[:col.Len()])
	}
	c, err := ColumnOf("gpu: hash", col)
	if err != nil {
		return err
	}
	return k.Pipelined("gpu: hash", c.N, func(lo, hi int) (ins, outs [][]byte) {
		p := c.Part(lo, hi)
		return [][]byte{p.Vals, p.Valid}, [][]byte{device.AsBytes(out[lo:hi])}
	}, func(s device.Stream, b *Buffers, in, o []device.DevPtr, lo, hi int) error {
		p := c.Part(lo, hi)
		return k.LaunchOn(s, "k_hash_values", p.N, uint64(in[0]), uint64(p.Kind), uint64(p.VOff), uint64(in[1]), uint64(p.NOff), uint64(o[0]), uint64(p.N))
	})
}
