package perm

import (
	"cmp"
	"math/bits"
	"slices"
)

// bucketBits is how many key bits the first pass buckets n rows by: about
// 8 uniform keys a bucket, small enough for an insertion sort.
func bucketBits(n int) int {
	return min(max(bits.Len(uint(n))-3, 4), 22)
}

// insertionMax is the largest bucket sorted by insertion; larger ones (many
// equal or clustered keys) use a stable comparison sort.
const insertionMax = 48

// SortPerm returns the permutation that orders rows by (keys[i], tie[i])
// ascending, equal pairs keeping their row order (stable). tie may be nil
// (order by keys only, stable).
//
// One counting pass buckets the rows by the top bits of key - min(keys)
// (so a narrow key range still spreads over the buckets; about 8 uniform
// keys a bucket), in row order; each bucket is then sorted by (key, tie) on
// its own, small buckets by insertion, both stable. For uniform keys this
// moves every row about twice instead of once per key byte.
func SortPerm(keys []uint64, tie []uint64) []int32 {
	perm := make([]int32, len(keys))
	SortPermInto(keys, tie, perm)
	return perm
}

// SortPermInto is SortPerm writing the permutation into perm, which must
// be as long as keys.
func SortPermInto(keys []uint64, tie []uint64, perm []int32) {
	n := len(keys)
	perm = perm[:n]
	if n < 2 {
		for i := range perm {
			perm[i] = int32(i)
		}
		return
	}
	lo, hi := keys[0], keys[0]
	for _, k := range keys {
		lo, hi = min(lo, k), max(hi, k)
	}
	nbits := bucketBits(n)
	shift := 0
	if top := bits.Len64(hi - lo); top > nbits {
		shift = top - nbits
	}
	nb := 1 << nbits
	start := make([]int32, nb+1)
	for _, k := range keys {
		start[(k-lo)>>shift+1]++
	}
	for b := 1; b <= nb; b++ {
		start[b] += start[b-1]
	}
	pos := make([]int32, nb)
	copy(pos, start[:nb])
	sorted := make([]uint64, n) // keys in bucket order, beside perm
	for i, k := range keys {
		b := (k - lo) >> shift
		p := pos[b]
		perm[p] = int32(i)
		sorted[p] = k
		pos[b] = p + 1
	}
	for b := 0; b < nb; b++ {
		s, e := int(start[b]), int(start[b+1])
		if e-s < 2 {
			continue
		}
		if e-s <= insertionMax {
			insertionSort(perm[s:e], sorted[s:e], tie)
			continue
		}
		sortBucket(perm[s:e], keys, tie)
	}
}

// insertionSort orders a bucket's rows (perm, with their keys alongside) by
// (key, tie); rows enter in row order and only move past greater pairs, so
// equal pairs keep their row order.
func insertionSort(perm []int32, ks []uint64, tie []uint64) {
	for i := 1; i < len(perm); i++ {
		p, k := perm[i], ks[i]
		j := i
		for j > 0 && less(k, p, ks[j-1], perm[j-1], tie) {
			perm[j], ks[j] = perm[j-1], ks[j-1]
			j--
		}
		perm[j], ks[j] = p, k
	}
}

// less orders (key a, row pa) before (key b, row pb) by key, then tie.
func less(a uint64, pa int32, b uint64, pb int32, tie []uint64) bool {
	if a != b {
		return a < b
	}
	return tie != nil && tie[pa] < tie[pb]
}

// sortBucket sorts a large bucket stably by (key, tie).
func sortBucket(perm []int32, keys, tie []uint64) {
	slices.SortStableFunc(perm, func(a, b int32) int {
		if c := cmp.Compare(keys[a], keys[b]); c != 0 {
			return c
		}
		if tie != nil {
			return cmp.Compare(tie[a], tie[b])
		}
		return 0
	})
}
