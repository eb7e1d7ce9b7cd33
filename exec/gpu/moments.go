package gpu

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluice-ml/sluice/exec/cpu"
)

// momentsTile is the rows one block summarises; block partials merge on
// the host in block order.
const momentsTile = 4096

// Moments is cpu.Moments.Update on the device: the partial of the selected
// rows of col (sel nil: every row; sel ascending, inside the column).
// Counts, Min and Max equal the CPU's; Mean and M2 are reduced per block
// of 4096 rows in a fixed tree and merged in block order with Chan's
// formula, so they agree with the CPU within rounding (a relative 1e-12 of
// the data's scale) and are the same on every run.
func (k *Kernels) Moments(col arrow.Array, sel []int32) (cpu.Moments, error) {
	return k.moments(col, sel, false)
}

// MomentsLog1p is cpu.Moments.UpdateLog1p on the device: the partial of
// log1p(x), with x < -1 and x = -1 counted as NaN.
func (k *Kernels) MomentsLog1p(col arrow.Array, sel []int32) (cpu.Moments, error) {
	return k.moments(col, sel, true)
}

func (k *Kernels) moments(col arrow.Array, sel []int32, log bool) (cpu.Moments, error) {
	var m cpu.Moments
	c, err := columnOf("moments", col)
	if err != nil {
		return m, err
	}
	if len(sel) > 0 && (sel[0] < 0 || int(sel[len(sel)-1]) >= c.n) {
		return m, fmt.Errorf("selection vector out of range: rows %d..%d for an array of %d rows", sel[0], sel[len(sel)-1], c.n)
	}
	rows := c.n
	if sel != nil {
		rows = len(sel)
	}
	check := b2u(c.kind == kindFloat64 || log)
	block, _ := k.dev.Shape()
	// The column is uploaded whole (selected rows index into it); the
	// selection is split into tiles of blocks.
	err = k.chunked("moments", rows, func(b *buffers, lo, hi int) error {
		p := c
		var sp DevPtr
		var err error
		if sel != nil {
			if sp, err = b.in(asBytes(sel[lo:hi])); err != nil {
				return err
			}
		} else {
			p = c.part(lo, hi)
		}
		vals, valid, err := p.upload(b)
		if err != nil {
			return err
		}
		n := hi - lo
		grid := (n + momentsTile - 1) / momentsTile
		fo, err := b.alloc(grid * 32)
		if err != nil {
			return err
		}
		io, err := b.alloc(grid * 32)
		if err != nil {
			return err
		}
		if err := k.dev.Launch("k_moments", grid, block, uint64(vals), uint64(p.kind), uint64(p.voff), uint64(valid), uint64(p.noff),
			uint64(sp), uint64(n), momentsTile, check, b2u(log), uint64(fo), uint64(io)); err != nil {
			return err
		}
		fs := make([]float64, grid*4)
		is := make([]int64, grid*4)
		if err := k.dev.CopyOut(asBytes(fs), fo); err != nil {
			return err
		}
		if err := k.dev.CopyOut(asBytes(is), io); err != nil {
			return err
		}
		for g := 0; g < grid; g++ {
			m.Merge(cpu.Moments{N: is[4*g], NaN: is[4*g+1], Inf: is[4*g+2], Nulls: is[4*g+3],
				Mean: fs[4*g], M2: fs[4*g+1], Min: fs[4*g+2], Max: fs[4*g+3]})
		}
		return nil
	})
	if err != nil {
		return cpu.Moments{}, err
	}
	return m, nil
}
