package stats

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/internal/cputest"
)

// refQuantilesUpdate, refQuantilesCompact and refQuantilesMerge are the
// sketch as first written (sort every level with slices.Sort, append the
// chosen half): the oracle the fast compaction must match bit for bit.
func refQuantilesUpdate(q *Quantiles, col arrow.Array, sel []int32) error {
	if err := column.CheckSel(sel, col.Len()); err != nil {
		return err
	}
	if len(q.Levels) == 0 {
		q.Levels = [][]float64{nil}
		q.Parity = []uint8{0}
	}
	idx, dense, _ := column.RowsOf(col, sel, nil)
	l0 := q.Levels[0]
	before := len(l0)
	switch a := col.(type) {
	case *array.Int64:
		l0 = refAppendFinite(l0, a.Int64Values(), idx, dense)
	case *array.Float64:
		l0 = refAppendFinite(l0, a.Float64Values(), idx, dense)
	default:
		return fmt.Errorf("reference sketch: unsupported %s", col.DataType())
	}
	q.N += int64(len(l0) - before)
	q.Levels[0] = l0
	refQuantilesCompact(q)
	return nil
}

func refAppendFinite[T int64 | float64](dst []float64, vals []T, idx []int32, dense bool) []float64 {
	if dense {
		idx = nil
		for i := range vals {
			idx = append(idx, int32(i))
		}
	}
	for _, i := range idx {
		x := float64(vals[i])
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			dst = append(dst, x)
		}
	}
	return dst
}

func refQuantilesCompact(q *Quantiles) {
	for h := 0; h < len(q.Levels); h++ {
		if len(q.Levels[h]) <= q.K {
			continue
		}
		lv := q.Levels[h]
		slices.Sort(lv)
		if h+1 == len(q.Levels) {
			q.Levels = append(q.Levels, nil)
			q.Parity = append(q.Parity, 0)
		}
		up := q.Levels[h+1]
		pairs := len(lv) / 2
		p := int(q.Parity[h])
		for j := 0; j < pairs; j++ {
			up = append(up, lv[2*j+p])
		}
		q.Levels[h+1] = up
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

func refQuantilesMerge(q, o *Quantiles) {
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
	refQuantilesCompact(q)
}

// sameSketch reports the first difference between two sketches, comparing
// samples by their bits (so -0 and +0 differ) and nil levels against empty
// ones (they serialise differently).
func sameSketch(got, want *Quantiles) error {
	if got.K != want.K || got.N != want.N || got.Err != want.Err {
		return fmt.Errorf("K/N/Err %d/%d/%d, want %d/%d/%d", got.K, got.N, got.Err, want.K, want.N, want.Err)
	}
	if !slices.Equal(got.Parity, want.Parity) || (got.Parity == nil) != (want.Parity == nil) {
		return fmt.Errorf("parity %v, want %v", got.Parity, want.Parity)
	}
	if len(got.Levels) != len(want.Levels) || (got.Levels == nil) != (want.Levels == nil) {
		return fmt.Errorf("%d levels, want %d", len(got.Levels), len(want.Levels))
	}
	for h := range want.Levels {
		g, w := got.Levels[h], want.Levels[h]
		if len(g) != len(w) || (g == nil) != (w == nil) {
			return fmt.Errorf("level %d: %d samples (nil %v), want %d (nil %v)", h, len(g), g == nil, len(w), w == nil)
		}
		for i := range w {
			if math.Float64bits(g[i]) != math.Float64bits(w[i]) {
				return fmt.Errorf("level %d sample %d: %v, want %v", h, i, g[i], w[i])
			}
		}
	}
	for _, p := range []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1} {
		if g, w := got.Quantile(p), want.Quantile(p); math.Float64bits(g) != math.Float64bits(w) {
			return fmt.Errorf("quantile(%v) = %v, want %v", p, g, w)
		}
	}
	gj, err := json.Marshal(got)
	if err != nil {
		return err
	}
	wj, err := json.Marshal(want)
	if err != nil {
		return err
	}
	if string(gj) != string(wj) {
		return fmt.Errorf("JSON differs")
	}
	return nil
}

// sketchGen draws float64 inputs of one shape.
type sketchGen struct {
	name string
	f    func(rng *rand.Rand, i int) float64
}

var sketchGens = []sketchGen{
	{"normal", func(rng *rand.Rand, _ int) float64 { return rng.NormFloat64()*100 + 1e3 }},
	{"few distinct", func(rng *rand.Rand, _ int) float64 { return float64(rng.IntN(5)) - 2 }},
	{"signed zeros", func(rng *rand.Rand, _ int) float64 {
		return []float64{0, math.Copysign(0, -1), 1, -1, 0.5}[rng.IntN(5)]
	}},
	{"negative zero only", func(rng *rand.Rand, _ int) float64 {
		return []float64{math.Copysign(0, -1), 2, -3, 1e-300}[rng.IntN(4)]
	}},
	{"specials", func(rng *rand.Rand, _ int) float64 {
		return []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64,
			math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 1e-310, rng.NormFloat64()}[rng.IntN(9)]
	}},
	{"ascending", func(_ *rand.Rand, i int) float64 { return float64(i) }},
	{"descending", func(_ *rand.Rand, i int) float64 { return float64(-i) }},
	{"constant", func(_ *rand.Rand, _ int) float64 { return 7 }},
	{"wide", func(rng *rand.Rand, _ int) float64 {
		return math.Float64frombits(rng.Uint64()) // any bits: NaN and Inf are skipped
	}},
	{"sawtooth", func(rng *rand.Rand, i int) float64 { return float64(i%37) + rng.Float64() }},
}

// sketchBatch builds a float64 array (nulls with probability nullP) from
// gen, starting at position start.
func sketchBatch(mem memory.Allocator, rng *rand.Rand, g sketchGen, start, n int, nullP float64) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	for i := 0; i < n; i++ {
		if rng.Float64() < nullP {
			b.AppendNull()
		} else {
			b.Append(g.f(rng, start+i))
		}
	}
	return b.NewArray()
}

func TestQuantilesMatchReference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(21, 22))
	for _, g := range sketchGens {
		for _, k := range []int{8, 13, 64, 500} {
			for _, batch := range []int{1, 7, 100, 2000} {
				got, want := NewQuantiles(k), NewQuantiles(k)
				total := 0
				for total < 12*k+3*batch {
					n := 1 + rng.IntN(batch)
					a := sketchBatch(mem, rng, g, total, n, 0.1)
					var sel []int32
					if rng.IntN(3) == 0 {
						sel = cputest.RandSel(rng, n)
					}
					if err := got.Update(a, sel); err != nil {
						t.Fatal(err)
					}
					if err := refQuantilesUpdate(want, a, sel); err != nil {
						t.Fatal(err)
					}
					a.Release()
					total += n
				}
				if err := sameSketch(got, want); err != nil {
					t.Fatalf("%s K=%d batch=%d: %v", g.name, k, batch, err)
				}
			}
		}
	}
}

func TestQuantilesMergeMatchesReference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(23, 24))
	for _, g := range sketchGens {
		for _, k := range []int{8, 50, 300} {
			got, want := NewQuantiles(k), NewQuantiles(k)
			for part := 0; part < 6; part++ {
				pg, pw := NewQuantiles(k), NewQuantiles(k)
				for b := rng.IntN(4); b >= 0; b-- {
					n := rng.IntN(40 * k)
					a := sketchBatch(mem, rng, g, part*1000+b, n, 0)
					if err := pg.Update(a, nil); err != nil {
						t.Fatal(err)
					}
					if err := refQuantilesUpdate(pw, a, nil); err != nil {
						t.Fatal(err)
					}
					a.Release()
				}
				if err := sameSketch(pg, pw); err != nil {
					t.Fatalf("%s K=%d part %d: %v", g.name, k, part, err)
				}
				got.Merge(pg)
				refQuantilesMerge(want, pw)
				if err := sameSketch(got, want); err != nil {
					t.Fatalf("%s K=%d after merging part %d: %v", g.name, k, part, err)
				}
			}
		}
	}
}

// TestQuantilesInt64MatchesReference feeds int64 columns, whose large
// values round when converted to float64.
func TestQuantilesInt64MatchesReference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(25, 26))
	for _, span := range []int64{900, 1 << 40, math.MaxInt64} {
		got, want := NewQuantiles(64), NewQuantiles(64)
		for b := 0; b < 20; b++ {
			ib := array.NewInt64Builder(mem)
			for i := rng.IntN(3000); i >= 0; i-- {
				ib.Append(rng.Int64N(span) - span/2)
			}
			a := ib.NewArray()
			ib.Release()
			if err := got.Update(a, nil); err != nil {
				t.Fatal(err)
			}
			if err := refQuantilesUpdate(want, a, nil); err != nil {
				t.Fatal(err)
			}
			a.Release()
		}
		if err := sameSketch(got, want); err != nil {
			t.Fatalf("span %d: %v", span, err)
		}
	}
}

// TestSortSamples checks the level sort against slices.Sort bit for bit on
// levels made of a chosen number of sorted runs, including values a
// decoded sketch could hold (NaN, ±Inf) and both zeros.
func TestSortSamples(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	pools := [][]float64{
		{1, 2, 3, 4, 5},
		{math.Inf(-1), -1, 0, 1, math.Inf(1), math.MaxFloat64, -math.SmallestNonzeroFloat64},
		{math.Copysign(0, -1), 0, 1},
		{math.NaN(), 1, 2, math.Float64frombits(0x7ff8000000000123)},
		{math.Copysign(0, -1), -2, 5},
	}
	for iter := 0; iter < 3000; iter++ {
		n := rng.IntN(300)
		var lv []float64
		runs := 1 + rng.IntN(20)
		pool := pools[rng.IntN(len(pools))]
		wide := rng.IntN(2) == 0
		for r := 0; r < runs; r++ {
			var run []float64
			for i := rng.IntN(n/runs + 2); i > 0; i-- {
				x := pool[rng.IntN(len(pool))]
				if wide {
					x = rng.NormFloat64() * math.Exp(rng.NormFloat64()*20)
				}
				run = append(run, x)
			}
			if rng.IntN(4) > 0 {
				slices.Sort(run)
			}
			lv = append(lv, run...)
		}
		want := slices.Clone(lv)
		slices.Sort(want)
		sortSamples(lv)
		for i := range want {
			if math.Float64bits(lv[i]) != math.Float64bits(want[i]) {
				t.Fatalf("iter %d: sample %d = %v, want %v", iter, i, lv[i], want[i])
			}
		}
	}
}

// TestSortSamplesLarge checks raw levels of up to 300K samples against
// slices.Sort bit for bit: few distinct values (counted), just over the
// counting limit (it gives up midway, in the last samples or at the
// first), and many (radix-sorted).
func TestSortSamplesLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	for iter := 0; iter < 40; iter++ {
		n := []int{40, 1000, 40_000, 300_000}[iter%4]
		distinct := []int{1, 2, 7, 66, maxDistinctSort, maxDistinctSort + 1, n/16 + 1, n}[rng.IntN(8)]
		pool := make([]float64, distinct)
		for i := range pool {
			switch iter % 3 {
			case 0:
				pool[i] = float64(rng.IntN(1_000_000) - 500_000)
			case 1:
				pool[i] = 40.7 + rng.NormFloat64()*0.05
			default:
				pool[i] = rng.NormFloat64() * math.Exp(rng.NormFloat64()*20)
			}
		}
		pool[0] = math.Copysign(0, -1) // one zero, the negative one
		lv := make([]float64, n)
		last := distinct > 1 && rng.IntN(2) == 0 // one value only in the last sample
		for i := range lv {
			if last {
				lv[i] = pool[rng.IntN(distinct-1)]
			} else {
				lv[i] = pool[rng.IntN(distinct)]
			}
		}
		if last {
			lv[n-1] = pool[distinct-1]
		}
		want := slices.Clone(lv)
		slices.Sort(want)
		sortSamples(lv)
		for i := range want {
			if math.Float64bits(lv[i]) != math.Float64bits(want[i]) {
				t.Fatalf("iter %d (n %d, %d distinct): sample %d = %v, want %v", iter, n, distinct, i, lv[i], want[i])
			}
		}
	}
}

func TestFloatKeyOrder(t *testing.T) {
	xs := []float64{math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64, math.Copysign(0, -1), 0,
		math.SmallestNonzeroFloat64, 1, math.MaxFloat64, math.Inf(1)}
	for i, x := range xs {
		if back := keyFloat(floatKey(x)); math.Float64bits(back) != math.Float64bits(x) {
			t.Fatalf("%v round trips to %v", x, back)
		}
		if i > 0 && floatKey(xs[i-1]) >= floatKey(x) {
			t.Fatalf("key(%v) >= key(%v)", xs[i-1], x)
		}
	}
}
