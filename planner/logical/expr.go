package logical

// Conjunct is one top-level AND term of a filter.
type Conjunct struct {
	Canonical string
	Columns   []string
	Range     *Range // non-nil when the term is `column op numeric-literal`
}

// Range is a one-column interval usable for Parquet row-group pruning.
// Lo is -Inf or Hi is +Inf for a one-sided term.
type Range struct {
	Column         string
	Lo, Hi         float64
	LoIncl, HiIncl bool
}

// String prints the range as an interval, e.g. `tripduration in [60, 86400)`.
func (r Range) String() string {
	lo, hi := "(", ")"
	if r.LoIncl {
		lo = "["
	}
	if r.HiIncl {
		hi = "]"
	}
	return r.Column + " in " + lo + fmtFloat(r.Lo) + ", " + fmtFloat(r.Hi) + hi
}
