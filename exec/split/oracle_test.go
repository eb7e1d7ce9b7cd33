package split

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sluice-ml/sluice/hashing"
)

func mul64(a, b uint64) (hi, lo uint64) { return bits.Mul64(a, b) }

func div128(hi, lo, d uint64) (q, r uint64) { return bits.Div64(hi, lo, d) }

// rows is a table of test rows: row i is (group[i], h[i], rowid[i]).
type rows struct {
	group []int32
	h     []uint64
	rowid []uint64
}

// makeRows builds groups of the given sizes (group g has sizes[g] rows),
// interleaved in random order, with unique row ids and hashes from the
// hashing package. mask is applied to every hash (all ones: none).
func makeRows(rng *rand.Rand, sizes []int, seed, mask uint64) rows {
	var r rows
	for g, n := range sizes {
		for range n {
			r.group = append(r.group, int32(g))
		}
	}
	rng.Shuffle(len(r.group), func(i, j int) { r.group[i], r.group[j] = r.group[j], r.group[i] })
	r.h = make([]uint64, len(r.group))
	r.rowid = make([]uint64, len(r.group))
	base := rng.Uint64() >> 8
	for i := range r.group {
		r.rowid[i] = base + uint64(i)*3 // unique, not dense from 0
		r.h[i] = hashing.Seeded(seed, hashing.Int64(int64(r.rowid[i]))) & mask
	}
	return r
}

// oracleSplit sorts each group's rows by (h, rowid) and gives the row at
// rank r of a group of n the split whose cumulative Allocate range holds r.
func oracleSplit(t *testing.T, r rows, groups int, ratios []float64) []int32 {
	t.Helper()
	byGroup := make([][]int, groups)
	for i, g := range r.group {
		byGroup[g] = append(byGroup[g], i)
	}
	out := make([]int32, len(r.group))
	for _, idx := range byGroup {
		slices.SortFunc(idx, func(a, b int) int {
			return compareKeys(Key{r.h[a], r.rowid[a]}, Key{r.h[b], r.rowid[b]})
		})
		counts, err := Allocate(int64(len(idx)), ratios)
		if err != nil {
			t.Fatal(err)
		}
		rank := 0
		for s, c := range counts {
			for range c {
				out[idx[rank]] = int32(s)
				rank++
			}
		}
	}
	return out
}

// scanner returns a ScanFunc that deals the rows to `tasks` collectors
// (row i to a random task) in random batch sizes, merges the partials in
// task order, and records the largest per-window row count and the calls.
type scanner struct {
	t       *testing.T
	r       rows
	tasks   int
	rng     *rand.Rand
	calls   int
	maxKept int // most rows kept by one window, over all calls
	rounds  [][]Window
}

func (s *scanner) scan(ws []Window) (Partial, error) {
	s.calls++
	s.rounds = append(s.rounds, ws)
	subs := make([]rows, s.tasks)
	for i := range s.r.group {
		sub := &subs[s.rng.IntN(s.tasks)]
		sub.group = append(sub.group, s.r.group[i])
		sub.h = append(sub.h, s.r.h[i])
		sub.rowid = append(sub.rowid, s.r.rowid[i])
	}
	var merged Partial
	for _, sub := range subs {
		c, err := NewCollector(ws)
		if err != nil {
			return Partial{}, err
		}
		for lo := 0; lo < len(sub.h); {
			hi := min(len(sub.h), lo+1+s.rng.IntN(5000))
			if err := c.Add(sub.group[lo:hi], sub.h[lo:hi], sub.rowid[lo:hi]); err != nil {
				return Partial{}, err
			}
			lo = hi
		}
		if err := merged.Merge(c.Result()); err != nil {
			return Partial{}, err
		}
	}
	for _, rs := range merged.Rows {
		s.maxKept = max(s.maxKept, len(rs))
	}
	return merged, nil
}

// resolveSplit runs the whole flow and returns the split of every row,
// assigned in random batch sizes.
func resolveSplit(t *testing.T, s *scanner, groups int, ratios []float64, sigmas float64) ([]int32, []Bound) {
	t.Helper()
	counts := make([]int64, groups)
	for _, g := range s.r.group {
		counts[g]++
	}
	targets, err := SplitTargets(counts, ratios)
	if err != nil {
		t.Fatal(err)
	}
	bounds, err := Resolve(targets, sigmas, s.scan)
	if err != nil {
		t.Fatal(err)
	}
	b, err := BuildBoundaries(groups, targets, bounds)
	if err != nil {
		t.Fatal(err)
	}
	out8 := make([]int8, len(s.r.h))
	out32 := make([]int32, len(s.r.h))
	for lo := 0; lo < len(out8); {
		hi := min(len(out8), lo+1+s.rng.IntN(3000))
		if err := b.Assign(s.r.group[lo:hi], s.r.h[lo:hi], s.r.rowid[lo:hi], out8[lo:hi]); err != nil {
			t.Fatal(err)
		}
		if err := b.AssignInt32(s.r.group[lo:hi], s.r.h[lo:hi], s.r.rowid[lo:hi], out32[lo:hi]); err != nil {
			t.Fatal(err)
		}
		lo = hi
	}
	for i := range out8 {
		if int32(out8[i]) != out32[i] {
			t.Fatalf("row %d: Assign %d, AssignInt32 %d", i, out8[i], out32[i])
		}
	}
	return out32, bounds
}

func checkAgainstOracle(t *testing.T, r rows, groups int, ratios []float64, got []int32) {
	t.Helper()
	want := oracleSplit(t, r, groups, ratios)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ratios %v: row %d (group %d, h %#x, rowid %d): split %d, oracle %d", ratios, i, r.group[i], r.h[i], r.rowid[i], got[i], want[i])
		}
	}
	// Per group and split, exactly the Allocate counts.
	n := make([]int64, groups)
	per := make([][]int64, groups)
	for g := range per {
		per[g] = make([]int64, len(ratios))
	}
	for i, g := range r.group {
		n[g]++
		per[g][got[i]]++
	}
	for g := range per {
		want, _ := Allocate(n[g], ratios)
		if !slices.Equal(per[g], want) {
			t.Fatalf("ratios %v: group %d of %d rows got counts %v, want %v", ratios, g, n[g], per[g], want)
		}
	}
}
