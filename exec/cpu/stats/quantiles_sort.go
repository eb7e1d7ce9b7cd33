package stats

import (
	"math"
	"slices"
	"sync"
)

// sortSamples sorts a sketch level ascending with exactly the result of
// slices.Sort(lv). A level is a concatenation of sorted runs (compactions
// append sorted samples; merges append levels), except level 0, which holds
// raw input. A few runs are merged in place; otherwise the floats are
// radix-sorted as order-preserving uint64 keys. Both give the one sorted
// order of the multiset as long as no two samples compare equal with
// different bits, which for floats means -0 and +0 together, or NaN (never
// produced by Update, but a decoded sketch may hold them): those levels go
// to slices.Sort, so the result stays identical to the reference.
func sortSamples(lv []float64) {
	n := len(lv)
	if n < 2 {
		return
	}
	runs := 1
	var negZero, posZero, nan bool
	prev := lv[0]
	for _, x := range lv {
		if x < prev {
			runs++
		}
		if x == 0 {
			if math.Signbit(x) {
				negZero = true
			} else {
				posZero = true
			}
		} else if x != x {
			nan = true
		}
		prev = x
	}
	switch {
	case nan || (negZero && posZero):
		slices.Sort(lv)
	case runs == 1:
	case runs <= maxMergeRuns:
		mergeRuns(lv)
	default:
		radixSortFloats(lv)
	}
}

// maxMergeRuns is the most sorted runs a level may hold to be merged
// rather than radix-sorted (log2 of it merge passes against up to eight
// radix passes).
const maxMergeRuns = 8

// sortScratch is reusable memory for one sort; pooled so that neither a
// compaction nor the sketch itself carries buffers.
type sortScratch struct {
	a, b []uint64
	f    []float64
	idx  []int32 // Update's selected rows
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

// radixSortFloats sorts lv (no NaN) ascending: an LSD radix sort over the
// bytes of floatKey that skips bytes equal in every key, the last pass
// writing the floats back into lv.
func radixSortFloats(lv []float64) {
	n := len(lv)
	s := scratchPool.Get().(*sortScratch)
	s.a = grow(s.a, n)
	s.b = grow(s.b, n)
	src, dst := s.a, s.b
	var hist [8][256]uint32
	for i, x := range lv {
		k := floatKey(x)
		src[i] = k
		hist[0][k&0xff]++
		hist[1][(k>>8)&0xff]++
		hist[2][(k>>16)&0xff]++
		hist[3][(k>>24)&0xff]++
		hist[4][(k>>32)&0xff]++
		hist[5][(k>>40)&0xff]++
		hist[6][(k>>48)&0xff]++
		hist[7][k>>56]++
	}
	var digits [8]uint
	nd := 0
	for d := uint(0); d < 8; d++ {
		if hist[d][(src[0]>>(8*d))&0xff] != uint32(n) {
			digits[nd] = d
			nd++
		}
	}
	for j, d := range digits[:nd] {
		var pos [256]uint32
		var sum uint32
		h := &hist[d]
		for b := range pos {
			pos[b] = sum
			sum += h[b]
		}
		shift := 8 * d
		if j == nd-1 {
			for _, k := range src {
				b := (k >> shift) & 0xff
				lv[pos[b]] = keyFloat(k)
				pos[b]++
			}
			break
		}
		for _, k := range src {
			b := (k >> shift) & 0xff
			dst[pos[b]] = k
			pos[b]++
		}
		src, dst = dst, src
	}
	scratchPool.Put(s)
}
