package gpu

import (
	"github.com/sluice-ml/sluice/exec/gpu/aggregate"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
	"github.com/sluice-ml/sluice/exec/gpu/transform"
	"math"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/cpu/stats"

	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

func fp(x float64) *float64 { return &x }

// fitted is the table of transforms the conformance suite applies.
func fitted() map[string]*feature.Fitted {
	seven := &column.Value{Kind: column.KindInt64, I: 7}
	half := &column.Value{Kind: column.KindFloat64, F: 0.5}
	return map[string]*feature.Fitted{
		"identity":       {Transform: "identity"},
		"zscore":         {Transform: "zscore", Mean: 1000.25, Std: 301.7},
		"zscore-fill":    {Transform: "zscore", Mean: 1000.25, Std: 301.7, Fill: half},
		"zscore-std0":    {Transform: "zscore", Mean: 3, Std: 0},
		"zscore-stdnan":  {Transform: "zscore", Mean: 3, Std: math.NaN()},
		"log1p":          {Transform: "log1p", Mean: 6.1, Std: 0.37},
		"log1p-fill":     {Transform: "log1p", Mean: 6.1, Std: 0.37, Fill: seven},
		"minmax":         {Transform: "minmax", Min: -5.5, Max: 2001},
		"minmax-flat":    {Transform: "minmax", Min: 4, Max: 4},
		"clip":           {Transform: "clip", ClipMin: fp(500), ClipMax: fp(1500)},
		"clip-low":       {Transform: "clip", ClipMin: fp(0.25)},
		"clip-fill":      {Transform: "clip", ClipMax: fp(3), Fill: seven},
		"bucketize":      {Transform: "bucketize", Boundaries: []float64{0, 1e-10, 700, 1000, 1300, 1.7e15}},
		"bucketize-none": {Transform: "bucketize"},
		"bucketize-fill": {Transform: "bucketize", Boundaries: []float64{5, 900}, Fill: half},
		"hash":           {Transform: "hash", Buckets: 1024},
		"hash-fill":      {Transform: "hash", Buckets: 97, Fill: seven},
		"hash-fill-half": {Transform: "hash", Buckets: 97, Fill: half},
		"hash-1":         {Transform: "hash", Buckets: 1},
	}
}

// sameArrays compares two Apply outputs: type, length, nulls, validity
// bits, and every value slot (float32 by bits, NaN = NaN).
func sameArrays(t *testing.T, what string, got, want arrow.Array) {
	t.Helper()
	if !arrow.TypeEqual(got.DataType(), want.DataType()) || got.Len() != want.Len() || got.NullN() != want.NullN() {
		t.Fatalf("%s: got %s len %d nulls %d, want %s len %d nulls %d", what, got.DataType(), got.Len(), got.NullN(), want.DataType(), want.Len(), want.NullN())
	}
	for i := 0; i < got.Len(); i++ {
		if got.IsNull(i) != want.IsNull(i) {
			t.Fatalf("%s: row %d: null %v, want %v", what, i, got.IsNull(i), want.IsNull(i))
		}
	}
	switch w := want.(type) {
	case *array.Float32:
		gv := got.(*array.Float32).Float32Values()
		for i, x := range w.Float32Values() {
			y := gv[i]
			if math.Float32bits(x) != math.Float32bits(y) && !(x != x && y != y) {
				t.Fatalf("%s: row %d: %v (%#x), want %v (%#x)", what, i, y, math.Float32bits(y), x, math.Float32bits(x))
			}
		}
	case *array.Int32:
		if !slices.Equal(got.(*array.Int32).Int32Values(), w.Int32Values()) {
			t.Fatalf("%s: int32 values differ", what)
		}
	default:
		t.Fatalf("%s: unexpected output type %s", what, want.DataType())
	}
}

func TestConformanceApply(t *testing.T) {
	forShapes(t, func(t *testing.T, k *launch.Kernels, g *gen, n int, sliced bool) {
		for cname, col := range g.numericColumns(n, sliced) {
			for fname, f := range fitted() {
				what := cname + "/" + fname
				wf, wa, werr := feature.Apply("x", f, col, g.mem)
				gf, ga, gerr := transform.Apply(k, "x", f, col, g.mem)
				if (werr != nil) != (gerr != nil) {
					t.Fatalf("%s: cpu error %v, gpu error %v", what, werr, gerr)
				}
				if werr != nil {
					continue
				}
				if !slices.EqualFunc(gf, wf, func(a, b arrow.Field) bool { return a.Equal(b) }) {
					t.Fatalf("%s: fields %v, want %v", what, gf, wf)
				}
				sameArrays(t, what, ga[0], wa[0])
				ga[0].Release()
				wa[0].Release()
			}
			col.Release()
		}
	})
}

// TestLog1pMatchesGo checks the kernel's log1p port against math.Log1p on
// values across its branches (through the log1p transform with mean 0,
// std 1, the result is float32(log1p(x)).
func TestLog1pMatchesGo(t *testing.T) {
	xs := []float64{0, math.Copysign(0, -1), 1e-300, 1e-20, -1e-20, 3e-9, -3e-9, 1e-5, 0.1, 0.41, 0.42, -0.29, -0.3, -0.9999,
		-1, -1.5, 1, 2, 9.5, 1e6, 123456.789, 9.007199254740992e15, 1e300, math.Inf(1), math.Inf(-1), math.NaN(), math.SmallestNonzeroFloat64}
	for i := 0; i < 2000; i++ {
		xs = append(xs, math.Exp(float64(i)/40-25)-0.5, math.Float64frombits(0x3c00000000000000+uint64(i)*0x0010_0000_0000_0000/3))
	}
	mem := newCheckedMem(t)
	b := array.NewFloat64Builder(mem)
	b.AppendValues(xs, nil)
	col := b.NewArray()
	b.Release()
	defer col.Release()
	emu := emulator.New(0)
	defer emu.Close()
	_, arrs, err := transform.Apply(launch.NewKernels(emu), "x", &feature.Fitted{Transform: "log1p", Mean: 0, Std: 1}, col, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer arrs[0].Release()
	for i, y := range arrs[0].(*array.Float32).Float32Values() {
		want := float32(math.Log1p(xs[i]))
		if math.Float32bits(y) != math.Float32bits(want) && !(y != y && want != want) {
			t.Fatalf("log1p(%v) = %v, want %v", xs[i], y, want)
		}
	}
}

func TestConformanceMoments(t *testing.T) {
	forShapes(t, func(t *testing.T, k *launch.Kernels, g *gen, n int, sliced bool) {
		for cname, col := range g.numericColumns(n, sliced) {
			var sel []int32
			for i := 0; i < n; i++ {
				if g.r.IntN(3) > 0 {
					sel = append(sel, int32(i))
				}
			}
			for _, s := range [][]int32{nil, sel} {
				for _, log := range []bool{false, true} {
					var want stats.Moments
					var got stats.Moments
					var err error
					if log {
						err = want.UpdateLog1p(col, s)
						if err == nil {
							got, err = aggregate.MomentsLog1p(k, col, s)
						}
					} else {
						err = want.Update(col, s)
						if err == nil {
							got, err = aggregate.Moments(k, col, s)
						}
					}
					if err != nil {
						t.Fatal(cname, err)
					}
					checkMoments(t, cname, got, want)
				}
			}
			col.Release()
		}
	})
}

// checkMoments wants every field with the same bits: both engines reduce
// in the canonical order of stats.MomentsTile and stats.MomentsLanes.
func checkMoments(t *testing.T, what string, got, want stats.Moments) {
	t.Helper()
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }
	if got.N != want.N || got.Nulls != want.Nulls || got.NaN != want.NaN || got.Inf != want.Inf ||
		!same(got.Min, want.Min) || !same(got.Max, want.Max) || !same(got.Mean, want.Mean) || !same(got.M2, want.M2) {
		t.Fatalf("%s: moments %+v, want %+v (the same bits)", what, got, want)
	}
}

func TestConformanceGroupCount(t *testing.T) {
	forShapes(t, func(t *testing.T, k *launch.Kernels, g *gen, n int, sliced bool) {
		for _, span := range []int64{3, 100, 1 << 40} {
			col := g.int64s(n, 0.1, sliced, span)
			got, err := aggregate.GroupCount(k, col)
			if err != nil {
				t.Fatal(err)
			}
			// Oracle: a plain map over the rows.
			want := map[int64]int64{}
			var nulls int64
			vals := col.(*array.Int64).Int64Values()
			for i, v := range vals {
				if col.IsNull(i) {
					nulls++
				} else {
					want[v]++
				}
			}
			if got.Nulls != nulls || len(got.Keys) != len(want) || !slices.IsSorted(got.Keys) {
				t.Fatalf("span %d: %d keys %d nulls, want %d keys %d nulls", span, len(got.Keys), got.Nulls, len(want), nulls)
			}
			for i, key := range got.Keys {
				if want[key] != got.Counts[i] {
					t.Fatalf("span %d: key %d count %d, want %d", span, key, got.Counts[i], want[key])
				}
			}
			col.Release()
		}
	})
}

func TestConformanceCompact(t *testing.T) {
	forShapes(t, func(t *testing.T, k *launch.Kernels, g *gen, n int, sliced bool) {
		mask := g.bools(n, 0.2, sliced)
		defer mask.Release()
		got, err := k.Compact(mask, []int32{-7})
		if err != nil {
			t.Fatal(err)
		}
		want := []int32{-7}
		m := mask.(*array.Boolean)
		for i := 0; i < n; i++ {
			if m.IsValid(i) && m.Value(i) {
				want = append(want, int32(i))
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("compact: %d indices, want %d", len(got), len(want))
		}
	})
}
