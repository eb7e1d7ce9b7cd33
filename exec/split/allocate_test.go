package split

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestAllocateHandCases(t *testing.T) {
	third := 1.0 / 3
	cases := []struct {
		n      int64
		ratios []float64
		want   []int64
	}{
		{7, []float64{0.5, 0.5}, []int64{4, 3}},
		{10, []float64{0.7, 0.2, 0.1}, []int64{7, 2, 1}},
		{5, []float64{0.7, 0.2, 0.1}, []int64{4, 1, 0}}, // 3.5, 1, 0.5: the tie goes to index 0
		{6, []float64{0.7, 0.2, 0.1}, []int64{4, 1, 1}}, // 4.2, 1.2, 0.6
		{1, []float64{0.9, 0.1}, []int64{1, 0}},
		{1, []float64{0.1, 0.9}, []int64{0, 1}},
		{19, []float64{0.9, 0.1}, []int64{17, 2}}, // 17.1, 1.9
		{3, []float64{third, third, third}, []int64{1, 1, 1}},
		{2, []float64{third, third, third}, []int64{1, 1, 0}},
		{0, []float64{0.9, 0.1}, []int64{0, 0}},
		{100, []float64{1}, []int64{100}},
		{3, []float64{0.25, 0.25, 0.25, 0.25}, []int64{1, 1, 1, 0}},
		{9, []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}, []int64{1, 1, 1, 1, 1, 1, 1, 1, 1, 0}},
	}
	for _, c := range cases {
		got, err := Allocate(c.n, c.ratios)
		if err != nil {
			t.Fatalf("Allocate(%d, %v): %v", c.n, c.ratios, err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Allocate(%d, %v) = %v, want %v", c.n, c.ratios, got, c.want)
		}
	}
}

func TestAllocateRejects(t *testing.T) {
	bad := []struct {
		n      int64
		ratios []float64
	}{
		{10, nil},
		{10, []float64{0.5, 0.4}},
		{10, []float64{1.5, -0.5}},
		{10, []float64{math.NaN(), 1}},
		{10, []float64{math.Inf(1)}},
		{-1, []float64{1}},
	}
	for _, c := range bad {
		if got, err := Allocate(c.n, c.ratios); err == nil {
			t.Errorf("Allocate(%d, %v) = %v, want an error", c.n, c.ratios, got)
		}
	}
}

// The largest-remainder rule, checked on random inputs: counts sum to n,
// each is floor or floor+1 of its quota, and every count that got the
// extra row has a remainder at least that of every count that did not
// (equal remainders: the lower index got it).
func TestAllocateProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 5000 {
		k := 1 + rng.IntN(6)
		ratios := make([]float64, k)
		sum := 0.0
		for i := range ratios {
			ratios[i] = float64(rng.IntN(20))
			sum += ratios[i]
		}
		if sum == 0 {
			ratios[0], sum = 1, 1
		}
		for i := range ratios {
			ratios[i] /= sum
		}
		n := int64(rng.IntN(50))
		if iter%3 == 0 {
			n = rng.Int64N(1 << 40)
		}
		c, err := Allocate(n, ratios)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, v := range c {
			total += v
		}
		if total != n {
			t.Fatalf("Allocate(%d, %v) = %v sums to %d", n, ratios, c, total)
		}
		rsum := 0.0
		for _, r := range ratios {
			rsum += r
		}
		rem := make([]float64, k)
		extra := make([]bool, k)
		for i, r := range ratios {
			q := r * float64(n) / rsum
			if d := float64(c[i]) - q; d <= -1-1e-6 || d >= 1+1e-6 {
				t.Fatalf("Allocate(%d, %v) = %v: count %d is %v from its quota %v", n, ratios, c, i, d, q)
			}
			if float64(c[i]) > q+1e-6 {
				extra[i] = true
			}
			rem[i] = q - math.Floor(q)
		}
		if n > 1<<20 {
			continue // remainders of huge quotas carry float noise above 1e-6
		}
		for i := range k {
			for j := range k {
				if extra[i] && !extra[j] && rem[j] > rem[i]+2e-6 {
					t.Fatalf("Allocate(%d, %v) = %v: split %d (remainder %v) got a row before split %d (remainder %v)", n, ratios, c, i, rem[i], j, rem[j])
				}
				if extra[i] && !extra[j] && math.Abs(rem[j]-rem[i]) < 1e-9 && j < i {
					t.Fatalf("Allocate(%d, %v) = %v: tie broken toward the higher index %d over %d", n, ratios, c, i, j)
				}
			}
		}
	}
}

func TestSplitTargets(t *testing.T) {
	got, err := SplitTargets([]int64{10, 0, 5}, []float64{0.7, 0.2, 0.1})
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{
		{0, 7, 10}, {0, 9, 10},
		{1, 0, 0}, {1, 0, 0},
		{2, 4, 5}, {2, 5, 5},
	}
	if !slices.Equal(got, want) {
		t.Errorf("SplitTargets = %v, want %v", got, want)
	}
	if got, _ := SplitTargets([]int64{10}, []float64{1}); len(got) != 0 {
		t.Errorf("one ratio gives targets %v, want none", got)
	}
	if _, err := SplitTargets([]int64{-1}, []float64{1}); err == nil {
		t.Error("a negative count is accepted")
	}
}

func TestShardTargets(t *testing.T) {
	got, err := ShardTargets([]int64{10, 2, 0}, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{
		{0, 3, 10}, {0, 6, 10},
		{1, 0, 2}, {1, 1, 2},
		{2, 0, 0}, {2, 0, 0},
	}
	if !slices.Equal(got, want) {
		t.Errorf("ShardTargets = %v, want %v", got, want)
	}
	// j*n/S without overflow for n near the int64 limit.
	n := int64(math.MaxInt64 - 6)
	got, _ = ShardTargets([]int64{n}, 7)
	for j, tg := range got {
		hi, lo := mul64(uint64(j+1), uint64(n))
		if q, _ := div128(hi, lo, 7); int64(q) != tg.Rank {
			t.Errorf("shard cut %d: rank %d, want %d", j+1, tg.Rank, q)
		}
	}
	if _, err := ShardTargets([]int64{1}, 0); err == nil {
		t.Error("0 shards accepted")
	}
}
