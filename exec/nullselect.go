package exec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// NullSelector finds the rows of a batch with no null in its columns
// (`fill: drop`) and counts the others as DropNulls does, without copying
// the kept rows: for a caller that gathers them itself (the scan's cache
// write takes each kept row once, straight into its bucket).
type NullSelector struct {
	cols    []string
	dropped int64
	by      map[string]int64
	keep    []bool
	rows    []int32
}

// NewNullSelector selects the rows without a null in cols.
func NewNullSelector(cols []string) *NullSelector {
	return &NullSelector{cols: cols, by: map[string]int64{}}
}

// Dropped is the number of rows not selected so far.
func (s *NullSelector) Dropped() int64 { return s.dropped }

// DroppedBy counts the rows not selected by the column null in them (a
// row null in two columns counts once per column).
func (s *NullSelector) DroppedBy() map[string]int64 { return s.by }

// Select returns the kept rows of in, ascending, and keep[i] for every
// row; both are nil when every row is kept (rows is empty, not nil, when
// none is). They are reused by the next call.
func (s *NullSelector) Select(in arrow.RecordBatch) (rows []int32, keep []bool, err error) {
	keep, err = s.mask(in)
	if err != nil || keep == nil {
		return nil, nil, err
	}
	if s.rows == nil {
		s.rows = make([]int32, 0, len(keep)) // not nil even when no row is kept
	}
	s.rows = s.rows[:0]
	for i, k := range keep {
		if k {
			s.rows = append(s.rows, int32(i))
		}
	}
	s.dropped += int64(len(keep) - len(s.rows))
	return s.rows, keep, nil
}

// mask marks the rows of in with a null in any column false and counts
// them per column; it returns nil when no column has a null. The total is
// the caller's to count.
func (s *NullSelector) mask(in arrow.RecordBatch) ([]bool, error) {
	n := int(in.NumRows())
	any := false
	for _, name := range s.cols {
		idx := in.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("drop: no column %q", name)
		}
		col := in.Column(idx[0])
		if col.NullN() == 0 {
			continue
		}
		if !any {
			s.keep = resizeBools(s.keep, n)
			any = true
		}
		for i := 0; i < n; i++ {
			if col.IsNull(i) {
				s.by[name]++
				s.keep[i] = false
			}
		}
	}
	if !any {
		return nil, nil
	}
	return s.keep[:n], nil
}
