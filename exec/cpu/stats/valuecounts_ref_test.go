package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/internal/cputest"
)

// refCount is the plain per-row map count of the selected rows of an
// int64 or float64 column, read through arrow's per-row accessors.
func refCount(col arrow.Array, sel []int32, want *ValueCounts) {
	rows := sel
	if rows == nil {
		for i := 0; i < col.Len(); i++ {
			rows = append(rows, int32(i))
		}
	}
	for _, i := range rows {
		if col.IsNull(int(i)) {
			want.Nulls++
			continue
		}
		switch a := col.(type) {
		case *array.Int64:
			if want.Ints == nil {
				want.Ints = map[int64]int64{}
			}
			want.Ints[a.Value(int(i))]++
		case *array.Float64:
			if want.Floats == nil {
				want.Floats = map[uint64]int64{}
			}
			x := a.Value(int(i))
			switch {
			case math.IsNaN(x) || math.IsInf(x, 0):
				want.NonFinite++
			case x == 0:
				want.Floats[0]++
			default:
				want.Floats[math.Float64bits(x)]++
			}
		}
	}
}

// countsBatch builds n rows (after off sliced-away rows) drawn by draw,
// with nulls at rate nullP.
func countsBatch(mem memory.Allocator, rng *rand.Rand, float bool, n, off int, nullP float64, draw func() uint64) arrow.Array {
	var b array.Builder
	if float {
		b = array.NewFloat64Builder(mem)
	} else {
		b = array.NewInt64Builder(mem)
	}
	defer b.Release()
	for i := 0; i < n+off; i++ {
		if rng.Float64() < nullP {
			b.AppendNull()
			continue
		}
		switch bb := b.(type) {
		case *array.Float64Builder:
			bb.Append(math.Float64frombits(draw()))
		case *array.Int64Builder:
			bb.Append(int64(draw()))
		}
	}
	full := b.NewArray()
	defer full.Release()
	return array.NewSlice(full, int64(off), int64(n+off))
}

func TestValueCountsTableMatchesMap(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(41, 42))
	f := math.Float64bits
	draws := map[string]func() uint64{
		"stations":  func() uint64 { return uint64(72 + rng.IntN(900)*4) },
		"wide ints": func() uint64 { return rng.Uint64() >> rng.IntN(64) },
		"negative":  func() uint64 { return uint64(-rng.Int64N(3000)) },
		"unique":    func() uint64 { return rng.Uint64() },
		"zero":      func() uint64 { return 0 },
		"floats": func() uint64 {
			return []uint64{f(0), f(math.Copysign(0, -1)), f(math.NaN()), f(math.Inf(1)), f(math.Inf(-1)),
				f(float64(rng.IntN(900)) + 0.25), f(-1e-310)}[rng.IntN(7)]
		},
		"float bits": func() uint64 { return rng.Uint64() & (1<<63 | 0x7ff<<52 | uint64(rng.IntN(2000))) },
		"mostly distinct": func() uint64 {
			if rng.IntN(3) == 0 {
				return 5
			}
			return rng.Uint64()
		},
	}
	sizes := []int{0, 1, 1023, 1024, 5000, 8191, 8192, 8193, 20000, 20000, 20000, 20000, 2000, 2000, 2000, 2000}
	for name, draw := range draws {
		for _, float := range []bool{false, true} {
			got, want := &ValueCounts{}, &ValueCounts{}
			for j, n := range sizes {
				mode := j % 4 // every size class sees dense, selected, nullable
				a := countsBatch(mem, rng, float, n, rng.IntN(9), []float64{0, 0.05}[mode/2], draw)
				var sel []int32
				if mode%2 == 1 {
					for i := 0; i < n; i++ {
						if rng.IntN(4) > 0 {
							sel = append(sel, int32(i))
						}
					}
				}
				if err := got.Update(a, sel); err != nil {
					t.Fatal(err)
				}
				refCount(a, sel, want)
				a.Release()
			}
			want.Kind = got.Kind
			if err := sameCounts(got, want); err != nil {
				t.Fatalf("%s (float %v): %v", name, float, err)
			}
		}
	}
}

// sameCounts compares the exported state and the ranked vocabulary.
func sameCounts(got, want *ValueCounts) error {
	if got.Nulls != want.Nulls || got.NonFinite != want.NonFinite || got.Bools != want.Bools {
		return fmt.Errorf("nulls/non-finite %d/%d, want %d/%d", got.Nulls, got.NonFinite, want.Nulls, want.NonFinite)
	}
	if len(got.Ints) != len(want.Ints) || (len(want.Ints) > 0 && !reflect.DeepEqual(got.Ints, want.Ints)) {
		return fmt.Errorf("ints: %d keys, want %d", len(got.Ints), len(want.Ints))
	}
	if len(got.Floats) != len(want.Floats) || (len(want.Floats) > 0 && !reflect.DeepEqual(got.Floats, want.Floats)) {
		return fmt.Errorf("floats: %d keys, want %d", len(got.Floats), len(want.Floats))
	}
	if g, w := got.Top(0, 1), want.Top(0, 1); !reflect.DeepEqual(g, w) {
		return fmt.Errorf("top differs")
	}
	return nil
}

// TestValueCountsStringKeysOwned checks that counted strings do not alias
// the dictionary's buffer: overwriting it after Update leaves the counts.
func TestValueCountsStringKeysOwned(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	c := cputest.GenCol(mem, rand.New(rand.NewPCG(43, 44)), column.TStr, 200, 0, 0.1, 7)
	var v ValueCounts
	if err := v.Update(c.Arr, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	for i, s := range c.Strs {
		if c.Valid[i] {
			want[s]++
		}
	}
	dict := c.Arr.(*array.Dictionary).Dictionary().(*array.String)
	clear(dict.ValueBytes())
	c.Arr.Release()
	if !reflect.DeepEqual(v.Strings, want) {
		t.Fatalf("strings = %v, want %v", v.Strings, want)
	}
}
