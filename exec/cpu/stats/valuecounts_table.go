package stats

import "math"

// Batches of at least tableRows rows are counted in a countTable first and
// folded into the map once per distinct value; smaller ones go straight to
// the map. If the first probeRows rows of a batch are mostly distinct the
// table would only add work, and the rest of the batch goes to the map.
const (
	tableRows = 1024
	probeRows = 8192
)

// countInts adds int64 (or timestamp) values to v.Ints: all of vals when
// dense, else the rows in idx.
func (v *ValueCounts) countInts(vals []int64, idx []int32, dense bool) {
	n := len(idx)
	if dense {
		n = len(vals)
	}
	if n < tableRows {
		mapInts(v.Ints, vals, idx, dense)
		return
	}
	t := &v.tbl
	t.reset()
	probe := min(n, probeRows)
	lo, hi := split(vals, idx, dense, probe)
	t.countInts(lo.vals, lo.idx, dense)
	if 2*t.used > probe {
		foldInto(t, v.Ints)
		mapInts(v.Ints, hi.vals, hi.idx, dense)
		return
	}
	t.countInts(hi.vals, hi.idx, dense)
	foldInto(t, v.Ints)
}

// countFloats adds float64 values to v.Floats (NaN and ±Inf to
// v.NonFinite) the way countInts adds ints.
func (v *ValueCounts) countFloats(vals []float64, idx []int32, dense bool) {
	n := len(idx)
	if dense {
		n = len(vals)
	}
	if n < tableRows {
		v.mapFloats(vals, idx, dense)
		return
	}
	t := &v.tbl
	t.reset()
	probe := min(n, probeRows)
	lo, hi := split(vals, idx, dense, probe)
	v.NonFinite += t.countFloats(lo.vals, lo.idx, dense)
	if 2*t.used > probe {
		foldInto(t, v.Floats)
		v.mapFloats(hi.vals, hi.idx, dense)
		return
	}
	v.NonFinite += t.countFloats(hi.vals, hi.idx, dense)
	foldInto(t, v.Floats)
}

// rowSet is a batch's values and, unless dense, its selected rows.
type rowSet[T any] struct {
	vals []T
	idx  []int32
}

// split cuts the rows to visit after the first k.
func split[T any](vals []T, idx []int32, dense bool, k int) (lo, hi rowSet[T]) {
	if dense {
		return rowSet[T]{vals: vals[:k]}, rowSet[T]{vals: vals[k:]}
	}
	return rowSet[T]{vals, idx[:k]}, rowSet[T]{vals, idx[k:]}
}

func mapInts(m map[int64]int64, vals []int64, idx []int32, dense bool) {
	if dense {
		for _, x := range vals {
			m[x]++
		}
		return
	}
	for _, i := range idx {
		m[vals[i]]++
	}
}

func (v *ValueCounts) mapFloats(vals []float64, idx []int32, dense bool) {
	if dense {
		for _, x := range vals {
			v.addFloat(x)
		}
		return
	}
	for _, i := range idx {
		v.addFloat(vals[i])
	}
}

// countSlot is one entry of a countTable; count 0 marks an empty slot.
type countSlot struct {
	key   uint64
	count int64
}

// countTable counts uint64 keys within one batch: open addressing with
// linear probing and a multiplicative hash, at most half full. ValueCounts
// counts a batch here, then folds the few distinct keys into its map, so
// the map is touched once per distinct value rather than once per row.
type countTable struct {
	slots []countSlot
	used  int
	shift uint // 64 - log2(len(slots))
}

const countTableMin = 1 << 10

// hashSlot returns the home slot of key k.
func (t *countTable) hashSlot(k uint64) uint64 { return ((k ^ k>>32) * hashMul) >> t.shift }

// hashMul is 2^64 divided by the golden ratio (Fibonacci hashing).
const hashMul = 0x9e3779b97f4a7c15

// reset empties the table, allocating it on first use.
func (t *countTable) reset() {
	if t.slots == nil {
		t.slots = make([]countSlot, countTableMin)
		t.shift = 64 - 10
	} else if t.used > 0 {
		clear(t.slots)
	}
	t.used = 0
}

// insert adds a new key with count c (k must be absent).
func (t *countTable) insert(k uint64, c int64) {
	mask := uint64(len(t.slots) - 1)
	s := t.hashSlot(k)
	for t.slots[s].count != 0 {
		s = (s + 1) & mask
	}
	t.slots[s] = countSlot{k, c}
	t.used++
}

// grow doubles the table and rehashes.
func (t *countTable) grow() {
	old := t.slots
	t.slots = make([]countSlot, 2*len(old))
	t.shift--
	t.used = 0
	for _, sl := range old {
		if sl.count != 0 {
			t.insert(sl.key, sl.count)
		}
	}
}

// countInts counts vals (all rows when dense, else the rows in idx). The
// probe for a known key is inlined; new keys go through add.
func (t *countTable) countInts(vals []int64, idx []int32, dense bool) {
	slots, shift := t.slots, t.shift
	if dense {
		for _, x := range vals {
			k := uint64(x)
			if !t.bump(slots, shift, k) {
				t.add(k)
				slots, shift = t.slots, t.shift
			}
		}
		return
	}
	for _, i := range idx {
		k := uint64(vals[i])
		if !t.bump(slots, shift, k) {
			t.add(k)
			slots, shift = t.slots, t.shift
		}
	}
}

// countFloats counts the finite values of vals by their bits, -0 folded
// into +0, and returns how many were NaN or ±Inf.
func (t *countTable) countFloats(vals []float64, idx []int32, dense bool) (nonFinite int64) {
	slots, shift := t.slots, t.shift
	if dense {
		for _, x := range vals {
			if x-x != 0 {
				nonFinite++
				continue
			}
			if x == 0 {
				x = 0 // fold -0 into +0
			}
			k := math.Float64bits(x)
			if !t.bump(slots, shift, k) {
				t.add(k)
				slots, shift = t.slots, t.shift
			}
		}
		return nonFinite
	}
	for _, i := range idx {
		x := vals[i]
		if x-x != 0 {
			nonFinite++
			continue
		}
		if x == 0 {
			x = 0
		}
		k := math.Float64bits(x)
		if !t.bump(slots, shift, k) {
			t.add(k)
			slots, shift = t.slots, t.shift
		}
	}
	return nonFinite
}

// bump increments k's count if k is in the table (slots and shift are
// t's, passed so the caller's loop keeps them in registers); false when k
// is new. Small enough to inline.
func (t *countTable) bump(slots []countSlot, shift uint, k uint64) bool {
	mask := uint64(len(slots) - 1)
	for s := ((k ^ k>>32) * hashMul) >> shift; ; s = (s + 1) & mask {
		sl := &slots[s]
		if sl.count == 0 {
			return false
		}
		if sl.key == k {
			sl.count++
			return true
		}
	}
}

// add counts one key, probing from its home slot.
func (t *countTable) add(k uint64) {
	mask := uint64(len(t.slots) - 1)
	for s := t.hashSlot(k); ; s = (s + 1) & mask {
		sl := &t.slots[s]
		if sl.key == k && sl.count != 0 {
			sl.count++
			return
		}
		if sl.count == 0 {
			*sl = countSlot{k, 1}
			t.used++
			if 2*t.used > len(t.slots) {
				t.grow()
			}
			return
		}
	}
}

// foldInto adds the table's counts to m.
func foldInto[K int64 | uint64](t *countTable, m map[K]int64) {
	for _, sl := range t.slots {
		if sl.count != 0 {
			m[K(sl.key)] += sl.count
		}
	}
}
