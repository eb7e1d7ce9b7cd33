package rows

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestInt64Arrays(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ints := []int64{0, -1, math.MinInt64, math.MaxInt64, 42}
	hashes := []uint64{0, 1 << 63, math.MaxUint64, 0x9e3779b97f4a7c15}
	a := Int64Array(mem, ints)
	defer a.Release()
	h := Uint64Array(mem, hashes)
	defer h.Release()
	for name, c := range map[string]struct {
		arr  *array.Int64
		want []int64
	}{
		"Int64Array":  {a.(*array.Int64), ints},
		"Uint64Array": {h.(*array.Int64), []int64{0, math.MinInt64, -1, int64(hashes[3])}},
	} {
		if c.arr.Len() != len(c.want) || c.arr.NullN() != 0 {
			t.Fatalf("%s: %d rows, %d nulls; want %d rows, none null", name, c.arr.Len(), c.arr.NullN(), len(c.want))
		}
		for i, w := range c.want {
			if !c.arr.IsValid(i) || c.arr.Value(i) != w {
				t.Errorf("%s: row %d = %d (valid %v), want %d", name, i, c.arr.Value(i), c.arr.IsValid(i), w)
			}
		}
	}
	e := Uint64Array(mem, nil)
	if e.Len() != 0 {
		t.Errorf("empty: %d rows", e.Len())
	}
	e.Release()
}
