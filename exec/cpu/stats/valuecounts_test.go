package stats

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/internal/cputest"
)

func TestValueCountsAgainstReference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(11, 12))
	for _, k := range []column.Type{column.TInt, column.TTime, column.TFloat, column.TBool, column.TStr} {
		for _, sh := range shapes {
			c := cputest.GenCol(mem, rng, k, sh.n, sh.off, 0.25, 20)
			sel := cputest.RandSel(rng, sh.n)
			want := map[column.Value]int64{}
			var nulls int64
			for _, i := range cputest.SelRows(sel, sh.n) {
				if !c.Valid[i] {
					nulls++
					continue
				}
				v := column.Value{Kind: k.String()}
				switch k {
				case column.TStr:
					v.S = c.Strs[i]
				case column.TFloat:
					v.F = c.Flts[i]
				case column.TBool:
					v.B = c.Ints[i] == 1
				default:
					v.I = c.Ints[i]
				}
				want[v]++
			}
			// Two partials merged equal one pass.
			var a, b ValueCounts
			half := sel
			var rest []int32
			if sel == nil {
				half, rest = nil, []int32{}
			} else if len(sel) > 1 {
				half, rest = sel[:len(sel)/2], sel[len(sel)/2:]
			} else {
				rest = []int32{}
			}
			if err := a.Update(c.Arr, half); err != nil {
				t.Fatal(err)
			}
			if err := b.Update(c.Arr, rest); err != nil {
				t.Fatal(err)
			}
			a.Merge(&b)
			c.Arr.Release()
			got := map[column.Value]int64{}
			for _, vc := range a.Top(0, 1) {
				got[vc.Value] = vc.Count
			}
			if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("%s n=%d: got %v want %v", k, sh.n, got, want)
			}
			if a.Nulls != nulls || a.Distinct() != len(want) {
				t.Fatalf("%s: nulls %d want %d, distinct %d want %d", k, a.Nulls, nulls, a.Distinct(), len(want))
			}
		}
	}
}

func TestValueCountsTopOrder(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues([]int64{5, 3, 5, 9, 3, 1, 7, 7, 2}, nil)
	a := b.NewArray()
	defer a.Release()
	var v ValueCounts
	if err := v.Update(a, nil); err != nil {
		t.Fatal(err)
	}
	iv := func(x int64) column.Value { return column.Value{Kind: column.KindInt64, I: x} }
	want := []column.ValueCount{{Value: iv(3), Count: 2}, {Value: iv(5), Count: 2}, {Value: iv(7), Count: 2}, {Value: iv(1), Count: 1}}
	if got := v.Top(4, 1); !reflect.DeepEqual(got, want) {
		t.Fatalf("top = %v, want %v", got, want)
	}
	if got := v.Top(0, 2); len(got) != 3 {
		t.Fatalf("min count 2 kept %v", got)
	}
	if m, ok := v.Mode(); !ok || m != iv(3) {
		t.Fatalf("mode = %v", m)
	}
	js, err := json.Marshal(&v)
	if err != nil {
		t.Fatal(err)
	}
	var back ValueCounts
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Top(0, 1), v.Top(0, 1)) {
		t.Fatal("JSON round trip changed the counts")
	}
	var f ValueCounts
	if err := f.Update(a, nil); err != nil {
		t.Fatal(err)
	}
	fb := array.NewFloat64Builder(mem)
	defer fb.Release()
	fb.Append(1)
	fa := fb.NewArray()
	defer fa.Release()
	if err := f.Update(fa, nil); err == nil {
		t.Fatal("mixing int64 and float64 batches should fail")
	}
}
