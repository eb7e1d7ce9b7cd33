package e2e

import (
	"cmp"
	"math"
	"slices"
	"testing"
)

// largestRemainder is the oracle of the split counts: ratio_i·n rounded by
// largest remainder, ratios given exactly as per-mille integers (summing to
// 1000) so the arithmetic is exact: floor(p_i·n/1000) each, then the
// remaining rows one each to the largest fractional parts, ties to the
// earlier split.
func largestRemainder(n int64, permille []int64) []int64 {
	counts := make([]int64, len(permille))
	rems := make([]int64, len(permille))
	total := int64(0)
	for i, p := range permille {
		counts[i] = p * n / 1000
		rems[i] = p * n % 1000
		total += counts[i]
	}
	order := make([]int, len(permille))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rems[b], rems[a]) })
	for j := int64(0); j < n-total; j++ {
		counts[order[j]]++
	}
	return counts
}

func TestLargestRemainderOracle(t *testing.T) {
	cases := []struct {
		n    int64
		p    []int64
		want []int64
	}{
		{10, []int64{900, 100}, []int64{9, 1}},
		{1, []int64{900, 100}, []int64{1, 0}},
		{5, []int64{900, 100}, []int64{5, 0}},   // 4.5 / 0.5: tie goes to train
		{15, []int64{900, 100}, []int64{14, 1}}, // 13.5 / 1.5: tie to train
		{1, []int64{700, 200, 100}, []int64{1, 0, 0}},
		{7, []int64{700, 200, 100}, []int64{5, 1, 1}}, // 4.9 1.4 0.7 -> 4 1 0 + (0.9, 0.7) -> 5 1 1
		{3, []int64{500, 500}, []int64{2, 1}},
	}
	for _, c := range cases {
		got := largestRemainder(c.n, c.p)
		if !slices.Equal(got, c.want) {
			t.Errorf("largestRemainder(%d, %v) = %v, want %v", c.n, c.p, got, c.want)
		}
	}
}

// moments returns the mean and the sample standard deviation (n-1) by two
// passes in float64.
func moments(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	mean = s / float64(len(xs))
	if len(xs) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// relClose reports whether a and b agree within rel relative to the larger
// magnitude (exactly when both are 0).
func relClose(a, b, rel float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
}

// withinRank reports whether v is a p-quantile of sorted (ascending) up to
// eps·N ranks: some 0-based position v occupies (or would be inserted at)
// lies within eps·N of the target position p·(N-1).
func withinRank(sorted []float64, v, p, eps float64) bool {
	n := len(sorted)
	lo, _ := slices.BinarySearch(sorted, v) // values < v
	hi := lo
	for hi < n && sorted[hi] == v {
		hi++
	}
	target := p * float64(n-1)
	// v covers positions [lo, hi-1] if present, else sits between lo-1 and lo.
	a, b := float64(lo), float64(hi-1)
	if hi == lo {
		a, b = float64(lo)-1, float64(lo)
	}
	d := 0.0
	if target < a {
		d = a - target
	} else if target > b {
		d = target - b
	}
	return d <= eps*float64(n)
}

// sketchRankError is the rank error bound (as a fraction of N) of the
// engine's documented quantile sketch with per-level capacity k over n
// values: ceil(log2(n/k)+1)/k, 0 while n <= k (no compaction), plus one
// rank for interpolation.
func sketchRankError(n, k int) float64 {
	if n <= k {
		return 1 / float64(n)
	}
	return math.Ceil(math.Log2(float64(n)/float64(k))+1)/float64(k) + 1/float64(n)
}

// vocabOracle returns the values seen at least minCount times, by count
// descending then value ascending, at most topK (0 = all).
func vocabOracle[T cmp.Ordered](vals []T, topK int, minCount int64) []T {
	counts := map[T]int64{}
	for _, v := range vals {
		counts[v]++
	}
	var keys []T
	for k, c := range counts {
		if c >= minCount {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b T) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	if topK > 0 && len(keys) > topK {
		keys = keys[:topK]
	}
	return keys
}
