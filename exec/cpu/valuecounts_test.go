package cpu

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestValueCountsAgainstReference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(11, 12))
	for _, k := range []kind{kInt, kTime, kFloat, kBool, kStr} {
		for _, sh := range shapes {
			c := genCol(mem, rng, k, sh.n, sh.off, 0.25, 20)
			sel := randSel(rng, sh.n)
			want := map[Value]int64{}
			var nulls int64
			for _, i := range selRows(sel, sh.n) {
				if !c.valid[i] {
					nulls++
					continue
				}
				v := Value{Kind: k.String()}
				switch k {
				case kStr:
					v.S = c.strs[i]
				case kFloat:
					v.F = c.flts[i]
				case kBool:
					v.B = c.ints[i] == 1
				default:
					v.I = c.ints[i]
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
			if err := a.Update(c.arr, half); err != nil {
				t.Fatal(err)
			}
			if err := b.Update(c.arr, rest); err != nil {
				t.Fatal(err)
			}
			a.Merge(&b)
			c.arr.Release()
			got := map[Value]int64{}
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
	iv := func(x int64) Value { return Value{Kind: KindInt64, I: x} }
	want := []ValueCount{{iv(3), 2}, {iv(5), 2}, {iv(7), 2}, {iv(1), 1}}
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
