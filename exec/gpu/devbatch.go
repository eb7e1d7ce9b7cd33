package gpu

import (
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/split"
)

// DeviceBatch is a batch of rows whose columns stay in device memory
// across consecutive GPU operators: the row-hash → split-assignment →
// transform chain reads and writes device buffers by name, and only what
// the caller asks for (Uint64, Int32, Apply's output) is copied back.
// Results equal the host API's (and so the CPU engine's). A DeviceBatch
// is not split on device out-of-memory: its calls then fail with an error
// wrapping ErrFallback, and the caller runs the batch through the host
// API or the CPU engine. A DeviceBatch is not safe for concurrent use;
// Release frees its device memory.
type DeviceBatch struct {
	k    *Kernels
	n    int
	b    *buffers
	cols map[string]*devCol
}

// devCol is one resident column: an Arrow column (values and validity,
// with the host array retained for the output validity) or a plain
// vector of uint64 (width 8) or int32 (width 4).
type devCol struct {
	c           column // the layout: kind and bit offsets (host slices unused)
	vals, valid DevPtr
	host        arrow.Array
	width       int
}

// NewDeviceBatch returns an empty batch of n rows on the kernels' device.
func (k *Kernels) NewDeviceBatch(n int) (*DeviceBatch, error) {
	if n < 0 {
		return nil, fmt.Errorf("gpu: device batch of %d rows", n)
	}
	b, err := k.newBuffers()
	if err != nil {
		return nil, noPool("gpu: device batch", err)
	}
	return &DeviceBatch{k: k, n: n, b: b, cols: map[string]*devCol{}}, nil
}

// Len is the batch's number of rows.
func (d *DeviceBatch) Len() int { return d.n }

// Release frees the batch's device memory and host references.
func (d *DeviceBatch) Release() error {
	for _, c := range d.cols {
		if c.host != nil {
			c.host.Release()
		}
	}
	clear(d.cols)
	return d.b.free()
}

// fallback marks out-of-memory as a fallback: a resident batch cannot be
// split.
func fallback(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrOutOfMemory) {
		return fmt.Errorf("%s: %w (%v)", what, ErrFallback, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func (d *DeviceBatch) put(name string, c *devCol) {
	if old := d.cols[name]; old != nil && old.host != nil {
		old.host.Release()
	}
	d.cols[name] = c
}

func (d *DeviceBatch) get(name string, width int) (*devCol, error) {
	c, ok := d.cols[name]
	switch {
	case !ok:
		return nil, fmt.Errorf("gpu: device batch has no column %q", name)
	case width > 0 && c.width != width:
		return nil, fmt.Errorf("gpu: device batch column %q is not a vector of %d-byte values", name, width)
	case width == 0 && c.width != 0:
		return nil, fmt.Errorf("gpu: device batch column %q is not an Arrow column", name)
	}
	return c, nil
}

// PutColumn uploads an int64, timestamp[us], float64 or bool column (its
// values and validity) under name.
func (d *DeviceBatch) PutColumn(name string, col arrow.Array) error {
	if col.Len() != d.n {
		return fmt.Errorf("gpu: device batch: column %q has %d rows, the batch %d", name, col.Len(), d.n)
	}
	c, err := columnOf("gpu: device batch: column "+name, col)
	if err != nil {
		return err
	}
	vals, valid, err := c.upload(d.b)
	if err != nil {
		return fallback("gpu: device batch: column "+name, err)
	}
	col.Retain()
	d.put(name, &devCol{c: column{kind: c.kind, voff: c.voff, noff: c.noff, n: c.n}, vals: vals, valid: valid, host: col})
	return nil
}

func (d *DeviceBatch) putVector(name string, data []byte, width, n int) error {
	if n != d.n {
		return fmt.Errorf("gpu: device batch: vector %q has %d rows, the batch %d", name, n, d.n)
	}
	p, err := d.b.alloc(len(data))
	if err == nil {
		err = d.k.dev.CopyIn(p, data)
	}
	if err != nil {
		return fallback("gpu: device batch: vector "+name, err)
	}
	d.put(name, &devCol{vals: p, width: width})
	return nil
}

// PutUint64 uploads a vector of uint64 (row keys, row ids) under name.
func (d *DeviceBatch) PutUint64(name string, v []uint64) error {
	return d.putVector(name, asBytes(v), 8, len(v))
}

// PutInt32 uploads a vector of int32 (split groups) under name.
func (d *DeviceBatch) PutInt32(name string, v []int32) error {
	return d.putVector(name, asBytes(v), 4, len(v))
}

// vector returns a resident vector, or allocates it when missing.
func (d *DeviceBatch) vector(name string, width int) (DevPtr, error) {
	if c, ok := d.cols[name]; ok && c.width == width {
		return c.vals, nil
	}
	p, err := d.b.alloc(d.n * width)
	if err != nil {
		return 0, err
	}
	d.put(name, &devCol{vals: p, width: width})
	return p, nil
}

// Uint64 copies the uint64 vector name back to out.
func (d *DeviceBatch) Uint64(name string, out []uint64) error {
	c, err := d.get(name, 8)
	if err != nil {
		return err
	}
	if len(out) != d.n {
		return fmt.Errorf("gpu: device batch: out has %d entries for %d rows", len(out), d.n)
	}
	return d.k.dev.CopyOut(asBytes(out), c.vals)
}

// Int32 copies the int32 vector name back to out.
func (d *DeviceBatch) Int32(name string, out []int32) error {
	c, err := d.get(name, 4)
	if err != nil {
		return err
	}
	if len(out) != d.n {
		return fmt.Errorf("gpu: device batch: out has %d entries for %d rows", len(out), d.n)
	}
	return d.k.dev.CopyOut(asBytes(out), c.vals)
}

// RowHashes is Kernels.RowHashes on resident vectors: the uint64 vector
// keys in, the vectors h and (when h2 is not "") h2 written on the device.
func (d *DeviceBatch) RowHashes(seed uint64, keys, h, h2 string) error {
	kc, err := d.get(keys, 8)
	if err != nil {
		return err
	}
	hp, err := d.vector(h, 8)
	if err != nil {
		return fallback("gpu: device batch: row hashes", err)
	}
	var h2p DevPtr
	if h2 != "" {
		if h2p, err = d.vector(h2, 8); err != nil {
			return fallback("gpu: device batch: row hashes", err)
		}
	}
	if d.n == 0 {
		return nil
	}
	return d.k.launchRows("k_seeded2", d.n, seed, uint64(kc.vals), uint64(hp), uint64(h2p), uint64(d.n))
}

// AssignSplits is Kernels.AssignSplits on resident vectors: the int32
// vector group ("" for group 0 everywhere), the uint64 vectors h and
// rowid in, the int32 vector out written on the device. The boundary
// table and the error slot are the only copies.
func (d *DeviceBatch) AssignSplits(b *split.Boundaries, group, h, rowid, out string) error {
	t, err := compileCuts(b)
	if err != nil {
		return err
	}
	if d.n > 0 && len(t.off) == 1 {
		return fmt.Errorf("split: Assign: rows in group 0, but the table has no groups")
	}
	var gc *devCol
	if group != "" {
		if gc, err = d.get(group, 4); err != nil {
			return err
		}
	}
	hc, err := d.get(h, 8)
	if err != nil {
		return err
	}
	rc, err := d.get(rowid, 8)
	if err != nil {
		return err
	}
	op, err := d.vector(out, 4)
	if err != nil {
		return fallback("gpu: device batch: split", err)
	}
	if d.n == 0 {
		return nil
	}
	bad := []uint64{math.MaxUint64}
	err = d.k.resident("gpu: device batch: split", func(bf *buffers) error {
		var cuts [3]DevPtr
		for i, in := range t.inputs() {
			if cuts[i], err = bf.in(in); err != nil {
				return err
			}
		}
		bp, err := bf.alloc(8)
		if err != nil {
			return err
		}
		var gp DevPtr
		if gc != nil {
			gp = gc.vals
		}
		if err := d.k.launchAssign(d.k.dev, &t, cuts, gp, hc.vals, rc.vals, op, bp, d.n); err != nil {
			return err
		}
		return d.k.dev.CopyOut(asBytes(bad), bp)
	})
	if err != nil {
		return err
	}
	if bad[0] != math.MaxUint64 {
		g := make([]int32, d.n)
		if err := d.k.dev.CopyOut(asBytes(g), gc.vals); err != nil {
			return err
		}
		return fmt.Errorf("gpu: split: split: Assign: row %d has group %d, the table has groups 0..%d", bad[0], g[bad[0]], len(t.off)-2)
	}
	return nil
}

// Apply is Kernels.Apply on the resident column col: only the output
// comes back (the bucketize boundaries are the only other copy).
func (d *DeviceBatch) Apply(name string, f *cpu.Fitted, col string, mem memory.Allocator) ([]arrow.Field, []arrow.Array, error) {
	c, err := d.get(col, 0)
	if err != nil {
		return nil, nil, err
	}
	return d.k.apply(name, f, c.host, mem, c)
}

// resident runs fn with scratch buffers freed afterwards; out of memory
// wraps ErrFallback.
func (k *Kernels) resident(what string, fn func(b *buffers) error) error {
	b, err := k.newBuffers()
	if err != nil {
		return noPool(what, err)
	}
	err = fn(b)
	return fallback(what, errors.Join(err, b.free()))
}
