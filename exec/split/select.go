package split

import (
	"fmt"
	"math"
	"slices"
)

// Select finds the cut point of every window from the merged Partial of a
// scan over all rows: it sorts window i's rows by Key (in place, in p) and
// takes the one at index Rank - Below[i]. found maps a window index to its
// bound (empty windows resolve to MinusInf or PlusInf); retry lists, in
// order, the windows whose rank fell outside the window, to be searched
// again with wider windows. An error means the partial does not fit the
// windows or the data: wrong shape, more rows than the target's N, two
// rows with the same Key, or a whole-range window that misses (the group's
// rows changed between scans).
func Select(ws []Window, p Partial) (found map[int]Bound, retry []int, err error) {
	if len(p.Below) != len(ws) || len(p.Rows) != len(ws) {
		return nil, nil, fmt.Errorf("split: partial has %d counts and %d row lists for %d windows", len(p.Below), len(p.Rows), len(ws))
	}
	found = make(map[int]Bound, len(ws))
	for i, w := range ws {
		t := w.Target
		if err := t.validate(); err != nil {
			return nil, nil, fmt.Errorf("split: window %d: %w", i, err)
		}
		if b, ok := t.trivial(); ok {
			found[i] = b
			continue
		}
		if w.empty() {
			return nil, nil, fmt.Errorf("split: window %d (group %d, rank %d of %d) is empty but the target needs a search", i, t.Group, t.Rank, t.N)
		}
		rows, below := p.Rows[i], p.Below[i]
		if below < 0 || below+int64(len(rows)) > t.N {
			return nil, nil, fmt.Errorf("split: window %d (group %d): %d rows below and %d inside, but the group has %d rows", i, t.Group, below, len(rows), t.N)
		}
		idx := t.Rank - below
		if idx < 0 || idx >= int64(len(rows)) {
			if w.Lo == 0 && w.Hi == math.MaxUint64 {
				return nil, nil, fmt.Errorf("split: window %d (group %d): whole-range scan saw %d rows, the count said %d: the rows changed between scans", i, t.Group, below+int64(len(rows)), t.N)
			}
			retry = append(retry, i)
			continue
		}
		slices.SortFunc(rows, compareKeys)
		for j := 1; j < len(rows); j++ {
			if rows[j] == rows[j-1] {
				return nil, nil, fmt.Errorf("split: group %d has two rows with h %#x and row id %d: row ids must be unique", t.Group, rows[j].H, rows[j].RowID)
			}
		}
		found[i] = Bound{Key: rows[idx]}
	}
	return found, retry, nil
}
