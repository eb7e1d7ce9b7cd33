package profile

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cespare/xxhash/v2"
)

func hashOf(i uint64) uint64 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], i)
	return xxhash.Sum64(b[:])
}

// The distinct estimate is within 4 standard errors of the exact count,
// and merging halves gives the same registers as one sketch.
func TestHLLWithinBound(t *testing.T) {
	for _, n := range []uint64{0, 1, 7, 100, 1000, 5000, 20000, 300000} {
		one, a, b := NewHLL(), NewHLL(), NewHLL()
		for i := uint64(0); i < n; i++ {
			h := hashOf(i * 2654435761)
			one.Add(h)
			one.Add(h) // duplicates do not count
			if i%2 == 0 {
				a.Add(h)
			} else {
				b.Add(h)
			}
		}
		if err := b.Merge(a); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(one.Registers, b.Registers) {
			t.Fatalf("n=%d: merged registers differ from one sketch's", n)
		}
		got := one.Estimate()
		if d := math.Abs(float64(got) - float64(n)); d > 4*HLLStdError*float64(n)+0.5 {
			t.Errorf("n=%d: estimate %d, off by %.0f (> 4 std errors)", n, got, d)
		}
	}
}

// Misra-Gries counts are exact for few distinct values, and otherwise
// low by at most Undercount, never high.
func TestTopKBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	exact := map[string]int64{}
	parts := []*TopK{NewTopK(), NewTopK(), NewTopK()}
	for i := 0; i < 60000; i++ {
		v := strconv.Itoa(int(math.Floor(math.Pow(rng.Float64(), 3) * 2000))) // skewed, 2000 values
		exact[v]++
		parts[i%3].AddCounts(map[string]int64{v: 1})
	}
	tk := NewTopK()
	for _, p := range parts {
		tk.Merge(p)
	}
	u := tk.Undercount()
	if u <= 0 {
		t.Fatalf("undercount %d; 2000 values in %d counters must lose some", u, TopCounters)
	}
	for v, c := range tk.Counts {
		if c > exact[v] || c < exact[v]-u {
			t.Errorf("%s: count %d, exact %d, undercount bound %d", v, c, exact[v], u)
		}
	}
	// the true top 10 are all kept, in order
	var vs []string
	for v := range exact {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool {
		if exact[vs[i]] != exact[vs[j]] {
			return exact[vs[i]] > exact[vs[j]]
		}
		return vs[i] < vs[j]
	})
	for i, top := range tk.Top(3) {
		if top.Value != vs[i] {
			t.Errorf("top %d: %s, exact %s", i, top.Value, vs[i])
		}
	}
	few := NewTopK()
	for i := 0; i < 1000; i++ {
		few.AddCounts(map[string]int64{strconv.Itoa(i % 7): 1})
	}
	if few.Undercount() != 0 || few.Counts["3"] != 143 || few.Counts["6"] != 142 {
		t.Errorf("few values: %v, undercount %d", few.Counts, few.Undercount())
	}
}

func int64Col(vals []int64, valid []bool) arrow.Array {
	b := array.NewInt64Builder(memory.NewGoAllocator())
	defer b.Release()
	b.AppendValues(vals, valid)
	return b.NewArray()
}

// PSI on a tiny table, shares and sum worked out by hand: train 1..10
// (deciles 1.9, 2.8, …, 9.1: one value per bin), eval five 1s, four 10s
// and a null.
func TestPSIByHand(t *testing.T) {
	spec := ColumnSpec{Name: "x"}
	tr, ev := NewColumn(spec, arrow.PrimitiveTypes.Int64), NewColumn(spec, arrow.PrimitiveTypes.Int64)
	if err := tr.Update(int64Col([]int64{3, 1, 2, 4, 5, 6, 7, 8, 9, 10}, nil)); err != nil {
		t.Fatal(err)
	}
	valid := []bool{true, true, true, true, true, true, true, true, true, false}
	if err := ev.Update(int64Col([]int64{1, 1, 1, 1, 1, 10, 10, 10, 10, 0}, valid)); err != nil {
		t.Fatal(err)
	}
	bins := Bins(tr, ev)
	wantE := []float64{.1, .1, .1, .1, .1, .1, .1, .1, .1, .1, 0}
	wantA := []float64{.5, 0, 0, 0, 0, 0, 0, 0, 0, .4, .1}
	for i := range wantE {
		if math.Abs(bins[0][i]-wantE[i]) > 1e-12 || math.Abs(bins[1][i]-wantA[i]) > 1e-12 {
			t.Fatalf("bins %v / %v, want %v / %v", bins[0], bins[1], wantE, wantA)
		}
	}
	// 0.4·ln 5 + 8·0.0999·ln 1000 + 0.3·ln 4 + 0.0999·ln 1000
	want := 0.4*1.6094379124341003 + 9*0.0999*6.907755278982137 + 0.3*1.3862943611198906
	if got := PSI(bins[0], bins[1]); math.Abs(got-want) > 1e-9 {
		t.Errorf("PSI %v, want %v", got, want)
	}
	if got := PSI([]float64{.5, .5}, []float64{.25, .75}); math.Abs(got-(0.25*math.Ln2+0.25*math.Log(1.5))) > 1e-12 {
		t.Errorf("two-bin PSI %v", got)
	}
}

// Quantiles of 8 merged task partials hold ranks within the reported
// rank error of p·N, and the merge is deterministic (same JSON twice).
func TestColumnQuantilesWithinRankError(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 300000
	all := make([]int64, n)
	for i := range all {
		all[i] = int64(rng.NormFloat64()*1000) + int64(rng.IntN(50))
	}
	spec := &Spec{Splits: []string{"train"}, Columns: []ColumnSpec{{Name: "x", Role: "feature"}}}
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	merge := func() *Partial {
		var parts []*Partial
		for j := 0; j < 8; j++ {
			p, err := spec.NewPartial(schema)
			if err != nil {
				t.Fatal(err)
			}
			for lo := j * n / 8; lo < (j+1)*n/8; lo += 10000 {
				hi := min(lo+10000, (j+1)*n/8)
				col := int64Col(all[lo:hi], nil)
				b := array.NewRecordBatch(schema, []arrow.Array{col}, int64(hi-lo))
				if err := spec.Update(p, b, 0); err != nil {
					t.Fatal(err)
				}
			}
			// partials cross the wire as JSON
			data, _ := json.Marshal(p)
			var back Partial
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatal(err)
			}
			parts = append(parts, &back)
		}
		m, err := spec.Merge(schema, parts)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m1, m2 := merge(), merge()
	p1, _ := spec.Build(schema, m1)
	p2, _ := spec.Build(schema, m2)
	j1, _ := json.Marshal(p1)
	j2, _ := json.Marshal(p2)
	if string(j1) != string(j2) {
		t.Fatal("two merges of the same partials differ")
	}
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	cp := p1.Splits[0].Columns[0]
	if *cp.Min != float64(sorted[0]) || *cp.Max != float64(sorted[n-1]) || cp.Count != n {
		t.Errorf("min/max/count %v %v %d", *cp.Min, *cp.Max, cp.Count)
	}
	if cp.QuantileRankError <= 0 || cp.QuantileRankError > 0.02 {
		t.Errorf("rank error %v", cp.QuantileRankError)
	}
	for i, p := range Probabilities {
		q := cp.Quantiles[i]
		lo := sort.Search(n, func(k int) bool { return float64(sorted[k]) >= q })
		hi := sort.Search(n, func(k int) bool { return float64(sorted[k]) > q })
		target := p * float64(n-1)
		dist := 0.0
		if target < float64(lo) {
			dist = float64(lo) - target
		} else if target > float64(hi) {
			dist = target - float64(hi)
		}
		if dist/n > cp.QuantileRankError {
			t.Errorf("p%v = %v: rank [%d, %d] is %.0f rows from %.0f (bound %.0f)", p, q, lo, hi, dist, target, cp.QuantileRankError*n)
		}
	}
	var hist int64
	for _, c := range cp.Histogram.Counts {
		hist += c
	}
	if hist != n {
		t.Errorf("histogram holds %d values, want %d", hist, n)
	}
}

// Values spanning the whole float64 range still give a finite histogram
// and a manifest section that encodes.
func TestHistogramExtremeRange(t *testing.T) {
	spec := &Spec{Splits: []string{"train"}, Columns: []ColumnSpec{{Name: "x", Role: "keep"}}}
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float64}}, nil)
	p, err := spec.NewPartial(schema)
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewFloat64Builder(memory.NewGoAllocator())
	b.AppendValues([]float64{-1e308, 0, 1e308}, nil)
	col := b.NewArray()
	if err := spec.Update(p, array.NewRecordBatch(schema, []arrow.Array{col}, 3), 0); err != nil {
		t.Fatal(err)
	}
	prof, _ := spec.Build(schema, p)
	h := prof.Splits[0].Columns[0].Histogram
	if len(h.Counts) != 1 || h.Counts[0] != 3 || h.Edges[0] != -1e308 || h.Edges[1] != 1e308 {
		t.Errorf("histogram %+v", h)
	}
	if _, err := json.Marshal(prof); err != nil {
		t.Error(err)
	}
}
