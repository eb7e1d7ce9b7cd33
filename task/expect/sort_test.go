package expect

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// The external sort with a tiny budget and a hash with 2 values finds the
// same repeated values as a map of the values themselves.
func TestUniqueSorterSpillsAndIgnoresCollisions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := NewSorter(t.TempDir(), "t", 2048)
	seen := map[string][]int64{}
	for i := 0; i < 5000; i++ {
		v := []byte(fmt.Sprintf("v%d", rng.IntN(6000)))
		h := uint64(len(v) % 2) // collisions between most different values
		if err := s.Add(h, int64(i), v); err != nil {
			t.Fatal(err)
		}
		seen[string(v)] = append(seen[string(v)], int64(i))
	}
	var want int64
	var ids []int64
	for _, rows := range seen {
		if len(rows) > 1 {
			want += int64(len(rows))
			ids = append(ids, rows...)
		}
	}
	slices.Sort(ids)
	d := &Duplicates{Show: func(v []byte) string { return string(v) }}
	if err := s.Each(d.Add); err != nil {
		t.Fatal(err)
	}
	if s.Spilled() < 10 {
		t.Errorf("only %d runs spilled with a 2 KiB budget", s.Spilled())
	}
	if d.Count.Violations != want {
		t.Errorf("%d violating rows, the map says %d", d.Count.Violations, want)
	}
	var got []int64
	for _, e := range d.Count.Examples {
		got = append(got, e.RowID)
	}
	if !slices.Equal(got, ids[:MaxExamples]) {
		t.Errorf("examples %v, want the first rows %v", got, ids[:MaxExamples])
	}
}
