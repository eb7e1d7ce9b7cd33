package stats

import (
	"math"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// The canonical reduction order of a batch's moments, which every engine
// follows so that fitted statistics have the same bits on each:
//
//   - the batch's selected rows (every row when there is no selection), in
//     order, are cut into tiles of MomentsTile rows (the last may be
//     shorter);
//   - in a tile, lane l (0 ≤ l < MomentsLanes) accumulates, in row order,
//     the tile's rows l, l+MomentsLanes, l+2·MomentsLanes, …, skipping
//     nulls and (for float64 and log1p values) NaN and ±Inf;
//   - the lanes' counts, sums, minima and maxima combine in a fixed tree:
//     for s = MomentsLanes/2, …, 2, 1, lane l < s takes lane l+s;
//   - the tile's mean is sum/count; a second pass of the same shape sums
//     the squared deviations d² and the deviations d from it, and the
//     tile's mean and M2 are corrected by them (corrected two-pass);
//   - the tiles' partials merge in tile order with Merge, starting from an
//     empty partial; that batch partial merges into the running one.
//
// A device runs one thread block of MomentsLanes threads per tile; the
// host code below performs the same operations in the same order.
const (
	MomentsTile  = 4096
	MomentsLanes = 32
)

// tileSource is one column's values as the tiles read them.
type tileSource struct {
	ints   []int64   // int64 and timestamp columns
	floats []float64 // float64 columns
	bools  []byte    // bool columns, one byte per row
	valid  []byte    // validity bitmap (nil: no nulls), bit voff+row
	voff   int
	check  bool // skip and count NaN and ±Inf
	log    bool // log1p(x) instead of x; -Inf counts as NaN
}

// tileScratch holds one tile's values and which of them count.
type tileScratch struct {
	x  [MomentsTile]float64
	ok [MomentsTile]bool
}

var tilePool = sync.Pool{New: func() any { return new(tileScratch) }}

// batchMoments reduces the selected rows of src (sel nil: rows 0..n-1) in
// the canonical order.
func batchMoments(src *tileSource, sel []int32, n int) Moments {
	rows := n
	if sel != nil {
		rows = len(sel)
	}
	t := tilePool.Get().(*tileScratch)
	defer tilePool.Put(t)
	var b Moments
	for lo := 0; lo < rows; lo += MomentsTile {
		hi := min(lo+MomentsTile, rows)
		var p Moments
		switch {
		case src.ints != nil:
			fillTile(t, src, src.ints, sel, lo, hi, &p)
		case src.floats != nil:
			fillTile(t, src, src.floats, sel, lo, hi, &p)
		default:
			fillTile(t, src, src.bools, sel, lo, hi, &p)
		}
		tileMoments(t, hi-lo, &p)
		b.Merge(p)
	}
	return b
}

// fillTile loads rows [lo, hi) of the selection into t as float64 (log1p
// when src.log), marking the ones that count and counting in p the nulls,
// NaN and ±Inf it skips.
func fillTile[T int64 | float64 | uint8](t *tileScratch, src *tileSource, vals []T, sel []int32, lo, hi int, p *Moments) {
	for i := lo; i < hi; i++ {
		r := i
		if sel != nil {
			r = int(sel[i])
		}
		k := i - lo
		t.ok[k] = false
		if src.valid != nil && !bitutil.BitIsSet(src.valid, src.voff+r) {
			p.Nulls++
			continue
		}
		x := float64(vals[r])
		if src.log {
			x = math.Log1p(x)
		}
		if src.check && x-x != 0 {
			if x != x || (src.log && x < 0) {
				p.NaN++
			} else {
				p.Inf++
			}
			continue
		}
		t.x[k], t.ok[k] = x, true
	}
}

// tileMoments fills p's N, Mean, M2, Min and Max from the first n entries
// of t (see the canonical order above).
func tileMoments(t *tileScratch, n int, p *Moments) {
	const L = MomentsLanes
	var cnt [L]int64
	var sum, lo, hi [L]float64
	for l := range L {
		lo[l], hi[l] = math.Inf(1), math.Inf(-1)
	}
	add := func(l int, x float64) {
		cnt[l]++
		sum[l] += x
		if x < lo[l] {
			lo[l] = x
		}
		if x > hi[l] {
			hi[l] = x
		}
	}
	full := n / L * L
	for base := 0; base < full; base += L {
		xs, oks := (*[L]float64)(t.x[base:base+L]), (*[L]bool)(t.ok[base:base+L])
		for l, x := range xs {
			if oks[l] {
				add(l, x)
			}
		}
	}
	for i := full; i < n; i++ {
		if t.ok[i] {
			add(i-full, t.x[i])
		}
	}
	for s := L / 2; s > 0; s >>= 1 {
		for l := 0; l < s; l++ {
			cnt[l] += cnt[l+s]
			sum[l] += sum[l+s]
			if lo[l+s] < lo[l] {
				lo[l] = lo[l+s]
			}
			if hi[l+s] > hi[l] {
				hi[l] = hi[l+s]
			}
		}
	}
	if cnt[0] == 0 {
		return
	}
	dn := float64(cnt[0])
	mean := sum[0] / dn
	var m2, corr [L]float64
	dev := func(l int, x float64) {
		d := x - mean
		m2[l] += float64(d * d) // the conversion forbids a fused multiply-add
		corr[l] += d
	}
	for base := 0; base < full; base += L {
		xs, oks := (*[L]float64)(t.x[base:base+L]), (*[L]bool)(t.ok[base:base+L])
		for l, x := range xs {
			if oks[l] {
				dev(l, x)
			}
		}
	}
	for i := full; i < n; i++ {
		if t.ok[i] {
			dev(i-full, t.x[i])
		}
	}
	for s := L / 2; s > 0; s >>= 1 {
		for l := 0; l < s; l++ {
			m2[l] += m2[l+s]
			corr[l] += corr[l+s]
		}
	}
	mean += corr[0] / dn
	v := m2[0] - float64(corr[0]*corr[0])/dn
	if v < 0 {
		v = 0
	}
	p.N, p.Mean, p.M2, p.Min, p.Max = cnt[0], mean, v, lo[0], hi[0]
}
