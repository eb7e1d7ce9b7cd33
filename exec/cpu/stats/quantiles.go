package stats

import (
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-ml/sluice/exec/cpu/column"
)

// Quantiles is a deterministic, mergeable quantile sketch over the finite,
// non-null values of a numeric column (nulls, NaN and ±Inf are skipped).
//
// Levels[h] holds samples of weight 2^h. Level 0 takes new values; when a
// level holds more than K samples it is compacted: sorted, cut into
// adjacent pairs (an odd last sample stays), and one sample of each pair,
// chosen by the level's parity bit (which then flips), moves up a level
// with double weight. For any x, a compaction of level h changes the
// weighted count of samples <= x (or < x) by at most 2^h, because at most
// one pair straddles x; Err adds up these 2^h over the sketch's history,
// including the histories of merged sketches. Hence for every x
//
//	|sketch rank(x) - true rank(x)| <= Err <= N·ceil(log2(N/K)+1)/K.
//
// The sketch is exact (Err == 0) until the first compaction. Merge appends
// the other sketch's levels and compacts; the result depends only on the
// order of updates and merges, not on timing. All fields are exported so
// the sketch serialises with encoding/json and encoding/gob.
type Quantiles struct {
	K      int         `json:"k"`      // per-level capacity
	N      int64       `json:"n"`      // finite values seen (total weight)
	Levels [][]float64 `json:"levels"` // Levels[h]: samples of weight 2^h
	Parity []uint8     `json:"parity"` // per-level pair choice for the next compaction
	Err    int64       `json:"err"`    // rank error bound in rows
}

// NewQuantiles returns an empty sketch that keeps at most maxSamples
// samples per level (at least 8), so memory is about
// maxSamples·log2(N/maxSamples) samples and the rank error at most
// log2(N/maxSamples)/maxSamples.
func NewQuantiles(maxSamples int) *Quantiles {
	if maxSamples < 8 {
		maxSamples = 8
	}
	return &Quantiles{K: maxSamples}
}

// Update adds the finite values of the selected, non-null rows of col
// (int64, float64, bool as 0/1, timestamp[us] as microseconds).
func (q *Quantiles) Update(col arrow.Array, sel []int32) error {
	if err := column.CheckSel(sel, col.Len()); err != nil {
		return err
	}
	if len(q.Levels) == 0 {
		q.Levels = [][]float64{nil}
		q.Parity = []uint8{0}
	}
	s := scratchPool.Get().(*sortScratch)
	defer scratchPool.Put(s)
	idx, dense, _ := column.RowsOf(col, sel, s.idx)
	s.idx = idx
	l0 := q.Levels[0]
	before := len(l0)
	switch a := col.(type) {
	case *array.Int64:
		l0 = appendFinite(l0, a.Int64Values(), idx, dense)
	case *array.Timestamp:
		l0 = appendFinite(l0, column.Int64Values(a), idx, dense)
	case *array.Float64:
		l0 = appendFinite(l0, a.Float64Values(), idx, dense)
	case *array.Boolean:
		bs := column.BoolBytes(a, nil)
		l0 = appendFinite(l0, bs, idx, dense)
	default:
		return fmt.Errorf("quantiles: needs a numeric column (int64, float64, bool or timestamp), got %s", column.TypeName(col.DataType()))
	}
	q.N += int64(len(l0) - before)
	q.Levels[0] = l0
	q.compact()
	return nil
}

// UpdateCounts adds counts[k] copies of the value lo+k for every k. A
// count is taken by its binary digits: the digit of place h is one sample
// of weight 2^h on level h, so n copies of a value cost at most
// log2(n)+1 samples and no rank error (an update adds what the same
// values one by one add to N, and the sketch stays exact until its first
// compaction). Values convert to float64 as Update converts int64s.
func (q *Quantiles) UpdateCounts(lo int64, counts []int64) {
	if len(q.Levels) == 0 {
		q.Levels = [][]float64{nil}
		q.Parity = []uint8{0}
	}
	for k, n := range counts {
		if n <= 0 {
			continue
		}
		v := float64(int64(uint64(lo) + uint64(k)))
		q.N += n
		for h := 0; n > 0; h, n = h+1, n>>1 {
			if n&1 == 0 {
				continue
			}
			for len(q.Levels) <= h {
				q.Levels = append(q.Levels, nil)
				q.Parity = append(q.Parity, 0)
			}
			q.Levels[h] = append(q.Levels[h], v)
		}
	}
	q.compact()
}

func appendFinite[T int64 | float64 | uint8](dst []float64, vals []T, idx []int32, dense bool) []float64 {
	if dense {
		for _, v := range vals {
			x := float64(v)
			if x-x == 0 {
				dst = append(dst, x)
			}
		}
		return dst
	}
	for _, i := range idx {
		x := float64(vals[i])
		if x-x == 0 {
			dst = append(dst, x)
		}
	}
	return dst
}

// compact compacts every level above capacity, lowest first.
func (q *Quantiles) compact() {
	for h := 0; h < len(q.Levels); h++ {
		if len(q.Levels[h]) <= q.K {
			continue
		}
		lv := q.Levels[h]
		sortSamples(lv)
		if h+1 == len(q.Levels) {
			q.Levels = append(q.Levels, nil)
			q.Parity = append(q.Parity, 0)
		}
		pairs := len(lv) / 2
		up := slices.Grow(q.Levels[h+1], pairs)
		p := int(q.Parity[h])
		dst := up[len(up) : len(up)+pairs]
		for j := range dst {
			dst[j] = lv[2*j+p]
		}
		q.Levels[h+1] = up[:len(up)+pairs]
		if len(lv)%2 == 1 {
			lv[0] = lv[len(lv)-1]
			q.Levels[h] = lv[:1]
		} else {
			q.Levels[h] = lv[:0]
		}
		q.Parity[h] ^= 1
		q.Err += int64(1) << uint(h)
	}
}

// Merge folds o into q (o is unchanged). Merge partials in a fixed order.
func (q *Quantiles) Merge(o *Quantiles) {
	if o == nil {
		return
	}
	if q.K == 0 {
		q.K = o.K
	}
	for len(q.Levels) < len(o.Levels) {
		q.Levels = append(q.Levels, nil)
		q.Parity = append(q.Parity, 0)
	}
	for h, lv := range o.Levels {
		q.Levels[h] = append(q.Levels[h], lv...)
		if h < len(o.Parity) {
			q.Parity[h] ^= o.Parity[h]
		}
	}
	q.N += o.N
	q.Err += o.Err
	q.compact()
}

// Quantile returns the p-quantile (p in [0,1]) by linear interpolation
// between the order statistics at positions floor(p·(N-1)) and the next
// (numpy's default "linear" method), reading the sketch's samples as
// weighted copies. It is exact while the sketch never compacted; NaN when
// the sketch is empty or p is outside [0,1].
func (q *Quantiles) Quantile(p float64) float64 {
	if q.N == 0 || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	type ws struct {
		v float64
		w int64
	}
	var all []ws
	for h, lv := range q.Levels {
		for _, v := range lv {
			all = append(all, ws{v, int64(1) << uint(h)})
		}
	}
	slices.SortFunc(all, func(a, b ws) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	r := p * float64(q.N-1)
	lo := int64(math.Floor(r))
	frac := r - float64(lo)
	// orderStat returns the sample covering 0-based weighted rank k.
	var cum int64
	j := 0
	orderStat := func(k int64) float64 {
		for j < len(all)-1 && cum+all[j].w <= k {
			cum += all[j].w
			j++
		}
		return all[j].v
	}
	a := orderStat(lo)
	if frac == 0 || lo+1 >= q.N {
		return a
	}
	b := orderStat(lo + 1)
	return a + frac*(b-a)
}

// RankError is the guaranteed bound on |rank(returned) - p·N| / N for
// this sketch's history, where rank(returned) is any rank the returned
// value holds among the true values: (Err + 1) / N (the 1 covers the
// interpolation position p·(N-1)); 0 for an empty sketch.
func (q *Quantiles) RankError() float64 {
	if q.N == 0 {
		return 0
	}
	return float64(q.Err+1) / float64(q.N)
}

// Samples returns how many samples the sketch holds.
func (q *Quantiles) Samples() int {
	n := 0
	for _, lv := range q.Levels {
		n += len(lv)
	}
	return n
}
