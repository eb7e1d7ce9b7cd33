package launch

import (
	"fmt"
	"math"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// WindowPicks is the outcome of a window collection: per window the rows
// of its group below it, and the rows kept in windows as (window, row)
// pairs in row order (a row's windows ascending).
type WindowPicks struct {
	Below    []int64
	Win, Row []int32
}

// CollectWindows is split.Collector.Add's per-row work on the device, over
// the collector's window table (split.Collector.Index: group g's windows
// are start[g]..start[g+1], window w spans H with H-lo[w] <= width[w]); a
// nil group puts every row in group 0, and rows of a group outside the
// table count nowhere. Each piece of the batch is counted (the below
// counts and the picks per tile), the host sums the tiles' picks into
// offsets, and the picks are written in row order; a piece that does not
// fit in device memory is halved, down to 256 rows, then the call
// answers device.ErrFallback.
func (k *Kernels) CollectWindows(start []int32, lo, width []uint64, group []int32, h []uint64) (WindowPicks, error) {
	n, nwin := len(h), len(lo)
	p := WindowPicks{Below: make([]int64, nwin)}
	if group != nil && len(group) != n {
		return p, fmt.Errorf("gpu: windows: lengths differ: group %d, h %d", len(group), n)
	}
	if len(width) != nwin || (len(start) > 0 && int(start[len(start)-1]) != nwin) {
		return p, fmt.Errorf("gpu: windows: malformed window table: %d group starts, %d windows, %d widths", len(start), nwin, len(width))
	}
	if n > math.MaxInt32 {
		return p, fmt.Errorf("gpu: windows: %d rows: at most %d allowed (int32 rows)", n, math.MaxInt32)
	}
	if n == 0 || nwin == 0 || len(start) < 2 {
		return p, nil
	}
	block, maxGrid := k.dev.Shape()
	per := 16
	if k.dev.Emulated() {
		// A launch starts a thread per thread of the block there, and a
		// barrier is an OS thread wake-up: few threads, long runs.
		block, per = min(block, 8), 2048
	}
	tile := block * per
	table := [][]byte{device.AsBytes(start), device.AsBytes(lo), device.AsBytes(width)}
	below := make([]uint64, nwin)
	err := k.Chunked("gpu: windows", n, func(b *Buffers, plo, phi int) error {
		m := phi - plo
		var g device.DevPtr
		var err error
		if group != nil {
			if g, err = b.In(device.AsBytes(group[plo:phi])); err != nil {
				return err
			}
		}
		hp, err := b.In(device.AsBytes(h[plo:phi]))
		if err != nil {
			return err
		}
		var tab [3]device.DevPtr
		for i, t := range table {
			if tab[i], err = b.In(t); err != nil {
				return err
			}
		}
		bp, err := b.In(device.AsBytes(below)) // the counts so far: a retried piece adds to them once
		if err != nil {
			return err
		}
		tiles := (m + tile - 1) / tile
		cp, err := b.Alloc(tiles * 8)
		if err != nil {
			return err
		}
		grid := min(tiles, maxGrid)
		ng := uint64(len(start) - 1)
		if err := k.dev.Launch("k_window_count", grid, block, uint64(g), uint64(hp), uint64(m), uint64(tab[0]), ng,
			uint64(tab[1]), uint64(tab[2]), uint64(nwin), uint64(per), uint64(bp), uint64(cp), uint64(tiles)); err != nil {
			return err
		}
		counts := make([]uint64, tiles)
		if err := k.dev.CopyOut(device.AsBytes(counts), cp); err != nil {
			return err
		}
		var total uint64
		for i, c := range counts { // exclusive prefix sum of the tiles' picks
			counts[i] = total
			total += c
		}
		pieceBelow := make([]uint64, nwin)
		if err := k.dev.CopyOut(device.AsBytes(pieceBelow), bp); err != nil {
			return err
		}
		var win, row []int32
		if total > 0 {
			if err := k.dev.CopyIn(cp, device.AsBytes(counts)); err != nil {
				return err
			}
			wp, err := b.Alloc(int(total) * 4)
			if err != nil {
				return err
			}
			rp, err := b.Alloc(int(total) * 4)
			if err != nil {
				return err
			}
			if err := k.dev.Launch("k_window_pick", grid, block, uint64(g), uint64(hp), uint64(m), uint64(tab[0]), ng,
				uint64(tab[1]), uint64(tab[2]), uint64(per), uint64(cp), uint64(tiles), uint64(wp), uint64(rp)); err != nil {
				return err
			}
			win, row = make([]int32, total), make([]int32, total)
			if err := k.dev.CopyOut(device.AsBytes(win), wp); err != nil {
				return err
			}
			if err := k.dev.CopyOut(device.AsBytes(row), rp); err != nil {
				return err
			}
		}
		// The piece is complete: only now does it change the result.
		copy(below, pieceBelow)
		for j := range row {
			row[j] += int32(plo)
		}
		p.Win, p.Row = append(p.Win, win...), append(p.Row, row...)
		return nil
	})
	if err != nil {
		return WindowPicks{Below: make([]int64, nwin)}, err
	}
	for w, c := range below {
		p.Below[w] = int64(c)
	}
	return p, nil
}
