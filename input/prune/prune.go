package prune

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// Range is a predicate hint on one numeric column: Lo <= v <= Hi with the
// bounds inclusive or not. Timestamps compare in microseconds since the
// epoch. Use math.Inf for an open side. Pruning only skips whole Parquet
// row groups whose statistics cannot intersect the range; callers still
// filter every row.
type Range struct {
	Column         string
	Lo, Hi         float64
	LoIncl, HiIncl bool
}

// Stats counts the Parquet row groups a reader read and skipped by
// pruning.
type Stats struct{ RowGroupsRead, RowGroupsSkipped int }

// Leaf is a Range bound to a Parquet leaf column and the column's Arrow
// type in the file (which fixes the unit of its statistics).
type Leaf struct {
	Range
	Leaf int
	Type arrow.DataType
}

// maxExact is the largest magnitude below which every integer is exact in
// float64; integer statistics beyond it are not used for pruning.
const maxExact = 1 << 53

// SkipRowGroup reports whether a row group's statistics show that no row
// satisfies every range (AND). Missing or unusable statistics never skip.
func SkipRowGroup(rg *metadata.RowGroupMetaData, rs []Leaf) bool {
	for _, r := range rs {
		cc, err := rg.ColumnChunk(r.Leaf)
		if err != nil {
			continue
		}
		st, err := cc.Statistics()
		if err != nil || st == nil {
			continue
		}
		if st.HasNullCount() && st.NullCount() >= rg.NumRows() && rg.NumRows() > 0 {
			return true // only nulls: no value can be in range
		}
		if !st.HasMinMax() {
			continue
		}
		lo, hi, ok := statBounds(st, r.Type)
		if !ok {
			continue
		}
		if !intersects(lo, hi, r.Range) {
			return true
		}
	}
	return false
}

// intersects reports whether [lo, hi] meets the range.
func intersects(lo, hi float64, r Range) bool {
	if hi < r.Lo || (hi == r.Lo && !r.LoIncl) {
		return false
	}
	if lo > r.Hi || (lo == r.Hi && !r.HiIncl) {
		return false
	}
	return true
}

// statBounds converts min/max statistics to the canonical unit of the
// column (int64 value, float64 value, microseconds for time types).
func statBounds(st metadata.TypedStatistics, typ arrow.DataType) (lo, hi float64, ok bool) {
	var mn, mx int64
	switch s := st.(type) {
	case *metadata.Int32Statistics:
		mn, mx = int64(s.Min()), int64(s.Max())
	case *metadata.Int64Statistics:
		mn, mx = s.Min(), s.Max()
	case *metadata.Float32Statistics:
		return floatBounds(float64(s.Min()), float64(s.Max()))
	case *metadata.Float64Statistics:
		return floatBounds(s.Min(), s.Max())
	default:
		return 0, 0, false
	}
	var mul, div int64 = 1, 1
	switch typ.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
	case arrow.DATE32:
		mul = 86_400_000_000
	case arrow.DATE64:
		mul = 1000
	case arrow.TIMESTAMP:
		switch typ.(*arrow.TimestampType).Unit {
		case arrow.Second:
			mul = 1_000_000
		case arrow.Millisecond:
			mul = 1000
		case arrow.Nanosecond:
			div = 1000
		}
	default:
		return 0, 0, false // unsigned (different sort order) and anything else
	}
	if mn < -maxExact || mx > maxExact || mn > mx {
		return 0, 0, false
	}
	lo = math.Floor(float64(mn) * float64(mul) / float64(div))
	hi = math.Floor(float64(mx) * float64(mul) / float64(div))
	if math.Abs(lo) > maxExact || math.Abs(hi) > maxExact {
		return 0, 0, false
	}
	return lo, hi, true
}

func floatBounds(mn, mx float64) (float64, float64, bool) {
	if mn != mn || mx != mx || mn > mx {
		return 0, 0, false
	}
	return mn, mx, true
}
