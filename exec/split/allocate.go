package split

import (
	"fmt"
	"math"
	"slices"
)

// remainderQuantum is the precision at which Allocate compares fractional
// remainders: they are rounded to 6 decimals first, so float noise in
// ratios such as 0.7+0.2+0.1 cannot break what is a tie in decimal.
const remainderQuantum = 1e6

// Allocate returns the per-split row counts for a group of n rows: the
// largest-remainder rounding of ratios[i]*n. Each count is floor(ratios[i]*n)
// and the rows left over go one each to the largest fractional remainders
// (rounded to 6 decimals), ties to the lower index; the counts sum to n.
// When the ratios do not sum to exactly 1.0 in float64 (summed in order),
// n is first divided by their sum. Ratios must be finite, >= 0, and sum to
// 1 within 1e-6.
func Allocate(n int64, ratios []float64) ([]int64, error) {
	if err := checkRatios(ratios); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("split: group size %d is negative", n)
	}
	sum := 0.0
	for _, r := range ratios {
		sum += r
	}
	scale := float64(n)
	if sum != 1 {
		scale /= sum
	}
	counts := make([]int64, len(ratios))
	rem := make([]int64, len(ratios))
	var total int64
	for i, r := range ratios {
		q := r * scale
		f := math.Floor(q)
		rq := int64(math.Round((q - f) * remainderQuantum))
		if rq >= remainderQuantum { // an integer up to float noise
			f++
			rq = 0
		}
		counts[i] = int64(f)
		rem[i] = rq
		total += counts[i]
	}
	// Order by remainder, largest first, ties to the lower index.
	order := make([]int, len(ratios))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for deficit := n - total; deficit > 0; {
		for _, i := range order {
			if deficit == 0 {
				break
			}
			counts[i]++
			deficit--
		}
	}
	// Float noise can overshoot by a row: take it back from the smallest
	// remainders (the end of order) that still have rows.
	for excess := total - n; excess > 0; {
		for j := len(order) - 1; j >= 0 && excess > 0; j-- {
			if i := order[j]; counts[i] > 0 {
				counts[i]--
				excess--
			}
		}
	}
	return counts, nil
}

// checkRatios rejects ratios that do not describe a split.
func checkRatios(ratios []float64) error {
	if len(ratios) == 0 {
		return fmt.Errorf("split: no ratios: need at least one")
	}
	sum := 0.0
	for i, r := range ratios {
		if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
			return fmt.Errorf("split: ratio %d is %v: ratios must be finite and >= 0", i, r)
		}
		sum += r
	}
	if math.Abs(sum-1) > 1e-6 {
		return fmt.Errorf("split: ratios sum to %v: they must sum to 1", sum)
	}
	return nil
}

// SplitTargets returns the cut-point targets of a split: for group g
// (the position in counts, counts[g] rows) and k ratios, the k-1 targets
// at the cumulative Allocate counts, in order. Group-major: target
// g*(k-1)+j is cut j of group g. A row is in split i when exactly i of its
// group's cuts are <= its Key.
func SplitTargets(counts []int64, ratios []float64) ([]Target, error) {
	if err := checkRatios(ratios); err != nil {
		return nil, err
	}
	if len(counts) > math.MaxInt32 {
		return nil, fmt.Errorf("split: %d groups: at most %d allowed", len(counts), math.MaxInt32)
	}
	cuts := len(ratios) - 1
	out := make([]Target, 0, len(counts)*cuts)
	for g, n := range counts {
		c, err := Allocate(n, ratios)
		if err != nil {
			return nil, fmt.Errorf("split: group %d: %w", g, err)
		}
		var cum int64
		for j := range cuts {
			cum += c[j]
			out = append(out, Target{Group: int32(g), Rank: cum, N: n})
		}
	}
	return out, nil
}

// ShardTargets returns the cut-point targets of equal shards: for split s
// (the position in splitRows, n rows) and S shards, the S-1 targets at
// ranks j*n/S (integer division) for j = 1..S-1, with Group = s. Shard j
// then holds ranks [j*n/S, (j+1)*n/S) of the (h2, RowID) order.
func ShardTargets(splitRows []int64, shards int) ([]Target, error) {
	if shards < 1 || shards > math.MaxInt32 {
		return nil, fmt.Errorf("split: %d shards: need 1 to %d", shards, math.MaxInt32)
	}
	if len(splitRows) > math.MaxInt32 {
		return nil, fmt.Errorf("split: %d splits: at most %d allowed", len(splitRows), math.MaxInt32)
	}
	S := int64(shards)
	out := make([]Target, 0, len(splitRows)*(shards-1))
	for s, n := range splitRows {
		if n < 0 {
			return nil, fmt.Errorf("split: split %d has %d rows: must be >= 0", s, n)
		}
		q, r := n/S, n%S
		for j := int64(1); j < S; j++ {
			// j*n/S without overflow: j*(q*S+r)/S = j*q + j*r/S.
			out = append(out, Target{Group: int32(s), Rank: j*q + j*r/S, N: n})
		}
	}
	return out, nil
}
