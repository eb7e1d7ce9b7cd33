package split

import (
	"fmt"
	"math/bits"
	"slices"
)

// MaxGroupID bounds the group ids a Collector accepts in its windows (its
// index has one entry per group id up to the largest).
const MaxGroupID = 1<<27 - 1

// Collector is the scan side of a boundary search, one per task. Feed it
// the rows of the task with Add; for every window of a row's group it
// counts the row when H < Lo and keeps its Key when Lo <= H <= Hi. Rows of
// groups without windows are ignored. A Collector is not safe for
// concurrent use.
type Collector struct {
	// start[g]..start[g+1] are the positions (in the sorted order) of
	// group g's windows; len(start) = largest group + 2.
	start []int32
	lo    []uint64 // per sorted window
	width []uint64 // Hi - Lo: x is inside when x-Lo <= width (wrapping)
	below []int64
	rows  [][]Key
	orig  []int // sorted window -> index in the caller's ws
	n     int   // len(ws)
}

// NewCollector indexes the windows by group. Empty windows (Lo > Hi) are
// skipped. It fails on a window with a negative group or one above
// MaxGroupID.
func NewCollector(ws []Window) (*Collector, error) {
	maxG := int32(-1)
	var orig []int
	for i, w := range ws {
		if w.Target.Group < 0 || w.Target.Group > MaxGroupID {
			return nil, fmt.Errorf("split: window %d has group %d: allowed 0..%d", i, w.Target.Group, MaxGroupID)
		}
		if w.empty() {
			continue
		}
		orig = append(orig, i)
		maxG = max(maxG, w.Target.Group)
	}
	slices.SortStableFunc(orig, func(a, b int) int {
		return int(ws[a].Target.Group) - int(ws[b].Target.Group)
	})
	c := &Collector{
		start: make([]int32, int(maxG)+2),
		lo:    make([]uint64, len(orig)),
		width: make([]uint64, len(orig)),
		below: make([]int64, len(orig)),
		rows:  make([][]Key, len(orig)),
		orig:  orig,
		n:     len(ws),
	}
	for j, i := range orig {
		c.lo[j], c.width[j] = ws[i].Lo, ws[i].Hi-ws[i].Lo
		c.start[ws[i].Target.Group+1] = int32(j + 1)
	}
	// Groups without windows take the end of the previous group.
	for g := 1; g < len(c.start); g++ {
		c.start[g] = max(c.start[g], c.start[g-1])
	}
	return c, nil
}

// Add feeds one batch: row i is (group[i], h[i], rowid[i]). A nil group
// means every row is in group 0 (a plain split). h and rowid must have the
// same length, and group too unless nil. Rows whose group has no window
// (including negative ids) are ignored.
func (c *Collector) Add(group []int32, h, rowid []uint64) error {
	if len(rowid) != len(h) || (group != nil && len(group) != len(h)) {
		return fmt.Errorf("split: Collector.Add: column lengths differ: group %d, h %d, rowid %d", len(group), len(h), len(rowid))
	}
	if group == nil {
		if len(c.start) >= 2 {
			c.addGroup(c.start[0], c.start[1], h, rowid)
		}
		return nil
	}
	start, lo, width, below, rows := c.start, c.lo, c.width, c.below, c.rows
	ng := uint32(len(start) - 1)
	rowid = rowid[:len(h)]
	group = group[:len(h)]
	for i, x := range h {
		g := uint32(group[i])
		if g >= ng {
			continue
		}
		for w := start[g]; w < start[g+1]; w++ {
			d, borrow := bits.Sub64(x, lo[w], 0) // borrow: x < Lo
			below[w] += int64(borrow)
			if d <= width[w] {
				rows[w] = append(rows[w], Key{H: x, RowID: rowid[i]})
			}
		}
	}
	return nil
}

// addGroup is Add for a batch that is entirely in one group, whose
// windows are a..b.
func (c *Collector) addGroup(a, b int32, h, rowid []uint64) {
	rowid = rowid[:len(h)]
	for w := a; w < b; w++ {
		lo, width := c.lo[w], c.width[w]
		var below uint64
		rows := c.rows[w]
		for i, x := range h {
			d, borrow := bits.Sub64(x, lo, 0)
			below += borrow
			if d <= width {
				rows = append(rows, Key{H: x, RowID: rowid[i]})
			}
		}
		c.below[w] += int64(below)
		c.rows[w] = rows
	}
}

// Index is the collector's window table, read only: group g's windows are
// start[g]..start[g+1] (len(start) = largest group + 2), window w spans
// the H values with H-lo[w] <= width[w] (wrapping). An engine that
// computes Add elsewhere reads it and hands the outcome to AddPicked.
func (c *Collector) Index() (start []int32, lo, width []uint64) {
	return c.start, c.lo, c.width
}

// AddPicked is Add with the per-row work done by the caller on the
// table of Index: below[w] rows had H < lo[w] in window w's group, and
// pick j keeps row row[j] in window win[j]. Picks must come in row order
// (a row's windows in ascending order) for the kept keys to be in Add's
// order. It fails on a window or row out of range.
func (c *Collector) AddPicked(below []int64, win, row []int32, h, rowid []uint64) error {
	if len(below) != len(c.lo) || len(win) != len(row) || len(rowid) != len(h) {
		return fmt.Errorf("split: Collector.AddPicked: lengths differ: below %d for %d windows, win %d, row %d, h %d, rowid %d",
			len(below), len(c.lo), len(win), len(row), len(h), len(rowid))
	}
	for j, w := range win {
		if w < 0 || int(w) >= len(c.lo) || row[j] < 0 || int(row[j]) >= len(h) {
			return fmt.Errorf("split: Collector.AddPicked: pick %d is row %d in window %d: %d rows, %d windows", j, row[j], w, len(h), len(c.lo))
		}
	}
	for w, n := range below {
		c.below[w] += n
	}
	for j, w := range win {
		i := row[j]
		c.rows[w] = append(c.rows[w], Key{H: h[i], RowID: rowid[i]})
	}
	return nil
}

// Result returns what the collector has seen, one entry per window of
// NewCollector's ws (empty windows have zero entries), and resets the
// collector. The Partial owns its slices.
func (c *Collector) Result() Partial {
	p := Partial{Below: make([]int64, c.n), Rows: make([][]Key, c.n)}
	for j, i := range c.orig {
		p.Below[i] = c.below[j]
		p.Rows[i] = c.rows[j]
		c.below[j] = 0
		c.rows[j] = nil
	}
	return p
}

// Partial is the mergeable result of one or more scans, indexed like the
// windows: Below[i] rows of window i's group had H < Lo, and Rows[i] are
// the Keys of those with Lo <= H <= Hi, in no particular order.
type Partial struct {
	Below []int64
	Rows  [][]Key
}

// Merge adds o into p. A zero Partial takes o's shape. Merging partials in
// task order keeps the merged bytes independent of scheduling.
func (p *Partial) Merge(o Partial) error {
	if len(o.Below) != len(o.Rows) {
		return fmt.Errorf("split: malformed partial: %d counts, %d row lists", len(o.Below), len(o.Rows))
	}
	if p.Below == nil && p.Rows == nil {
		p.Below = make([]int64, len(o.Below))
		p.Rows = make([][]Key, len(o.Rows))
	}
	if len(p.Below) != len(o.Below) || len(p.Rows) != len(p.Below) {
		return fmt.Errorf("split: cannot merge a partial of %d windows into one of %d", len(o.Below), len(p.Below))
	}
	for i := range o.Below {
		p.Below[i] += o.Below[i]
		p.Rows[i] = append(p.Rows[i], o.Rows[i]...)
	}
	return nil
}
