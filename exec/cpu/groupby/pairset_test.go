package groupby

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPairSet inserts random pairs, many repeated, with values at the
// int64 extremes and groups far apart, and checks every answer and the
// final contents against a Go map.
func TestPairSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	type pair struct {
		g int32
		v int64
	}
	want := map[pair]bool{}
	var s pairSet
	values := []int64{0, -1, 1, math.MinInt64, math.MaxInt64, 1 << 40}
	for i := 0; i < 200_000; i++ {
		g := int32(rng.IntN(50))
		if i%1000 == 0 {
			g = math.MaxInt32 - 1
		}
		v := int64(rng.IntN(500)) - 250
		if i%7 == 0 {
			v = values[rng.IntN(len(values))]
		}
		p := pair{g, v}
		if got := s.add(g, v); got != !want[p] {
			t.Fatalf("add(%d, %d) = %v with the pair %s", g, v, got, map[bool]string{true: "present", false: "absent"}[want[p]])
		}
		want[p] = true
	}
	if s.n != len(want) {
		t.Fatalf("%d pairs, want %d", s.n, len(want))
	}
	seen := map[pair]bool{}
	s.each(func(g int32, v int64) {
		p := pair{g, v}
		if !want[p] || seen[p] {
			t.Fatalf("each gave (%d, %d): in the set %v, seen before %v", g, v, want[p], seen[p])
		}
		seen[p] = true
	})
	if len(seen) != len(want) {
		t.Fatalf("each gave %d pairs, want %d", len(seen), len(want))
	}
	var empty pairSet
	empty.each(func(int32, int64) { t.Fatal("an empty set gave a pair") })
}
