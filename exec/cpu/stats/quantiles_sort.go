package stats

import (
	"math"
	"slices"
	"sync"
)

// sortSamples sorts a sketch level ascending with exactly the result of
// slices.Sort(lv). A level is a concatenation of sorted runs (compactions
// append sorted samples; merges append levels), except level 0, which holds
// raw input. A few runs are merged in place; a level of few distinct
// values is counted (sortFewDistinct); otherwise the floats are
// radix-sorted as order-preserving uint64 keys. All give the one sorted
// order of the multiset as long as no two samples compare equal with
// different bits, which for floats means -0 and +0 together, or NaN (never
// produced by Update, but a decoded sketch may hold them): those levels go
// to slices.Sort, so the result stays identical to the reference.
func sortSamples(lv []float64) {
	n := len(lv)
	if n < 2 {
		return
	}
	// One branch-free pass: descents (run starts), -0, +0 and NaN are
	// counted as 0/1 values, so levels of mixed zeros and ones (one-hot
	// columns) do not mispredict.
	runs := 1
	var negZero, posZero, nan int
	prev := lv[0]
	for _, x := range lv {
		runs += b2i(x < prev)
		b := math.Float64bits(x)
		negZero |= b2i(b == 1<<63)
		posZero |= b2i(b == 0)
		nan |= b2i(b&^(1<<63) > 0x7ff0000000000000)
		prev = x
	}
	switch {
	case nan != 0 || negZero&posZero != 0:
		slices.Sort(lv)
	case runs == 1:
	case runs <= maxMergeRuns:
		mergeRuns(lv)
	case sortFewDistinct(lv):
	default:
		radixSortFloats(lv)
	}
}

// Equal samples have equal bits here (no NaN, not both zeros), so a
// level sorted by its distinct values and their counts is bit for bit the
// one slices.Sort gives.

// maxDistinctSort is the most distinct values sortFewDistinct counts (in
// a table of twice as many slots, 48 KiB: it stays in the L1/L2 cache).
const maxDistinctSort = 2048

// distinctSlots is the size of sortFewDistinct's open-addressing table.
const distinctSlots = 2 * maxDistinctSort

// sortFewDistinct sorts lv when it holds at most min(maxDistinctSort,
// len(lv)/16) distinct values (raw chunks of codes, counts, years or
// per-station coordinates do): it counts them in a hash table, sorts the
// distinct values and writes each one its count times, about one table
// probe per sample instead of up to eight radix passes. It returns false,
// with lv unchanged, as soon as a value beyond the limit turns up.
func sortFewDistinct(lv []float64) bool {
	limit := min(maxDistinctSort, len(lv)/16)
	if limit < 2 {
		return false
	}
	s := scratchPool.Get().(*sortScratch)
	defer scratchPool.Put(s)
	if len(s.keys) != distinctSlots {
		s.keys = make([]uint64, distinctSlots)
		s.counts = make([]uint32, distinctSlots)
	}
	keys, counts := s.keys, s.counts
	clear(counts)
	used := s.used[:0]
	const shift = 64 - 12 // log2(distinctSlots)
	for _, x := range lv {
		k := math.Float64bits(x)
		h := int((k * 0x9e3779b97f4a7c15) >> shift)
		for counts[h] != 0 && keys[h] != k {
			h = (h + 1) & (distinctSlots - 1)
		}
		if counts[h] == 0 {
			if len(used) == limit {
				s.used = used
				return false
			}
			keys[h] = k
			used = append(used, int32(h))
		}
		counts[h]++
	}
	s.used = used
	vals := grow(s.f, len(used))
	for i, h := range used {
		vals[i] = math.Float64frombits(keys[h])
	}
	slices.Sort(vals)
	out := 0
	for _, v := range vals {
		k := math.Float64bits(v)
		h := int((k * 0x9e3779b97f4a7c15) >> shift)
		for keys[h] != k || counts[h] == 0 {
			h = (h + 1) & (distinctSlots - 1)
		}
		for c := counts[h]; c > 0; c-- {
			lv[out] = v
			out++
		}
	}
	s.f = vals
	return true
}

// maxMergeRuns is the most sorted runs a level may hold to be merged
// rather than radix-sorted (log2 of it merge passes against up to eight
// radix passes).
const maxMergeRuns = 8

// sortScratch is reusable memory for one sort; pooled so that neither a
// compaction nor the sketch itself carries buffers.
type sortScratch struct {
	a, b   []uint64
	f      []float64
	idx    []int32  // Update's selected rows
	keys   []uint64 // sortFewDistinct's table: value bits
	counts []uint32 // and counts (0: free slot)
	used   []int32  // its occupied slots
}

var scratchPool = sync.Pool{New: func() any { return new(sortScratch) }}

// grow returns buf resized to n, reallocating only when it is too small.
func grow[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}

// mergeRuns sorts lv, a concatenation of a few ascending runs, by merging
// adjacent runs pairwise until one is left.
func mergeRuns(lv []float64) {
	var bounds [maxMergeRuns + 1]int
	nb := 1 // bounds[0] = 0
	for i := 1; i < len(lv); i++ {
		if lv[i] < lv[i-1] {
			bounds[nb] = i
			nb++
		}
	}
	bounds[nb] = len(lv)
	s := scratchPool.Get().(*sortScratch)
	for nb > 1 {
		out := 0
		for r := 0; r < nb; r += 2 {
			lo := bounds[r]
			if r+1 < nb {
				s.f = mergeAdjacent(lv[lo:bounds[r+2]], bounds[r+1]-lo, s.f)
			}
			bounds[out] = lo
			out++
		}
		bounds[out] = len(lv)
		nb = out
	}
	scratchPool.Put(s)
}

// mergeAdjacent merges the ascending runs v[:mid] and v[mid:] in place,
// copying the shorter run to buf (returned for reuse).
func mergeAdjacent(v []float64, mid int, buf []float64) []float64 {
	if mid <= len(v)-mid {
		buf = grow(buf, mid)
		copy(buf, v[:mid])
		i, j, k := 0, mid, 0
		for i < len(buf) && j < len(v) {
			if v[j] < buf[i] {
				v[k] = v[j]
				j++
			} else {
				v[k] = buf[i]
				i++
			}
			k++
		}
		copy(v[k:], buf[i:]) // the rest of v[j:] is in place
		return buf
	}
	buf = grow(buf, len(v)-mid)
	copy(buf, v[mid:])
	i, j, k := mid-1, len(buf)-1, len(v)-1
	for i >= 0 && j >= 0 {
		if buf[j] < v[i] {
			v[k] = v[i]
			i--
		} else {
			v[k] = buf[j]
			j--
		}
		k--
	}
	copy(v[:j+1], buf[:j+1]) // the rest of v[:i+1] is in place
	return buf
}

// floatKey maps a float64 (not NaN) to a uint64 with the same order; -0
// maps below +0.
func floatKey(x float64) uint64 {
	b := math.Float64bits(x)
	return b ^ (uint64(int64(b)>>63) | 1<<63)
}

// keyFloat inverts floatKey.
func keyFloat(k uint64) float64 {
	return math.Float64frombits(k ^ (uint64(int64(^k)>>63) | 1<<63))
}

// radixBits is the width of a radix digit: six passes cover a 64-bit
// key (eight with bytes), and the six 2048-entry histograms (48 KiB) stay
// in the L1/L2 cache.
const radixBits = 11

// radixDigits is the number of radixBits digits of a 64-bit key.
const radixDigits = (64 + radixBits - 1) / radixBits

// radixSortFloats sorts lv (no NaN) ascending: an LSD radix sort over the
// radixBits-bit digits of floatKey that skips digits equal in every key,
// the last pass writing the floats back into lv.
func radixSortFloats(lv []float64) {
	const mask = 1<<radixBits - 1
	n := len(lv)
	s := scratchPool.Get().(*sortScratch)
	s.a = grow(s.a, n)
	s.b = grow(s.b, n)
	src, dst := s.a, s.b
	var hist [radixDigits][1 << radixBits]uint32
	for i, x := range lv {
		k := floatKey(x)
		src[i] = k
		hist[0][k&mask]++
		hist[1][(k>>radixBits)&mask]++
		hist[2][(k>>(2*radixBits))&mask]++
		hist[3][(k>>(3*radixBits))&mask]++
		hist[4][(k>>(4*radixBits))&mask]++
		hist[5][k>>(5*radixBits)]++
	}
	var digits [radixDigits]uint
	nd := 0
	for d := uint(0); d < radixDigits; d++ {
		if hist[d][(src[0]>>(radixBits*d))&mask] != uint32(n) {
			digits[nd] = d
			nd++
		}
	}
	for j, d := range digits[:nd] {
		var pos [1 << radixBits]uint32
		var sum uint32
		h := &hist[d]
		for b := range pos {
			pos[b] = sum
			sum += h[b]
		}
		shift := radixBits * d
		if j == nd-1 {
			for _, k := range src {
				b := (k >> shift) & mask
				lv[pos[b]] = keyFloat(k)
				pos[b]++
			}
			break
		}
		for _, k := range src {
			b := (k >> shift) & mask
			dst[pos[b]] = k
			pos[b]++
		}
		src, dst = dst, src
	}
	scratchPool.Put(s)
}

// b2i is 1 for true, 0 for false (compiled to a flag move, no branch).
func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}
