package logical

import (
	"math"
	"testing"
)

func TestIntersect(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct{ a, b, want Range }{
		{Range{"x", 0, inf, true, false}, Range{"x", -inf, 10, false, false}, Range{"x", 0, 10, true, false}},
		{Range{"x", 0, 10, true, true}, Range{"x", 0, 10, false, true}, Range{"x", 0, 10, false, true}},
		{Range{"x", 5, 10, false, true}, Range{"x", 0, 7, true, true}, Range{"x", 5, 7, false, true}},
		{Range{"x", 5, 10, true, true}, Range{"x", 20, 30, true, true}, Range{"x", 20, 10, true, true}}, // empty
	}
	for _, c := range cases {
		if got := intersect(c.a, c.b); got != c.want {
			t.Errorf("intersect(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := intersect(c.b, c.a); got != c.want {
			t.Errorf("intersect(%v, %v) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}
