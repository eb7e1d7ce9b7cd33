package launch

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// compactPer is the rows each thread of a compaction block owns.
const compactPer = 16

// Compact is stream compaction of a boolean mask: it appends to out (and
// returns) the ascending indices of the rows that are true and not null
// (a null mask row is false, as in SQL). The indices are exact.
func (k *Kernels) Compact(mask arrow.Array, out []int32) ([]int32, error) {
	if _, ok := mask.(*array.Boolean); !ok {
		return out, fmt.Errorf("compact: mask type %s: needs bool", mask.DataType())
	}
	c, err := ColumnOf("compact", mask)
	if err != nil {
		return out, err
	}
	base := len(out)
	err = k.Chunked("compact", c.N, func(b *Buffers, lo, hi int) error {
		out = out[:base]
		p := c.Part(lo, hi)
		vals, valid, err := p.Upload(b)
		if err != nil {
			return err
		}
		out, err = k.CompactDevice(b, vals, p.VOff, valid, p.NOff, p.N, lo, out)
		base = len(out)
		return err
	})
	return out, err
}

// CompactDevice compacts a mask bitmap already on the device (n rows at
// bit voff; validity at bit noff, 0 for none) and appends the selected
// row indices plus lo to out.
func (k *Kernels) CompactDevice(b *Buffers, vals device.DevPtr, voff int, valid device.DevPtr, noff, n, lo int, out []int32) ([]int32, error) {
	if n == 0 {
		return out, nil
	}
	block, _ := k.dev.Shape()
	tile := block * compactPer
	grid := (n + tile - 1) / tile
	cp, err := b.Alloc(grid * 8)
	if err != nil {
		return out, err
	}
	args := []uint64{uint64(vals), uint64(voff), uint64(valid), uint64(noff), uint64(n), compactPer}
	if err := k.dev.Launch("k_compact_count", grid, block, append(args, uint64(cp))...); err != nil {
		return out, err
	}
	counts := make([]uint64, grid)
	if err := k.dev.CopyOut(device.AsBytes(counts), cp); err != nil {
		return out, err
	}
	var total uint64
	for i, v := range counts { // exclusive prefix sum of the block counts
		counts[i] = total
		total += v
	}
	if total == 0 {
		return out, nil
	}
	if err := k.dev.CopyIn(cp, device.AsBytes(counts)); err != nil {
		return out, err
	}
	op, err := b.Alloc(int(total) * 4)
	if err != nil {
		return out, err
	}
	if err := k.dev.Launch("k_compact_scatter", grid, block, append(args, uint64(cp), uint64(op))...); err != nil {
		return out, err
	}
	idx := make([]int32, total)
	if err := k.dev.CopyOut(device.AsBytes(idx), op); err != nil {
		return out, err
	}
	for _, i := range idx {
		out = append(out, i+int32(lo))
	}
	return out, nil
}
