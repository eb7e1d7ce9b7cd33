package stats

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/internal/cputest"
)

var shapes = []struct{ n, off int }{{0, 0}, {1, 0}, {3, 2}, {1024, 0}, {1024, 7}, {777, 3}}

// refMoments is the plain two-pass reference.

func refMoments(xs []float64) Moments {
	var m Moments
	var fin []float64
	for _, x := range xs {
		switch {
		case math.IsNaN(x):
			m.NaN++
		case math.IsInf(x, 0):
			m.Inf++
		default:
			fin = append(fin, x)
		}
	}
	if len(fin) == 0 {
		return m
	}
	m.N = int64(len(fin))
	m.Min, m.Max = fin[0], fin[0]
	var s float64
	for _, x := range fin {
		s += x
		m.Min = math.Min(m.Min, x)
		m.Max = math.Max(m.Max, x)
	}
	m.Mean = s / float64(len(fin))
	for _, x := range fin {
		m.M2 += (x - m.Mean) * (x - m.Mean)
	}
	return m
}

func checkMoments(t *testing.T, what string, got, want Moments, tol float64) {
	t.Helper()
	if got.N != want.N || got.Nulls != want.Nulls || got.NaN != want.NaN || got.Inf != want.Inf {
		t.Fatalf("%s: counts got %+v want %+v", what, got, want)
	}
	if !cputest.RelClose(got.Mean, want.Mean, tol) || !cputest.RelClose(got.M2, want.M2, tol) || got.Min != want.Min || got.Max != want.Max {
		t.Fatalf("%s: got %+v want %+v", what, got, want)
	}
}

func TestMomentsAgainstReference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []column.Type{column.TInt, column.TTime, column.TFloat, column.TBool} {
		// The last shape spans several tiles of the canonical order.
		for _, sh := range append(shapes, struct{ n, off int }{3*MomentsTile + 100, 5}) {
			for rep := 0; rep < 3; rep++ {
				c := cputest.GenCol(mem, rng, k, sh.n, sh.off, 0.2, 5000)
				sel := cputest.RandSel(rng, sh.n)
				var xs []float64
				nulls := int64(0)
				for _, i := range cputest.SelRows(sel, sh.n) {
					if !c.Valid[i] {
						nulls++
						continue
					}
					xs = append(xs, c.F(i))
				}
				want := refMoments(xs)
				want.Nulls = nulls
				var got Moments
				if err := got.Update(c.Arr, sel); err != nil {
					t.Fatal(err)
				}
				checkMoments(t, k.String(), got, want, 1e-12)
				c.Arr.Release()
			}
		}
	}
}

func TestMomentsNonFinite(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.AppendValues([]float64{1, math.NaN(), 3, math.Inf(1), math.Inf(-1), 5}, nil)
	b.AppendNull()
	a := b.NewArray()
	defer a.Release()
	var m Moments
	if err := m.Update(a, nil); err != nil {
		t.Fatal(err)
	}
	want := Moments{N: 3, Mean: 3, M2: 8, Min: 1, Max: 5, Nulls: 1, NaN: 1, Inf: 2}
	checkMoments(t, "non-finite", m, want, 0)
	if m.Var() != 4 || m.Std() != 2 {
		t.Fatalf("var %v std %v", m.Var(), m.Std())
	}
	if _, err := json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if v := (Moments{N: 1}).Var(); !math.IsNaN(v) {
		t.Fatalf("var of one value = %v, want NaN", v)
	}
	// log1p: x <= -1 counts as NaN.
	b.AppendValues([]float64{-1, -2, 0, math.E - 1}, nil)
	l := b.NewArray()
	defer l.Release()
	var lm Moments
	if err := lm.UpdateLog1p(l, nil); err != nil {
		t.Fatal(err)
	}
	if lm.N != 2 || lm.NaN != 2 || lm.Mean != 0.5 || lm.Min != 0 || lm.Max != 1 {
		t.Fatalf("log1p moments %+v", lm)
	}
}

func TestMomentsRejectsStrings(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	c := cputest.GenCol(mem, rand.New(rand.NewPCG(1, 1)), column.TStr, 4, 0, 0, 3)
	defer c.Arr.Release()
	var m Moments
	err := m.Update(c.Arr, nil)
	if err == nil || err.Error() != "moments: needs a numeric column (int64, float64, bool or timestamp), got string" {
		t.Fatalf("err = %v", err)
	}
}

func TestMomentsMergeEqualsSinglePass(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(3, 4))
	for rep := 0; rep < 20; rep++ {
		c := cputest.GenCol(mem, rng, column.TFloat, 3000, rng.IntN(5), 0.1, 5000)
		var whole Moments
		if err := whole.Update(c.Arr, nil); err != nil {
			t.Fatal(err)
		}
		var merged Moments
		for start := 0; start < 3000; {
			end := min(3000, start+1+rng.IntN(700))
			part := array.NewSlice(c.Arr, int64(start), int64(end))
			var p Moments
			if err := p.Update(part, nil); err != nil {
				t.Fatal(err)
			}
			merged.Merge(p)
			part.Release()
			start = end
		}
		checkMoments(t, "merge", merged, whole, 1e-12)
		c.Arr.Release()
	}
}

func TestMomentsLog1pAgainstReference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sh := range shapes {
		c := cputest.GenCol(mem, rng, column.TInt, sh.n, sh.off, 0.2, 50)
		sel := cputest.RandSel(rng, sh.n)
		var xs []float64
		for _, i := range cputest.SelRows(sel, sh.n) {
			if c.Valid[i] {
				x := c.F(i)
				if x <= -1 {
					xs = append(xs, math.NaN())
				} else {
					xs = append(xs, math.Log1p(x))
				}
			}
		}
		want := refMoments(xs)
		var got Moments
		if err := got.UpdateLog1p(c.Arr, sel); err != nil {
			t.Fatal(err)
		}
		want.Nulls = got.Nulls
		checkMoments(t, "log1p", got, want, 1e-12)
		c.Arr.Release()
	}
}
