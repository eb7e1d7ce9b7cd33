package cpu

import (
	"cmp"
	"slices"
)

// SortPerm returns the permutation that orders rows by (keys[i], tie[i])
// ascending, equal pairs keeping their row order (stable). tie may be nil
// (order by keys only, stable). It is an LSD radix sort over 8-bit digits
// that skips every pass whose digit is the same for all keys; runs of equal
// keys are then sorted by tie.
func SortPerm(keys []uint64, tie []uint64) []int32 {
	n := len(keys)
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	if n < 2 {
		return perm
	}
	var hist [8][256]int
	for _, k := range keys {
		hist[0][k&0xff]++
		hist[1][(k>>8)&0xff]++
		hist[2][(k>>16)&0xff]++
		hist[3][(k>>24)&0xff]++
		hist[4][(k>>32)&0xff]++
		hist[5][(k>>40)&0xff]++
		hist[6][(k>>48)&0xff]++
		hist[7][k>>56]++
	}
	src := make([]uint64, n)
	copy(src, keys)
	dst := make([]uint64, n)
	pdst := make([]int32, n)
	for d := 0; d < 8; d++ {
		h := &hist[d]
		if h[(keys[0]>>(8*uint(d)))&0xff] == n {
			continue // every key has this digit
		}
		var pos [256]int
		sum := 0
		for b := 0; b < 256; b++ {
			pos[b] = sum
			sum += h[b]
		}
		shift := 8 * uint(d)
		for i, k := range src {
			b := (k >> shift) & 0xff
			p := pos[b]
			dst[p] = k
			pdst[p] = perm[i]
			pos[b] = p + 1
		}
		src, dst = dst, src
		perm, pdst = pdst, perm
	}
	if tie == nil {
		return perm
	}
	for i := 0; i < n; {
		j := i + 1
		for j < n && src[j] == src[i] {
			j++
		}
		if j-i > 1 {
			run := perm[i:j]
			slices.SortStableFunc(run, func(a, b int32) int { return cmp.Compare(tie[a], tie[b]) })
		}
		i = j
	}
	return perm
}
