package groupby

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/internal/cputest"
	"github.com/sluice-ml/sluice/hashing"
)

var gbAggs = []AggSpec{
	{"n", "count", ""}, {"n_flt", "count", "v_flt"}, {"sum_int", "sum", "v_int"}, {"sum_flt", "sum", "v_flt"},
	{"mean_flt", "mean", "v_flt"}, {"std_int", "std", "v_int"}, {"var_flt", "var", "v_flt"},
	{"min_ts", "min", "v_ts"}, {"max_str", "max", "v_str"}, {"min_str", "min", "v_str"},
	{"max_flt", "max", "v_flt"}, {"min_bool", "min", "k_bool"}, {"cd_str", "count_distinct", "v_str"},
	{"cd_int", "count_distinct", "v_int"}, {"cd_flt", "count_distinct", "v_flt"}, {"cd_bool", "count_distinct", "k_bool"},
}

func cmpCell(a, b any) int {
	if a == nil || b == nil {
		return cmp.Compare(column.B2I(a != nil), column.B2I(b != nil))
	}
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case float64:
		return cmp.Compare(x, b.(float64))
	}
	return strings.Compare(a.(string), b.(string))
}

// naiveGroupBy is the reference: a map from the printed key to row values.
func naiveGroupBy(batches []cputest.Batch, keys []string, aggs []AggSpec) [][]any {
	idx := func(name string) int { return cputest.BatchSchema.FieldIndices(name)[0] }
	type grp struct {
		key  []any
		vals map[string][]any // column -> non-null values
		rows int64
	}
	groups := map[string]*grp{}
	for _, b := range batches {
		for r := 0; r < int(b.RB.NumRows()); r++ {
			var key []any
			for _, k := range keys {
				key = append(key, cputest.CellOf(b.Cols[idx(k)], r))
			}
			ks := fmt.Sprint(key)
			g := groups[ks]
			if g == nil {
				g = &grp{key: key, vals: map[string][]any{}}
				groups[ks] = g
			}
			g.rows++
			for _, f := range cputest.BatchSchema.Fields() {
				if v := cputest.CellOf(b.Cols[idx(f.Name)], r); v != nil {
					g.vals[f.Name] = append(g.vals[f.Name], v)
				}
			}
		}
	}
	var out [][]any
	for _, g := range groups {
		row := append([]any{}, g.key...)
		for _, a := range aggs {
			vs := g.vals[a.Column]
			fs := make([]float64, len(vs))
			for i, v := range vs {
				switch x := v.(type) {
				case int64:
					fs[i] = float64(x)
				case float64:
					fs[i] = x
				}
			}
			var mean, m2 float64
			for _, f := range fs {
				mean += f
			}
			mean /= float64(len(fs))
			for _, f := range fs {
				m2 += (f - mean) * (f - mean)
			}
			var res any
			switch a.Func {
			case "count":
				if a.Column == "" {
					res = g.rows
				} else {
					res = int64(len(vs))
				}
			case "sum":
				if len(vs) > 0 {
					if _, ok := vs[0].(int64); ok {
						var s int64
						for _, v := range vs {
							s += v.(int64)
						}
						res = s
					} else {
						var s float64
						for _, f := range fs {
							s += f
						}
						res = s
					}
				}
			case "mean":
				if len(vs) > 0 {
					res = mean
				}
			case "var", "std":
				if len(vs) > 1 {
					res = m2 / float64(len(vs)-1)
					if a.Func == "std" {
						res = math.Sqrt(res.(float64))
					}
				}
			case "min", "max":
				for _, v := range vs {
					if res == nil || (a.Func == "min" && cmpCell(v, res) < 0) || (a.Func == "max" && cmpCell(v, res) > 0) {
						res = v
					}
				}
			case "count_distinct":
				set := map[any]bool{}
				for _, v := range vs {
					set[v] = true
				}
				res = int64(len(set))
			}
			row = append(row, res)
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b []any) int {
		for i := range keys {
			if c := cmpCell(a[i], b[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	return out
}

func checkFinal(t *testing.T, what string, rb arrow.RecordBatch, want [][]any) {
	t.Helper()
	if int(rb.NumRows()) != len(want) {
		t.Fatalf("%s: %d groups, want %d", what, rb.NumRows(), len(want))
	}
	for r, row := range want {
		for c, w := range row {
			got := cputest.CellArr(rb.Column(c), r)
			gf, gok := got.(float64)
			wf, wok := w.(float64)
			if gok && wok {
				if !cputest.RelClose(gf, wf, 1e-9) {
					t.Fatalf("%s: row %d column %s = %v, want %v", what, r, rb.Schema().Field(c).Name, got, w)
				}
				continue
			}
			if got != w {
				t.Fatalf("%s: row %d column %s = %v (%T), want %v (%T)", what, r, rb.Schema().Field(c).Name, got, got, w, w)
			}
		}
	}
}

func TestGroupByAgainstNaive(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(13, 14))
	keySets := [][]string{{"k_int"}, {"k_str"}, {"k_bool"}, {"k_str", "k_bool"}, {"k_int", "k_str"}, {"v_flt"}, {"v_ts"}}
	for _, keys := range keySets {
		for _, sizes := range [][]int{{0, 1, 3}, {1024, 517, 1}} {
			var batches []cputest.Batch
			for _, n := range sizes {
				batches = append(batches, cputest.GenBatch(mem, rng, n))
			}
			want := naiveGroupBy(batches, keys, gbAggs)
			direct, err := NewGroupBy(keys, gbAggs, cputest.BatchSchema)
			if err != nil {
				t.Fatal(err)
			}
			merged, _ := NewGroupBy(keys, gbAggs, cputest.BatchSchema)
			for _, b := range batches {
				if err := direct.Update(b.RB); err != nil {
					t.Fatal(err)
				}
				// One GroupBy per batch, its partial merged into merged.
				p, _ := NewGroupBy(keys, gbAggs, cputest.BatchSchema)
				if err := p.Update(b.RB); err != nil {
					t.Fatal(err)
				}
				pb, err := p.PartialBatch(mem)
				if err != nil {
					t.Fatal(err)
				}
				if err := merged.MergePartial(pb); err != nil {
					t.Fatal(err)
				}
				pb.Release()
			}
			if direct.Groups() != len(want) || merged.Groups() != len(want) || direct.MemoryBytes() <= 0 {
				t.Fatalf("%v: groups %d/%d want %d", keys, direct.Groups(), merged.Groups(), len(want))
			}
			for name, g := range map[string]*GroupBy{"direct": direct, "merged": merged} {
				rb, err := g.Final(mem)
				if err != nil {
					t.Fatal(err)
				}
				checkFinal(t, fmt.Sprint(keys, " ", name, " ", sizes), rb, want)
				rb.Release()
			}
			for _, b := range batches {
				b.RB.Release()
			}
		}
	}
}

func TestGroupByKeyHashes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(15, 16))
	b := cputest.GenBatch(mem, rng, 300)
	defer b.RB.Release()
	g, err := NewGroupBy([]string{"k_str", "k_int"}, nil, cputest.BatchSchema)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]uint64, 300)
	if err := g.KeyHashes(b.RB, out); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		h0, h1 := hashing.NullTag, hashing.NullTag
		if b.Cols[1].Valid[i] {
			h0 = hashing.String(b.Cols[1].Strs[i])
		}
		if b.Cols[0].Valid[i] {
			h1 = hashing.Int64(b.Cols[0].Ints[i])
		}
		want := hashing.Mix((h0<<5 | h0>>59) ^ h1)
		if out[i] != want {
			t.Fatalf("row %d: %x want %x", i, out[i], want)
		}
	}
	// Partials hash their rows the same way as the input.
	if err := g.Update(b.RB); err != nil {
		t.Fatal(err)
	}
	pb, err := g.PartialBatch(mem)
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Release()
	ph := make([]uint64, pb.NumRows())
	if err := g.KeyHashes(pb, ph); err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for _, h := range out {
		seen[h] = true
	}
	for _, h := range ph {
		if !seen[h] {
			t.Fatalf("partial key hash %x not among the input's", h)
		}
	}
}

func TestGroupByErrors(t *testing.T) {
	cases := []struct {
		keys []string
		aggs []AggSpec
		want string
	}{
		{[]string{"k_int"}, []AggSpec{{"s", "sum", "v_str"}}, "sum(v_str): sum needs a numeric column (got string)"},
		{[]string{"k_int"}, []AggSpec{{"s", "std", "v_ts"}}, "std(v_ts): std needs a numeric column (got timestamp)"},
		{[]string{"nope"}, nil, `group by: key column "nope" not found`},
		{[]string{"k_int"}, []AggSpec{{"s", "median", "v_int"}}, `median(v_int): unknown aggregate "median"`},
		{[]string{"k_int"}, []AggSpec{{"k_int", "count", ""}}, `count(): output name "k_int" is used twice`},
	}
	for _, c := range cases {
		_, err := NewGroupBy(c.keys, c.aggs, cputest.BatchSchema)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("err = %v, want prefix %q", err, c.want)
		}
	}
}
