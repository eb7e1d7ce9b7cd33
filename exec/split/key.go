package split

import "fmt"

// Key orders rows inside a group: by H, then by RowID. RowIDs must be
// unique within a group, so no two rows share a Key.
type Key struct {
	H, RowID uint64
}

// Less reports whether a orders before b.
func (a Key) Less(b Key) bool {
	return a.H < b.H || (a.H == b.H && a.RowID < b.RowID)
}

// compareKeys is a three-way comparison for slices.SortFunc.
func compareKeys(a, b Key) int {
	switch {
	case a.H < b.H:
		return -1
	case a.H > b.H:
		return 1
	case a.RowID < b.RowID:
		return -1
	case a.RowID > b.RowID:
		return 1
	}
	return 0
}

// Target is one cut point to find: the row at Rank (0-based) among the N
// rows of Group, ordered by Key. Rank == 0 needs no search (the cut is
// below every row: MinusInf); Rank == N neither (no such row: PlusInf).
type Target struct {
	Group int32
	Rank  int64
	N     int64
}

// validate reports a target that cannot describe a rank of a group.
func (t Target) validate() error {
	if t.Group < 0 || t.N < 0 || t.Rank < 0 || t.Rank > t.N {
		return fmt.Errorf("split: invalid target {group %d, rank %d, n %d}: need group >= 0 and 0 <= rank <= n", t.Group, t.Rank, t.N)
	}
	return nil
}

// trivial reports a target that needs no search, and its bound.
func (t Target) trivial() (Bound, bool) {
	switch {
	case t.Rank >= t.N:
		return Bound{Kind: PlusInf}, true
	case t.Rank == 0:
		return Bound{Kind: MinusInf}, true
	}
	return Bound{}, false
}

// BoundKind tells a finite cut point from the two infinite ones.
type BoundKind uint8

// Bound kinds.
const (
	// Finite: the cut is the row Key; rows with Key >= it are past the cut.
	Finite BoundKind = iota
	// MinusInf: every row is past the cut (the target rank was 0).
	MinusInf
	// PlusInf: no row is past the cut (the target rank was N).
	PlusInf
)

// String names the kind.
func (k BoundKind) String() string {
	switch k {
	case Finite:
		return "finite"
	case MinusInf:
		return "-inf"
	case PlusInf:
		return "+inf"
	}
	return fmt.Sprintf("BoundKind(%d)", uint8(k))
}

// Bound is one cut point. Key is meaningful only when Kind is Finite.
type Bound struct {
	Key  Key
	Kind BoundKind
}

// cmpBound orders bounds: MinusInf < every finite Key < PlusInf.
func cmpBound(a, b Bound) int {
	ra, rb := kindOrder(a.Kind), kindOrder(b.Kind)
	if ra != rb {
		if ra < rb {
			return -1
		}
		return 1
	}
	if a.Kind != Finite {
		return 0
	}
	return compareKeys(a.Key, b.Key)
}

func kindOrder(k BoundKind) int {
	switch k {
	case MinusInf:
		return 0
	case PlusInf:
		return 2
	}
	return 1
}
