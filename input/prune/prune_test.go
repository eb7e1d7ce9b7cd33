package prune

import (
	"math"
	"testing"
)

// TestIntersects checks closed and open bounds at the edges, by hand.
func TestIntersects(t *testing.T) {
	cases := []struct {
		lo, hi float64
		r      Range
		want   bool
	}{
		{0, 10, Range{Lo: 10, Hi: 20, LoIncl: true}, true},
		{0, 10, Range{Lo: 10, Hi: 20}, false},
		{20, 30, Range{Lo: 10, Hi: 20, HiIncl: true}, true},
		{20, 30, Range{Lo: 10, Hi: 20}, false},
		{5, 6, Range{Lo: math.Inf(-1), Hi: math.Inf(1)}, true},
		{5, 6, Range{Lo: 7, Hi: 9, LoIncl: true, HiIncl: true}, false},
		{5, 6, Range{Lo: 1, Hi: 4, LoIncl: true, HiIncl: true}, false},
		{5, 6, Range{Lo: 5.5, Hi: 5.5, LoIncl: true, HiIncl: true}, true},
	}
	for _, c := range cases {
		if got := intersects(c.lo, c.hi, c.r); got != c.want {
			t.Errorf("intersects(%v, %v, %+v) = %v, want %v", c.lo, c.hi, c.r, got, c.want)
		}
	}
}

// TestFloatBounds refuses NaN and inverted statistics.
func TestFloatBounds(t *testing.T) {
	if _, _, ok := floatBounds(math.NaN(), 1); ok {
		t.Error("NaN min accepted")
	}
	if _, _, ok := floatBounds(2, 1); ok {
		t.Error("min > max accepted")
	}
	if lo, hi, ok := floatBounds(-1.5, 3); !ok || lo != -1.5 || hi != 3 {
		t.Errorf("floatBounds(-1.5, 3) = %v, %v, %v", lo, hi, ok)
	}
}
