package launch

import (
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluice-ml/sluice/exec/split"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// DeviceBatch is a batch of rows whose columns stay in device memory
// across consecutive GPU operators: the row-hash → split-assignment →
// transform chain reads and writes device buffers by name, and only what
// the caller asks for (Uint64, Int32, Apply's output) is copied back.
// Results equal the host API's (and so the CPU engine's). A DeviceBatch
// is not split on device out-of-memory: its calls then fail with an error
// wrapping device.ErrFallback, and the caller runs the batch through the host
// API or the CPU engine. A DeviceBatch is not safe for concurrent use;
// Release frees its device memory.
type DeviceBatch struct {
	k    *Kernels
	n    int
	b    *Buffers
	cols map[string]*DevCol
}

// DevCol is one resident column: an Arrow column (values and validity,
// with the host array retained for the output validity) or a plain
// vector of uint64 (width 8) or int32 (width 4).
type DevCol struct {
	Layout      Column // the layout: kind and bit offsets (host slices unused)
	Vals, Valid device.DevPtr
	Host        arrow.Array
	Width       int
}

// NewDeviceBatch returns an empty batch of n rows on the kernels' device.
func (k *Kernels) NewDeviceBatch(n int) (*DeviceBatch, error) {
	if n < 0 {
		return nil, fmt.Errorf("gpu: device batch of %d rows", n)
	}
	b, err := k.NewBuffers()
	if err != nil {
		return nil, NoPool("gpu: device batch", err)
	}
	return &DeviceBatch{k: k, n: n, b: b, cols: map[string]*DevCol{}}, nil
}

// Len is the batch's number of rows.
func (d *DeviceBatch) Len() int { return d.n }

// Release frees the batch's device memory and host references.
func (d *DeviceBatch) Release() error {
	for _, c := range d.cols {
		if c.Host != nil {
			c.Host.Release()
		}
	}
	clear(d.cols)
	return d.b.Free()
}

// Fallback marks out-of-memory as a fallback: a resident batch cannot be
// split.
func Fallback(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, device.ErrOutOfMemory) {
		return fmt.Errorf("%s: %w (%v)", what, device.ErrFallback, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func (d *DeviceBatch) put(name string, c *DevCol) {
	if old := d.cols[name]; old != nil && old.Host != nil {
		old.Host.Release()
	}
	d.cols[name] = c
}

// Kernels returns the kernels the batch lives on.
func (d *DeviceBatch) Kernels() *Kernels { return d.k }

// Get returns the resident column name: an Arrow column (width 0) or a
// vector of width-byte values.
func (d *DeviceBatch) Get(name string, width int) (*DevCol, error) {
	c, ok := d.cols[name]
	switch {
	case !ok:
		return nil, fmt.Errorf("gpu: device batch has no column %q", name)
	case width > 0 && c.Width != width:
		return nil, fmt.Errorf("gpu: device batch column %q is not a vector of %d-byte values", name, width)
	case width == 0 && c.Width != 0:
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
	c, err := ColumnOf("gpu: device batch: column "+name, col)
	if err != nil {
		return err
	}
	vals, valid, err := c.Upload(d.b)
	if err != nil {
		return Fallback("gpu: device batch: column "+name, err)
	}
	col.Retain()
	d.put(name, &DevCol{Layout: Column{Kind: c.Kind, VOff: c.VOff, NOff: c.NOff, N: c.N}, Vals: vals, Valid: valid, Host: col})
	return nil
}

func (d *DeviceBatch) putVector(name string, data []byte, width, n int) error {
	if n != d.n {
		return fmt.Errorf("gpu: device batch: vector %q has %d rows, the batch %d", name, n, d.n)
	}
	p, err := d.b.Alloc(len(data))
	if err == nil {
		err = d.k.dev.CopyIn(p, data)
	}
	if err != nil {
		return Fallback("gpu: device batch: vector "+name, err)
	}
	d.put(name, &DevCol{Vals: p, Width: width})
	return nil
}

// PutUint64 uploads a vector of uint64 (row keys, row ids) under name.
func (d *DeviceBatch) PutUint64(name string, v []uint64) error {
	return d.putVector(name, device.AsBytes(v), 8, len(v))
}

// PutInt32 uploads a vector of int32 (split groups) under name.
func (d *DeviceBatch) PutInt32(name string, v []int32) error {
	return d.putVector(name, device.AsBytes(v), 4, len(v))
}

// vector returns a resident vector, or allocates it when missing.
func (d *DeviceBatch) vector(name string, width int) (device.DevPtr, error) {
	if c, ok := d.cols[name]; ok && c.Width == width {
		return c.Vals, nil
	}
	p, err := d.b.Alloc(d.n * width)
	if err != nil {
		return 0, err
	}
	d.put(name, &DevCol{Vals: p, Width: width})
	return p, nil
}

// Uint64 copies the uint64 vector name back to out.
func (d *DeviceBatch) Uint64(name string, out []uint64) error {
	c, err := d.Get(name, 8)
	if err != nil {
		return err
	}
	if len(out) != d.n {
		return fmt.Errorf("gpu: device batch: out has %d entries for %d rows", len(out), d.n)
	}
	return d.k.dev.CopyOut(device.AsBytes(out), c.Vals)
}

// Int32 copies the int32 vector name back to out.
func (d *DeviceBatch) Int32(name string, out []int32) error {
	c, err := d.Get(name, 4)
	if err != nil {
		return err
	}
	if len(out) != d.n {
		return fmt.Errorf("gpu: device batch: out has %d entries for %d rows", len(out), d.n)
	}
	return d.k.dev.CopyOut(device.AsBytes(out), c.Vals)
}

// RowHashes is Kernels.RowHashes on resident vectors: the uint64 vector
// keys in, the vectors h and (when h2 is not "") h2 written on the device.
func (d *DeviceBatch) RowHashes(seed uint64, keys, h, h2 string) error {
	kc, err := d.Get(keys, 8)
	if err != nil {
		return err
	}
	hp, err := d.vector(h, 8)
	if err != nil {
		return Fallback("gpu: device batch: row hashes", err)
	}
	var h2p device.DevPtr
	if h2 != "" {
		if h2p, err = d.vector(h2, 8); err != nil {
			return Fallback("gpu: device batch: row hashes", err)
		}
	}
	if d.n == 0 {
		return nil
	}
	return d.k.LaunchRows("k_seeded2", d.n, seed, uint64(kc.Vals), uint64(hp), uint64(h2p), uint64(d.n))
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
	var gc *DevCol
	if group != "" {
		if gc, err = d.Get(group, 4); err != nil {
			return err
		}
	}
	hc, err := d.Get(h, 8)
	if err != nil {
		return err
	}
	rc, err := d.Get(rowid, 8)
	if err != nil {
		return err
	}
	op, err := d.vector(out, 4)
	if err != nil {
		return Fallback("gpu: device batch: split", err)
	}
	if d.n == 0 {
		return nil
	}
	bad := []uint64{math.MaxUint64}
	err = d.k.Resident("gpu: device batch: split", func(bf *Buffers) error {
		var cuts [3]device.DevPtr
		for i, in := range t.inputs() {
			if cuts[i], err = bf.In(in); err != nil {
				return err
			}
		}
		bp, err := bf.Alloc(8)
		if err != nil {
			return err
		}
		var gp device.DevPtr
		if gc != nil {
			gp = gc.Vals
		}
		if err := d.k.launchAssign(d.k.dev, &t, cuts, gp, hc.Vals, rc.Vals, op, bp, d.n); err != nil {
			return err
		}
		return d.k.dev.CopyOut(device.AsBytes(bad), bp)
	})
	if err != nil {
		return err
	}
	if bad[0] != math.MaxUint64 {
		g := make([]int32, d.n)
		if err := d.k.dev.CopyOut(device.AsBytes(g), gc.Vals); err != nil {
			return err
		}
		return fmt.Errorf("gpu: split: split: Assign: row %d has group %d, the table has groups 0..%d", bad[0], g[bad[0]], len(t.off)-2)
	}
	return nil
}

// Resident runs fn with scratch buffers freed afterwards; out of memory
// wraps device.ErrFallback.
func (k *Kernels) Resident(what string, fn func(b *Buffers) error) error {
	b, err := k.NewBuffers()
	if err != nil {
		return NoPool(what, err)
	}
	err = fn(b)
	return Fallback(what, errors.Join(err, b.Free()))
}
