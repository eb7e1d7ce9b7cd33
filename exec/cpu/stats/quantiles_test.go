package stats

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/internal/cputest"
)

// refQuantile is numpy's "linear" quantile of sorted xs.
func refQuantile(sorted []float64, p float64) float64 {
	r := p * float64(len(sorted)-1)
	lo := int(math.Floor(r))
	if lo+1 >= len(sorted) {
		return sorted[lo]
	}
	return sorted[lo] + (r-float64(lo))*(sorted[lo+1]-sorted[lo])
}

func TestQuantilesExactWithoutCompaction(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sh := range shapes[1:] {
		c := cputest.GenCol(mem, rng, column.TFloat, sh.n, sh.off, 0.2, 5000)
		sel := cputest.RandSel(rng, sh.n)
		var xs []float64
		for _, i := range cputest.SelRows(sel, sh.n) {
			if c.Valid[i] {
				xs = append(xs, c.Flts[i])
			}
		}
		slices.Sort(xs)
		q := NewQuantiles(4096)
		if err := q.Update(c.Arr, sel); err != nil {
			t.Fatal(err)
		}
		c.Arr.Release()
		if q.Err != 0 || q.N != int64(len(xs)) {
			t.Fatalf("n=%d: err %d N %d (want 0, %d)", sh.n, q.Err, q.N, len(xs))
		}
		for _, p := range []float64{0, 0.1, 0.25, 0.5, 0.9, 1} {
			if len(xs) == 0 {
				if !math.IsNaN(q.Quantile(p)) {
					t.Fatal("empty sketch should give NaN")
				}
				continue
			}
			if got, want := q.Quantile(p), refQuantile(xs, p); math.Abs(got-want) > 1e-9*math.Abs(want) {
				t.Fatalf("n=%d p=%v: got %v want %v", sh.n, p, got, want)
			}
		}
	}
}

// TestQuantilesRankBound checks |rank(returned) - pN| <= RankError·N on
// merged sketches of several distributions.
func TestQuantilesRankBound(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(9, 10))
	dists := map[string]func() float64{
		"uniform":    func() float64 { return rng.Float64() },
		"lognormal":  func() float64 { return math.Exp(rng.NormFloat64() * 2) },
		"duplicates": func() float64 { return float64(rng.IntN(7)) },
	}
	for name, gen := range dists {
		var all []float64
		total := NewQuantiles(64)
		for part := 0; part < 4; part++ {
			q := NewQuantiles(64)
			for batch := 0; batch < 5; batch++ {
				b := array.NewFloat64Builder(mem)
				for i := 0; i < 1000+part*37; i++ {
					x := gen()
					all = append(all, x)
					b.Append(x)
				}
				updateFrom(t, q, b)
			}
			total.Merge(q)
		}
		if bound := total.RankError(); bound > 0.2 {
			t.Fatalf("%s: bound %v is useless", name, bound)
		}
		checkRankBound(t, name, total, all)
	}
}

// checkRankBound checks that q compacted (Err > 0) over the values all
// (sorted here) and that every 5th percentile it gives lies within
// q.RankError() of its rank in all.
func checkRankBound(t *testing.T, name string, q *Quantiles, all []float64) {
	t.Helper()
	slices.Sort(all)
	n := float64(len(all))
	if q.N != int64(len(all)) || q.Err == 0 {
		t.Fatalf("%s: N %d (want %d) err %d", name, q.N, len(all), q.Err)
	}
	bound := q.RankError()
	for p := 0.0; p <= 1.0; p += 0.05 {
		v := q.Quantile(p)
		less := float64(sort.SearchFloat64s(all, v))
		le := float64(sort.Search(len(all), func(i int) bool { return all[i] > v }))
		dist := math.Max(0, math.Max(less-p*n, p*n-le))
		if dist > bound*n+1e-9 {
			t.Fatalf("%s p=%.2f: rank distance %v exceeds bound %v (err %d)", name, p, dist/n, bound, q.Err)
		}
	}
}

func TestQuantilesSerialise(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	c := cputest.GenCol(mem, rand.New(rand.NewPCG(1, 3)), column.TInt, 500, 0, 0.1, 100)
	defer c.Arr.Release()
	q := NewQuantiles(32)
	if err := q.Update(c.Arr, nil); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	var back Quantiles
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(q); err != nil {
		t.Fatal(err)
	}
	var gb Quantiles
	if err := gob.NewDecoder(&buf).Decode(&gb); err != nil {
		t.Fatal(err)
	}
	for _, p := range []float64{0, 0.3, 0.5, 1} {
		if back.Quantile(p) != q.Quantile(p) || gb.Quantile(p) != q.Quantile(p) || back.RankError() != q.RankError() {
			t.Fatalf("p=%v: round trip changed the sketch", p)
		}
	}
}

// UpdateCounts takes values with their counts: the sketch's N is the
// counts' sum; without a compaction its quantiles are the exact ones of
// the values repeated (numpy's linear quantile of the expanded list),
// whatever the counts (here up to 2^40, far past K); with compactions
// (more distinct values than K, across merged sketches, mixed with Update)
// every quantile's rank stays within RankError of the expanded list's.
func TestQuantilesUpdateCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	expand := func(lo int64, counts []int64) []float64 {
		var xs []float64
		for k, n := range counts {
			for range n {
				xs = append(xs, float64(lo+int64(k)))
			}
		}
		return xs
	}
	// Exact: few distinct values, small counts expanded as they are.
	for iter := range 30 {
		lo := int64(rng.IntN(200)) - 100
		counts := make([]int64, 1+rng.IntN(40))
		for k := range counts {
			if rng.IntN(3) > 0 {
				counts[k] = int64(rng.IntN(5000))
			}
		}
		q := NewQuantiles(1024)
		q.UpdateCounts(lo, counts)
		xs := expand(lo, counts)
		if q.N != int64(len(xs)) || q.Err != 0 {
			t.Fatalf("iter %d: N %d err %d, want %d and 0", iter, q.N, q.Err, len(xs))
		}
		for _, p := range []float64{0, 0.01, 0.25, 0.5, 0.75, 0.99, 1} {
			if len(xs) == 0 {
				continue
			}
			if got, want := q.Quantile(p), refQuantile(xs, p); got != want {
				t.Fatalf("iter %d p=%v: %v, want %v", iter, p, got, want)
			}
		}
	}
	// Exact with huge counts: the median of 2^40 copies of 5 and 2^40+3
	// copies of 9 is 9; its 0.49 quantile 5.
	q := NewQuantiles(8)
	q.UpdateCounts(5, []int64{1 << 40, 0, 0, 0, 1<<40 + 3})
	if q.Err != 0 || q.N != 1<<41+3 || q.Quantile(0.5) != 9 || q.Quantile(0.49) != 5 || q.Samples() > 2*42 {
		t.Fatalf("huge counts: err %d N %d median %v q49 %v samples %d", q.Err, q.N, q.Quantile(0.5), q.Quantile(0.49), q.Samples())
	}
	// Compacting: many distinct values, merged, beside per-row updates.
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	total := NewQuantiles(64)
	var all []float64
	for part := range 6 {
		q := NewQuantiles(64)
		for batch := range 4 {
			lo := int64(rng.IntN(1000))
			counts := make([]int64, 500+rng.IntN(500))
			for k := range counts {
				counts[k] = int64(rng.IntN(7))
			}
			q.UpdateCounts(lo, counts)
			all = append(all, expand(lo, counts)...)
			if (part+batch)%3 == 0 {
				b := array.NewInt64Builder(mem)
				for range 700 {
					v := rng.Int64N(3000)
					b.Append(v)
					all = append(all, float64(v))
				}
				updateFrom(t, q, b)
			}
		}
		total.Merge(q)
	}
	checkRankBound(t, "compacting", total, all)
}

// updateFrom updates q with the array b builds, and releases both.
func updateFrom(t *testing.T, q *Quantiles, b array.Builder) {
	t.Helper()
	a := b.NewArray()
	b.Release()
	defer a.Release()
	if err := q.Update(a, nil); err != nil {
		t.Fatal(err)
	}
}
