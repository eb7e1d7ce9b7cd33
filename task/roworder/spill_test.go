package roworder

import (
	"math/rand/v2"
	"os"
	"sort"
	"testing"
)

// TestSpillSorterMatchesPlainSort checks the merged order of spilled runs
// against a plain sort of the same picks, with duplicate keys (ties broken
// by row id), for several run sizes including one that never spills.
func TestSpillSorterMatchesPlainSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	const n = 10007
	in := make([]Pick, n)
	for i := range in {
		in[i] = Pick{Key: rng.Uint64N(500), RowID: uint64(rng.Uint32()) ^ uint64(i)<<32, H2: rng.Uint64(), Batch: int32(i / 1000), Row: int32(i % 1000)}
	}
	want := append([]Pick(nil), in...)
	sort.Slice(want, func(a, b int) bool {
		if want[a].Key != want[b].Key {
			return want[a].Key < want[b].Key
		}
		return want[a].RowID < want[b].RowID
	})
	for _, maxRows := range []int{1, 7, 1000, n, 2 * n} {
		dir := t.TempDir()
		s, err := NewSpillSorter(dir, "t", maxRows)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range in {
			if err := s.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		wantRuns := 0
		if maxRows < n {
			wantRuns = (n - 1) / maxRows
		}
		if s.Runs() != wantRuns {
			t.Fatalf("maxRows %d: %d runs, want %d", maxRows, s.Runs(), wantRuns)
		}
		var got []Pick
		if err := s.Sorted(333, func(c []Pick) error {
			if len(c) > 333 {
				t.Fatalf("chunk of %d > 333", len(c))
			}
			got = append(got, c...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("maxRows %d: %d picks, want %d", maxRows, len(got), n)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("maxRows %d: pick %d = %+v, want %+v", maxRows, i, got[i], want[i])
			}
		}
		left, _ := os.ReadDir(dir)
		if len(left) != 0 {
			t.Fatalf("maxRows %d: %d run files left", maxRows, len(left))
		}
	}
}

func TestSpillSorterRejectsEmptyRuns(t *testing.T) {
	if _, err := NewSpillSorter(t.TempDir(), "t", 0); err == nil {
		t.Fatal("a run size of 0 was accepted")
	}
}
