package split

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

var ratioSets = [][]float64{
	{0.9, 0.1},
	{0.7, 0.2, 0.1},
	{1.0},
	{0.5, 0.5},
	{0.05, 0.9, 0.05},
	{0, 0.6, 0, 0.4},
}

// Groups of 0..100000 rows, every ratio set, 1 and 7 tasks: each row's
// split equals the sorting oracle's, and does not depend on the tasks.
func TestSplitMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := []int{0, 1, 2, 3, 10, 1000, 100000, 7, 0, 150, 2500}
	r := makeRows(rng, sizes, 42, math.MaxUint64)
	for _, ratios := range ratioSets {
		var first []int32
		for _, tasks := range []int{1, 7} {
			s := &scanner{t: t, r: r, tasks: tasks, rng: rand.New(rand.NewPCG(uint64(tasks), 9))}
			got, _ := resolveSplit(t, s, len(sizes), ratios, 0)
			checkAgainstOracle(t, r, len(sizes), ratios, got)
			if first == nil {
				first = got
			} else if !slices.Equal(first, got) {
				t.Fatalf("ratios %v: 1 and %d tasks assign differently", ratios, tasks)
			}
		}
	}
}

// One group of 3M rows: exact, and the collector keeps O(sqrt(n)) rows.
func TestHugeGroupKeepsFewRows(t *testing.T) {
	if testing.Short() {
		t.Skip("3M rows")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 3_000_000
	r := makeRows(rng, []int{n, 3}, 7, math.MaxUint64)
	// Sort once for the oracle of both ratio sets.
	idx := make([]int, 0, n)
	for i, g := range r.group {
		if g == 0 {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		return compareKeys(Key{r.h[a], r.rowid[a]}, Key{r.h[b], r.rowid[b]})
	})
	limit := int(40*math.Sqrt(n) + 4000)
	for _, ratios := range [][]float64{{0.9, 0.1}, {0.7, 0.2, 0.1}} {
		s := &scanner{t: t, r: r, tasks: 3, rng: rand.New(rand.NewPCG(1, 1))}
		got, bounds := resolveSplit(t, s, 2, ratios, 0)
		if s.calls != 1 {
			t.Errorf("ratios %v: %d scans, want 1", ratios, s.calls)
		}
		t.Logf("ratios %v: most rows kept by one window: %d (limit %d)", ratios, s.maxKept, limit)
		if s.maxKept > limit {
			t.Errorf("ratios %v: a window kept %d rows, want <= %d", ratios, s.maxKept, limit)
		}
		counts, _ := Allocate(n, ratios)
		rank := int64(0)
		for c := range len(ratios) - 1 {
			rank += counts[c]
			i := idx[rank]
			if want := (Key{r.h[i], r.rowid[i]}); bounds[c].Kind != Finite || bounds[c].Key != want {
				t.Errorf("ratios %v: cut %d is %+v, oracle %+v", ratios, c, bounds[c], want)
			}
		}
		rank = 0
		for sp, c := range counts {
			for range c {
				if i := idx[rank]; got[i] != int32(sp) {
					t.Fatalf("ratios %v: rank %d in split %d, oracle %d", ratios, rank, got[i], sp)
				}
				rank++
			}
		}
	}
}

// Hashes with only a few distinct values: the windows miss, the retries
// narrow the range, and the result is still exact.
func TestCollidingHashes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	sizes := []int{1, 5, 1000, 20000, 3}
	for _, mask := range []uint64{0xf000000000000000, 0x7, 0} {
		r := makeRows(rng, sizes, 1, mask)
		for _, ratios := range [][]float64{{0.9, 0.1}, {0.7, 0.2, 0.1}} {
			s := &scanner{t: t, r: r, tasks: 4, rng: rand.New(rand.NewPCG(2, 2))}
			got, _ := resolveSplit(t, s, len(sizes), ratios, 0)
			checkAgainstOracle(t, r, len(sizes), ratios, got)
			if s.calls < 2 {
				t.Errorf("mask %#x: %d scans; colliding hashes should need retries", mask, s.calls)
			}
			if s.calls > WindowRounds+1 {
				t.Errorf("mask %#x: %d scans, want at most %d", mask, s.calls, WindowRounds+1)
			}
		}
	}
}

// Windows far too narrow: Select reports misses, Resolve retries exactly
// those targets, and the result is exact.
func TestRetryPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	sizes := []int{100000, 40000, 5000, 3000, 800, 2}
	counts := make([]int64, len(sizes))
	for g, n := range sizes {
		counts[g] = int64(n)
	}
	r := makeRows(rng, sizes, 3, math.MaxUint64)
	ratios := []float64{0.7, 0.2, 0.1}
	for _, sigmas := range []float64{0.001, 0.5} {
		s := &scanner{t: t, r: r, tasks: 2, rng: rand.New(rand.NewPCG(4, 4))}
		got, _ := resolveSplit(t, s, len(sizes), ratios, sigmas)
		checkAgainstOracle(t, r, len(sizes), ratios, got)
		if s.calls < 2 {
			t.Fatalf("sigmas %v: %d scans: the narrow windows did not miss", sigmas, s.calls)
		}

		// Select on its own: the misses of the first window set are
		// exactly the targets of Resolve's second scan.
		targets, _ := SplitTargets(counts, ratios)
		ws, err := Windows(targets, sigmas)
		if err != nil {
			t.Fatal(err)
		}
		p, err := (&scanner{t: t, r: r, tasks: 1, rng: rng}).scan(ws)
		if err != nil {
			t.Fatal(err)
		}
		found, retry, err := Select(ws, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(retry) == 0 || len(found)+len(retry) != len(ws) {
			t.Fatalf("sigmas %v: Select: %d found, %d retry of %d windows", sigmas, len(found), len(retry), len(ws))
		}
		var missed, rescanned []Target
		for _, i := range retry {
			missed = append(missed, ws[i].Target)
		}
		for _, w := range s.rounds[1] {
			rescanned = append(rescanned, w.Target)
		}
		if !slices.Equal(missed, rescanned) {
			t.Errorf("sigmas %v: second scan searched %v, the misses were %v", sigmas, rescanned, missed)
		}
	}
}

// Equal shards: within each split, the S shards of the (h2, rowid) order
// differ by at most one row and take ranks j*n/S.
func TestShards(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	r := makeRows(rng, []int{30000, 1, 7}, 5, math.MaxUint64)
	ratios := []float64{0.8, 0.2}
	s := &scanner{t: t, r: r, tasks: 3, rng: rng}
	splitOf, _ := resolveSplit(t, s, 3, ratios, 0)
	// Second pass: group = split index, hash = h2.
	h2 := make([]uint64, len(r.h))
	for i, x := range r.h {
		h2[i] = x*0x9e3779b97f4a7c15 + 12345
	}
	sh := rows{group: splitOf, h: h2, rowid: r.rowid}
	perSplit := make([]int64, len(ratios))
	for _, sp := range splitOf {
		perSplit[sp]++
	}
	for _, shards := range []int{1, 3, 8, 20} {
		targets, err := ShardTargets(perSplit, shards)
		if err != nil {
			t.Fatal(err)
		}
		s2 := &scanner{t: t, r: sh, tasks: 5, rng: rng}
		bounds, err := Resolve(targets, 0, s2.scan)
		if err != nil {
			t.Fatal(err)
		}
		b, err := BuildBoundaries(len(ratios), targets, bounds)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]int32, len(h2))
		if err := b.AssignInt32(sh.group, sh.h, sh.rowid, out); err != nil {
			t.Fatal(err)
		}
		// Oracle: sort each split by (h2, rowid); rank j*n/S starts shard j.
		for sp, n := range perSplit {
			var idx []int
			for i, g := range splitOf {
				if int(g) == sp {
					idx = append(idx, i)
				}
			}
			slices.SortFunc(idx, func(a, b int) int {
				return compareKeys(Key{h2[a], r.rowid[a]}, Key{h2[b], r.rowid[b]})
			})
			S := int64(shards)
			for rank, i := range idx {
				want := int32(0)
				for j := int64(1); j < S; j++ {
					if int64(rank) >= j*n/S {
						want = int32(j)
					}
				}
				if out[i] != want {
					t.Fatalf("shards %d split %d rank %d: shard %d, oracle %d", shards, sp, rank, out[i], want)
				}
			}
		}
	}
}
