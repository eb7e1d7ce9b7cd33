package feature

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/internal/cputest"
	"github.com/sluice-ml/sluice/exec/cpu/stats"
	"github.com/sluice-ml/sluice/hashing"
	"github.com/sluice-ml/sluice/jobspec"
)

func f64Col(mem memory.Allocator, vals []float64, valid []bool) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.AppendValues(vals, valid)
	return b.NewArray()
}

func strCol(mem memory.Allocator, vals []string, valid []bool) arrow.Array {
	b := array.NewDictionaryBuilder(mem, cputest.DictType).(*array.BinaryDictionaryBuilder)
	defer b.Release()
	for i, v := range vals {
		if valid != nil && !valid[i] {
			b.AppendNull()
		} else {
			_ = b.AppendString(v)
		}
	}
	return b.NewArray()
}

// fitAndApply fits feat on train and applies it to col.
func fitAndApply(t *testing.T, mem memory.Allocator, feat jobspec.Feature, train, col arrow.Array) (*Fitted, []arrow.Field, []any) {
	t.Helper()
	st := NewFeatureStats(NeedStats(feat.Transform, feat.Fill.Kind), 1024)
	if err := st.Update(train, nil); err != nil {
		t.Fatal(err)
	}
	// The stats and the fit survive a JSON round trip (driver merge, manifest).
	js, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back FeatureStats
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	f, err := FitFeature(feat, &back)
	if err != nil {
		t.Fatal(err)
	}
	fj, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var f2 Fitted
	if err := json.Unmarshal(fj, &f2); err != nil {
		t.Fatal(err)
	}
	fields, arrs, err := Apply(feat.Name, &f2, col, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer column.ReleaseAll(arrs)
	var out []any
	for _, a := range arrs {
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				out = append(out, nil)
				continue
			}
			switch x := a.(type) {
			case *array.Float32:
				out = append(out, x.Value(i))
			case *array.Int32:
				out = append(out, x.Value(i))
			}
		}
	}
	return f, fields, out
}

func TestApplyNumeric(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	// Train: 2, 4, 4, 4, 5, 5, 7, 9 and a null: mean 5, sample std sqrt(32/7).
	train := f64Col(mem, []float64{2, 4, 4, 4, 5, 5, 7, 9, 0}, []bool{true, true, true, true, true, true, true, true, false})
	defer train.Release()
	x := f64Col(mem, []float64{1, 5, 0, 13}, []bool{true, true, false, true})
	defer x.Release()
	sd := math.Sqrt(32.0 / 7)
	z := func(v float64) any { return float32((v - 5) / sd) }
	lo, hi := 3.0, 6.0
	l1 := []float64{math.Log1p(2), math.Log1p(4), math.Log1p(4), math.Log1p(4), math.Log1p(5), math.Log1p(5), math.Log1p(7), math.Log1p(9)}
	lm := refMoments(l1)
	lsd := math.Sqrt(lm.M2 / 7)
	lz := func(v float64) any { return float32((math.Log1p(v) - lm.Mean) / lsd) }
	cases := []struct {
		feat jobspec.Feature
		want []any
	}{
		{jobspec.Feature{Name: "a", Transform: "identity"}, []any{float32(1), float32(5), nil, float32(13)}},
		{jobspec.Feature{Name: "a", Transform: "zscore"}, []any{z(1), z(5), nil, z(13)}},
		{jobspec.Feature{Name: "a", Transform: "zscore", Fill: jobspec.Fill{Kind: "mean"}}, []any{z(1), z(5), z(5), z(13)}},
		{jobspec.Feature{Name: "a", Transform: "zscore", Fill: jobspec.Fill{Kind: "median"}}, []any{z(1), z(5), z(4.5), z(13)}},
		{jobspec.Feature{Name: "a", Transform: "zscore", Fill: jobspec.Fill{Kind: "mode"}}, []any{z(1), z(5), z(4), z(13)}},
		{jobspec.Feature{Name: "a", Transform: "zscore", Fill: jobspec.Fill{Kind: "value", Value: int64(-3)}}, []any{z(1), z(5), z(-3), z(13)}},
		{jobspec.Feature{Name: "a", Transform: "minmax"}, []any{float32(-1.0 / 7), float32(3.0 / 7), nil, float32(11.0 / 7)}},
		{jobspec.Feature{Name: "a", Transform: "log1p"}, []any{lz(1), lz(5), nil, lz(13)}},
		{jobspec.Feature{Name: "a", Transform: "clip", Min: &lo, Max: &hi}, []any{float32(3), float32(5), nil, float32(6)}},
		{jobspec.Feature{Name: "a", Transform: "clip", Max: &hi, Fill: jobspec.Fill{Kind: "value", Value: 100.0}}, []any{float32(1), float32(5), float32(6), float32(6)}},
		// Quantiles at 1/4, 2/4, 3/4 (linear): 4, 4.5, 5.5.
		{jobspec.Feature{Name: "a", Transform: "bucketize", Buckets: 4}, []any{int32(0), int32(2), nil, int32(3)}},
		{jobspec.Feature{Name: "a", Transform: "bucketize", Buckets: 4, Fill: jobspec.Fill{Kind: "mean"}}, []any{int32(0), int32(2), int32(2), int32(3)}},
	}
	for _, c := range cases {
		f, fields, got := fitAndApply(t, mem, c.feat, train, x)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s fill %s: got %v want %v (fitted %+v)", c.feat.Transform, c.feat.Fill.Kind, got, c.want, f)
		}
		if len(fields) != 1 || fields[0].Name != "a" {
			t.Errorf("%s: fields %v", c.feat.Transform, fields)
		}
		if c.feat.Transform == "bucketize" && !reflect.DeepEqual(f.Boundaries, []float64{4, 4.5, 5.5}) {
			t.Errorf("boundaries %v", f.Boundaries)
		}
	}
}

func TestApplyDegenerateStats(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	train := f64Col(mem, []float64{3, 3}, nil)
	defer train.Release()
	one := f64Col(mem, []float64{3}, nil)
	defer one.Release()
	x := f64Col(mem, []float64{1, 3}, nil)
	defer x.Release()
	// std == 0 divides by 1; max == min gives 0; one value: std undefined.
	if _, _, got := fitAndApply(t, mem, jobspec.Feature{Name: "a", Transform: "zscore"}, train, x); !reflect.DeepEqual(got, []any{float32(-2), float32(0)}) {
		t.Errorf("zscore std 0: %v", got)
	}
	if _, _, got := fitAndApply(t, mem, jobspec.Feature{Name: "a", Transform: "zscore"}, one, x); !reflect.DeepEqual(got, []any{float32(-2), float32(0)}) {
		t.Errorf("zscore one value: %v", got)
	}
	if _, _, got := fitAndApply(t, mem, jobspec.Feature{Name: "a", Transform: "minmax"}, train, x); !reflect.DeepEqual(got, []any{float32(0), float32(0)}) {
		t.Errorf("minmax max==min: %v", got)
	}
}

func TestApplyCategorical(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	train := strCol(mem, []string{"b", "a", "b", "c", "a", "b", "d", ""}, []bool{true, true, true, true, true, true, true, false})
	defer train.Release()
	x := strCol(mem, []string{"a", "z", "", "b", "d"}, []bool{true, true, false, true, true})
	defer x.Release()
	h := func(s string, b uint64) any { return int32(hashing.String(s) % b) }
	cases := []struct {
		feat   jobspec.Feature
		want   []any
		fields []string
	}{
		// Counts: b 3, a 2, c 1, d 1 -> ids b=1 a=2 c=3 d=4.
		{jobspec.Feature{Name: "s", Transform: "vocab"}, []any{int32(2), int32(0), int32(0), int32(1), int32(4)}, []string{"s"}},
		{jobspec.Feature{Name: "s", Transform: "vocab", TopK: 2}, []any{int32(2), int32(0), int32(0), int32(1), int32(0)}, []string{"s"}},
		{jobspec.Feature{Name: "s", Transform: "vocab", MinCount: 2, Fill: jobspec.Fill{Kind: "mode"}}, []any{int32(2), int32(0), int32(1), int32(1), int32(0)}, []string{"s"}},
		{jobspec.Feature{Name: "s", Transform: "onehot", TopK: 2}, []any{
			float32(0), float32(0), float32(0), float32(1), float32(0), // s=b
			float32(1), float32(0), float32(0), float32(0), float32(0), // s=a
			float32(0), float32(1), float32(1), float32(0), float32(1), // s=__oov__
		}, []string{"s=b", "s=a", "s=__oov__"}},
		{jobspec.Feature{Name: "s", Transform: "hash", Buckets: 7}, []any{h("a", 7), h("z", 7), int32(hashing.NullTag % 7), h("b", 7), h("d", 7)}, []string{"s"}},
		{jobspec.Feature{Name: "s", Transform: "hash", Buckets: 7, Fill: jobspec.Fill{Kind: "value", Value: "q"}}, []any{h("a", 7), h("z", 7), h("q", 7), h("b", 7), h("d", 7)}, []string{"s"}},
	}
	for _, c := range cases {
		_, fields, got := fitAndApply(t, mem, c.feat, train, x)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v want %v", c.feat.Transform, got, c.want)
		}
		var names []string
		for _, f := range fields {
			names = append(names, f.Name)
		}
		if !reflect.DeepEqual(names, c.fields) {
			t.Errorf("%s: fields %v want %v", c.feat.Transform, names, c.fields)
		}
	}
	// Int vocab with a fill value and an int column.
	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{7, 7, 8, 0}, []bool{true, true, true, false})
	ints := ib.NewArray()
	ib.Release()
	defer ints.Release()
	_, fields, got := fitAndApply(t, mem, jobspec.Feature{Name: "g", Transform: "onehot", Fill: jobspec.Fill{Kind: "value", Value: int64(8)}}, ints, ints)
	want := []any{float32(1), float32(1), float32(0), float32(0), float32(0), float32(0), float32(1), float32(1), float32(0), float32(0), float32(0), float32(0)}
	if !reflect.DeepEqual(got, want) || fields[1].Name != "g=8" {
		t.Errorf("int onehot: %v %v", got, fields)
	}
}

func TestFitAndApplyErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	s := strCol(mem, []string{"a"}, nil)
	defer s.Release()
	if _, _, err := Apply("name", &Fitted{Transform: "zscore"}, s, mem); err == nil || err.Error() != "feature name: zscore needs a numeric column (got string)" {
		t.Errorf("err = %v", err)
	}
	if _, err := FitFeature(jobspec.Feature{Name: "s", Transform: "vocab", Fill: jobspec.Fill{Kind: "mean"}}, &FeatureStats{Counts: &stats.ValueCounts{}, Moments: &stats.Moments{}}); err == nil {
		t.Error("fill mean on vocab should fail")
	}
	if _, err := FitFeature(jobspec.Feature{Name: "s", Transform: "zscore", Fill: jobspec.Fill{Kind: "mean"}}, &FeatureStats{Moments: &stats.Moments{}}); err == nil {
		t.Error("fill mean with no train values should fail")
	}
	if _, err := FitFeature(jobspec.Feature{Name: "s", Transform: "hash"}, &FeatureStats{}); err == nil {
		t.Error("hash without buckets should fail")
	}
}

func refMoments(xs []float64) stats.Moments {
	var m stats.Moments
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

// TestIntVocabCodes checks the vocabulary ids of int columns against a
// plain map over the vocabulary, for vocabularies tabled by value (narrow
// ranges, negative values) and looked up in a map (wide ranges, the
// extremes of int64), with values inside, beside and far outside the
// vocabulary's range, and null rows (filled or not).
func TestIntVocabCodes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(8, 9))
	vocabs := [][]int64{
		{72, 3911, 500, 501, 72}, // a repeated value keeps its last id
		{-5, -1, 0, 3},
		{1 << 40, 1<<40 + 9000},
		{math.MinInt64, 0, math.MaxInt64},
		{0, 1 << 30},
	}
	for vi, vals := range vocabs {
		vocab := make([]column.Value, len(vals))
		want := map[int64]int32{}
		for i, v := range vals {
			vocab[i] = column.Value{Kind: column.KindInt64, I: v}
			want[v] = int32(i + 1)
		}
		for _, fill := range []*column.Value{nil, &vocab[1]} {
			f := &Fitted{Transform: "vocab", Vocab: vocab, Fill: fill}
			n := 3000
			xs := make([]int64, n)
			valid := make([]bool, n)
			for i := range xs {
				v := vals[rng.IntN(len(vals))]
				switch rng.IntN(6) {
				case 0:
					v += int64(rng.IntN(7)) - 3
				case 1:
					v = rng.Int64()
				case 2:
					v = []int64{math.MinInt64, math.MaxInt64, -1, 0}[rng.IntN(4)]
				}
				xs[i], valid[i] = v, rng.IntN(10) != 0
			}
			b := array.NewInt64Builder(mem)
			b.AppendValues(xs, valid)
			col := b.NewArray()
			b.Release()
			_, arrs, err := Apply("g", f, col, mem)
			col.Release()
			if err != nil {
				t.Fatal(err)
			}
			got := arrs[0].(*array.Int32)
			for i, v := range xs {
				w := want[v]
				if !valid[i] {
					w = 0
					if fill != nil {
						w = want[fill.I]
					}
				}
				if got.Value(i) != w {
					t.Fatalf("vocabulary %d, fill %v: row %d value %d: id %d, want %d", vi, fill != nil, i, v, got.Value(i), w)
				}
			}
			column.ReleaseAll(arrs)
		}
	}
}
