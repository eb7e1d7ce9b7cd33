package exec

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestNullSelectorMatchesReference checks the selected rows and the counts
// against a row-by-row reference: a row is kept when neither a nor b is
// null; the total counts each dropped row once, the per-column counts
// once per null column.
func TestNullSelectorMatchesReference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(5, 5))
	rows := make([]row, 500)
	for i := range rows {
		rows[i] = row{a: int64(i), b: float64(i), aNull: rng.IntN(7) == 0, bNull: rng.IntN(5) == 0}
	}
	for i := 0; i < 100; i++ { // the first batch keeps no row
		rows[i].aNull = true
	}
	for i := 100; i < 200; i++ { // one batch without nulls
		rows[i].aNull, rows[i].bNull = false, false
	}
	s := NewNullSelector([]string{"a", "b"})
	var dropped, byA, byB int64
	for k, b := range batches(mem, rows, 100) {
		got, keep, err := s.Select(b)
		if err != nil {
			t.Fatal(err)
		}
		var want []int32
		for i, r := range rows[k*100 : k*100+int(b.NumRows())] {
			if r.aNull {
				byA++
			}
			if r.bNull {
				byB++
			}
			if r.aNull || r.bNull {
				dropped++
				continue
			}
			want = append(want, int32(i))
		}
		if len(want) == int(b.NumRows()) {
			if got != nil || keep != nil {
				t.Errorf("batch %d: no nulls, got rows %v and a mask", k, got)
			}
		} else {
			if got == nil {
				t.Errorf("batch %d: rows nil (every row kept), want %v", k, want)
			}
			if !slices.Equal(got, want) {
				t.Errorf("batch %d: rows %v, want %v", k, got, want)
			}
			for i, kp := range keep {
				if kp != slices.Contains(want, int32(i)) {
					t.Errorf("batch %d: keep[%d] = %v", k, i, kp)
				}
			}
		}
		b.Release()
	}
	if s.Dropped() != dropped || s.DroppedBy()["a"] != byA || s.DroppedBy()["b"] != byB {
		t.Fatalf("dropped %d, by %v; want %d, a %d, b %d", s.Dropped(), s.DroppedBy(), dropped, byA, byB)
	}
	if dropped == 0 {
		t.Fatal("the reference drops no row")
	}
}
