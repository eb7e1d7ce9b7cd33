package strdate

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluice-ml/sluice/expr/eval"
)

// Units of date_diff, the part of NewDateDiff.
const (
	DiffMicrosecond = iota
	DiffMillisecond
	DiffSecond
	DiffMinute
	DiffHour
	DiffDay
	DiffWeek
	DiffMonth
	DiffQuarter
	DiffYear
)

// dateDiffNode is date_diff(unit, start, end): the number of unit
// boundaries crossed from start to end (end's bucket minus start's, with
// buckets counted from 1970-01-01 UTC, so floor semantics before 1970),
// except week, which is the whole weeks in the day difference (days / 7
// rounded toward zero). Both are timestamps of one unit.
type dateDiffNode struct {
	part int
	l, r eval.Node
	unit arrow.TimeUnit
	// ticks per bucket for the parts that are a fixed length (mul > 1
	// instead when the part is finer than a tick: bucket = t * mul)
	div, mul int64
}

// NewDateDiff is date_diff(part, l, r) over timestamps l and r of one
// unit.
func NewDateDiff(part int, l, r eval.Node) eval.Node {
	n := &dateDiffNode{part: part, l: l, r: r, unit: l.DataType().(*arrow.TimestampType).Unit, mul: 1}
	tps := eval.TicksPerSecond(n.unit)
	switch part {
	case DiffMicrosecond, DiffMillisecond:
		per := int64(1e6) // parts per second
		if part == DiffMillisecond {
			per = 1e3
		}
		if tps >= per {
			n.div = tps / per
		} else {
			n.div, n.mul = 1, per/tps
		}
	case DiffSecond:
		n.div = tps
	case DiffMinute:
		n.div = tps * 60
	case DiffHour:
		n.div = tps * 3600
	default: // days, and the calendar parts computed from days
		n.div = tps * 86400
	}
	return n
}

func (n *dateDiffNode) Kind() eval.Kind          { return eval.Int }
func (n *dateDiffNode) DataType() arrow.DataType { return arrow.PrimitiveTypes.Int64 }

func (n *dateDiffNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	lo, ro, err := eval.Operands(c, n.l, n.r)
	if err != nil {
		return nil, err
	}
	defer lo.Release()
	defer ro.Release()
	if (lo.Scalar() && lo.C.Null) || (ro.Scalar() && ro.C.Null) {
		return eval.AllNull(c, n.DataType()), nil
	}
	valid := eval.AndValidity(c.Mem, c.N, lo.Arr, ro.Arr)
	buf, out := eval.NewValues[int64](c.Mem, c.N)
	tmpBuf, tmp := eval.NewValues[int64](c.Mem, c.N)
	defer tmpBuf.Release()
	// out = bucket(end) - bucket(start)
	if ro.Scalar() {
		fillInt(out, n.bucketOf(ro.C.I))
	} else {
		n.buckets(ro.Arr.(*array.Timestamp).TimestampValues(), out)
	}
	if lo.Scalar() {
		b := n.bucketOf(lo.C.I)
		for i := range out {
			out[i] -= b
		}
	} else {
		n.buckets(lo.Arr.(*array.Timestamp).TimestampValues(), tmp)
		for i := range out {
			out[i] -= tmp[i]
		}
	}
	if n.part == DiffWeek {
		for i := range out {
			out[i] /= 7 // Go's / rounds toward zero
		}
	}
	return eval.MakeArray(n.DataType(), c.N, valid, buf), nil
}

func fillInt(out []int64, v int64) {
	for i := range out {
		out[i] = v
	}
}

// bucketOf is the bucket of one timestamp.
func (n *dateDiffNode) bucketOf(t int64) int64 {
	var out [1]int64
	n.buckets([]arrow.Timestamp{arrow.Timestamp(t)}, out[:])
	return out[0]
}

// buckets writes the bucket of each timestamp: the unit count since the
// epoch for fixed-length parts, months or quarters or years since year 0
// for the calendar parts (only differences matter).
func (n *dateDiffNode) buckets(ts []arrow.Timestamp, out []int64) {
	ts = ts[:len(out)]
	switch n.part {
	case DiffMonth:
		for i := range out {
			y, m := civilFromDays(eval.FloorDiv(int64(ts[i]), n.div))
			out[i] = y*12 + m - 1
		}
	case DiffQuarter:
		for i := range out {
			y, m := civilFromDays(eval.FloorDiv(int64(ts[i]), n.div))
			out[i] = y*4 + (m-1)/3
		}
	case DiffYear:
		for i := range out {
			y, _ := civilFromDays(eval.FloorDiv(int64(ts[i]), n.div))
			out[i] = y
		}
	default:
		if n.mul > 1 {
			for i := range out {
				out[i] = int64(ts[i]) * n.mul
			}
			return
		}
		for i := range out {
			out[i] = eval.FloorDiv(int64(ts[i]), n.div)
		}
	}
}
