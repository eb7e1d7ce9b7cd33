package aggregate

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluice-ml/sluice/exec/cpu/stats"

	"github.com/sluice-ml/sluice/exec/gpu/device"

	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

// Moments is stats.Moments.Update's batch partial on the device: the
// partial of the selected rows of col (sel nil: every row; sel ascending,
// inside the column), which the caller merges into its running partial.
// One block of stats.MomentsLanes threads reduces each tile of
// stats.MomentsTile rows in the canonical order, whatever the device's
// usual block shape, and the tiles' partials merge on the host in tile
// order, so the result has the CPU engine's bits.
func Moments(k *launch.Kernels, col arrow.Array, sel []int32) (stats.Moments, error) {
	return moments(k, col, sel, false)
}

// MomentsLog1p is stats.Moments.UpdateLog1p on the device: the partial of
// log1p(x), with x < -1 and x = -1 counted as NaN.
func MomentsLog1p(k *launch.Kernels, col arrow.Array, sel []int32) (stats.Moments, error) {
	return moments(k, col, sel, true)
}

func moments(k *launch.Kernels, col arrow.Array, sel []int32, log bool) (stats.Moments, error) {
	var m stats.Moments
	c, err := launch.ColumnOf("moments", col)
	if err != nil {
		return m, err
	}
	if len(sel) > 0 && (sel[0] < 0 || int(sel[len(sel)-1]) >= c.N) {
		return m, fmt.Errorf("selection vector out of range: rows %d..%d for an array of %d rows", sel[0], sel[len(sel)-1], c.N)
	}
	rows := c.N
	if sel != nil {
		rows = len(sel)
	}
	check := device.Bool(c.Kind == launch.KindFloat64 || log)
	// The column is uploaded whole (selected rows index into it); the
	// selection is split into chunks of whole tiles.
	err = k.ChunkedAligned("moments", rows, stats.MomentsTile, func(b *launch.Buffers, lo, hi int) error {
		p := c
		var sp device.DevPtr
		var err error
		if sel != nil {
			if sp, err = b.In(device.AsBytes(sel[lo:hi])); err != nil {
				return err
			}
		} else {
			p = c.Part(lo, hi)
		}
		vals, valid, err := p.Upload(b)
		if err != nil {
			return err
		}
		n := hi - lo
		grid := (n + stats.MomentsTile - 1) / stats.MomentsTile
		fo, err := b.Alloc(grid * 32)
		if err != nil {
			return err
		}
		io, err := b.Alloc(grid * 32)
		if err != nil {
			return err
		}
		if err := k.Device().Launch("k_moments", grid, stats.MomentsLanes, uint64(vals), uint64(p.Kind), uint64(p.VOff), uint64(valid), uint64(p.NOff),
			uint64(sp), uint64(n), stats.MomentsTile, check, device.Bool(log), uint64(fo), uint64(io)); err != nil {
			return err
		}
		fs := make([]float64, grid*4)
		is := make([]int64, grid*4)
		if err := k.Device().CopyOut(device.AsBytes(fs), fo); err != nil {
			return err
		}
		if err := k.Device().CopyOut(device.AsBytes(is), io); err != nil {
			return err
		}
		for g := 0; g < grid; g++ {
			m.Merge(stats.Moments{N: is[4*g], NaN: is[4*g+1], Inf: is[4*g+2], Nulls: is[4*g+3],
				Mean: fs[4*g], M2: fs[4*g+1], Min: fs[4*g+2], Max: fs[4*g+3]})
		}
		return nil
	})
	if err != nil {
		return stats.Moments{}, err
	}
	return m, nil
}
