package split

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Boundaries is the broadcast table of cut points: per group, its cuts in
// ascending order. A row is in split (or shard) i when exactly i of its
// group's cuts are <= its Key. It is immutable and safe for concurrent use.
type Boundaries struct {
	perGroup [][]Bound
	// Compiled form: group g's effective cuts are keys[off[g]:off[g+1]];
	// MinusInf is stored as Key{0, 0} (<= every row), PlusInf is dropped
	// (never <= a row).
	keys    []Key
	off     []int32
	maxCuts int
}

// NewBoundaries checks and compiles a table: perGroup[g] are group g's
// cuts, ascending (MinusInf first, PlusInf last). The table is kept, not
// copied: the caller must not change it afterwards.
func NewBoundaries(perGroup [][]Bound) (*Boundaries, error) {
	if len(perGroup) > MaxGroupID+1 {
		return nil, fmt.Errorf("split: %d groups: at most %d allowed", len(perGroup), MaxGroupID+1)
	}
	b := &Boundaries{perGroup: perGroup, off: make([]int32, len(perGroup)+1)}
	total := 0
	for _, cuts := range perGroup {
		total += len(cuts)
	}
	if total > math.MaxInt32 {
		return nil, fmt.Errorf("split: %d cut points: at most %d allowed", total, math.MaxInt32)
	}
	b.keys = make([]Key, 0, total)
	for g, cuts := range perGroup {
		for j, c := range cuts {
			if c.Kind > PlusInf {
				return nil, fmt.Errorf("split: group %d cut %d has kind %d: allowed finite, -inf, +inf", g, j, c.Kind)
			}
			if j > 0 && cmpBound(cuts[j-1], c) > 0 {
				return nil, fmt.Errorf("split: group %d cuts %d and %d are out of order", g, j-1, j)
			}
			switch c.Kind {
			case MinusInf:
				b.keys = append(b.keys, Key{})
			case Finite:
				b.keys = append(b.keys, c.Key)
			}
		}
		b.off[g+1] = int32(len(b.keys))
		b.maxCuts = max(b.maxCuts, len(cuts))
	}
	return b, nil
}

// BuildBoundaries builds the table for groups 0..groups-1 from resolved
// targets and their bounds (same order, as Resolve returns them). Each
// group's cuts are ordered by Rank; groups without targets have no cuts
// (every row in split 0). Bounds must agree with their ranks: a higher
// rank never has a lower bound.
func BuildBoundaries(groups int, targets []Target, bounds []Bound) (*Boundaries, error) {
	if len(targets) != len(bounds) {
		return nil, fmt.Errorf("split: %d targets but %d bounds", len(targets), len(bounds))
	}
	if groups < 0 || groups > MaxGroupID+1 {
		return nil, fmt.Errorf("split: %d groups: allowed 0..%d", groups, MaxGroupID+1)
	}
	byGroup := make([][]int, groups)
	for i, t := range targets {
		if err := t.validate(); err != nil {
			return nil, fmt.Errorf("split: target %d: %w", i, err)
		}
		if int(t.Group) >= groups {
			return nil, fmt.Errorf("split: target %d has group %d, but there are %d groups", i, t.Group, groups)
		}
		byGroup[t.Group] = append(byGroup[t.Group], i)
	}
	perGroup := make([][]Bound, groups)
	for g, idx := range byGroup {
		slices.SortStableFunc(idx, func(a, b int) int {
			switch {
			case targets[a].Rank < targets[b].Rank:
				return -1
			case targets[a].Rank > targets[b].Rank:
				return 1
			}
			return 0
		})
		cuts := make([]Bound, len(idx))
		for j, i := range idx {
			cuts[j] = bounds[i]
			if j > 0 {
				p := idx[j-1]
				c := cmpBound(bounds[p], bounds[i])
				if (targets[p].Rank == targets[i].Rank) != (c == 0) || c > 0 {
					return nil, fmt.Errorf("split: group %d: bound of rank %d does not fit after the bound of rank %d", g, targets[i].Rank, targets[p].Rank)
				}
			}
		}
		perGroup[g] = cuts
	}
	return NewBoundaries(perGroup)
}

// PerGroup returns the table (per group, the ascending cuts) to broadcast;
// NewBoundaries rebuilds it on the other side. The caller must not change
// it.
func (b *Boundaries) PerGroup() [][]Bound { return b.perGroup }

// Assign writes out[i] = the split index of row i: the number of cuts of
// group[i] that are <= Key{h[i], rowid[i]}. A nil group means group 0 for
// every row. It fails when the lengths differ, a group id is outside the
// table, or a group has more than 127 cuts.
func (b *Boundaries) Assign(group []int32, h, rowid []uint64, out []int8) error {
	if b.maxCuts > math.MaxInt8 {
		return fmt.Errorf("split: a group has %d cuts: Assign allows %d, use AssignInt32", b.maxCuts, math.MaxInt8)
	}
	return assign(b, group, h, rowid, out)
}

// AssignInt32 is Assign with int32 output, for shards (group = split
// index, h = the shard-order hash) or to feed a split's index to a shard
// Collector directly.
func (b *Boundaries) AssignInt32(group []int32, h, rowid []uint64, out []int32) error {
	return assign(b, group, h, rowid, out)
}

// linearCuts is the cut count up to which countLE compares with every
// cut instead of searching.
const linearCuts = 8

func assign[T int8 | int32](b *Boundaries, group []int32, h, rowid []uint64, out []T) error {
	n := len(h)
	if len(rowid) != n || len(out) != n || (group != nil && len(group) != n) {
		return fmt.Errorf("split: Assign: lengths differ: group %d, h %d, rowid %d, out %d", len(group), n, len(rowid), len(out))
	}
	ng := uint32(len(b.off) - 1)
	if group == nil {
		if ng == 0 {
			if n == 0 {
				return nil
			}
			return fmt.Errorf("split: Assign: rows in group 0, but the table has no groups")
		}
		assignOne(b.keys[b.off[0]:b.off[1]], h, rowid, out)
		return nil
	}
	keys, off := b.keys, b.off
	rowid, out, group = rowid[:n], out[:n], group[:n]
	for i, x := range h {
		g := uint32(group[i])
		if g >= ng {
			return fmt.Errorf("split: Assign: row %d has group %d, the table has groups 0..%d", i, group[i], int64(ng)-1)
		}
		cuts, r := keys[off[g]:off[g+1]], rowid[i]
		c := 0
		if len(cuts) <= linearCuts {
			for _, k := range cuts {
				c += le(k, x, r)
			}
		} else {
			c = searchLE(cuts, x, r)
		}
		out[i] = T(c)
	}
	return nil
}

// assignOne assigns rows that all share one group's cuts.
func assignOne[T int8 | int32](cuts []Key, h, rowid []uint64, out []T) {
	rowid, out = rowid[:len(h)], out[:len(h)]
	switch len(cuts) {
	case 0:
		clear(out)
	case 1:
		c := cuts[0]
		for i, x := range h {
			out[i] = T(le(c, x, rowid[i]))
		}
	default:
		for i, x := range h {
			out[i] = T(countLE(cuts, x, rowid[i]))
		}
	}
}

// le is 1 when cut <= Key{x, r}, else 0, without a branch: the borrow of
// the 128-bit subtraction (x, r) - (cut.H, cut.RowID) is 1 exactly when
// Key{x, r} < cut.
func le(cut Key, x, r uint64) int {
	_, b := bits.Sub64(r, cut.RowID, 0)
	_, b = bits.Sub64(x, cut.H, b)
	return int(1 - b)
}

// countLE is the number of ascending cuts that are <= Key{x, r}.
func countLE(cuts []Key, x, r uint64) int {
	if len(cuts) <= linearCuts {
		c := 0
		for _, k := range cuts {
			c += le(k, x, r)
		}
		return c
	}
	return searchLE(cuts, x, r)
}

// searchLE is countLE by a branch-free binary search: base stays the last
// cut known <= key, or 0 with an answer of 0 or 1. cuts must not be empty.
func searchLE(cuts []Key, x, r uint64) int {
	base, n := 0, len(cuts)
	for n > 1 {
		half := n >> 1
		base += half * le(cuts[base+half], x, r)
		n -= half
	}
	return base + le(cuts[base], x, r)
}
