package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Units of date_diff.
const (
	dpMicro = iota
	dpMilli
	dpSecond
	dpMinute
	dpHour
	dpDay
	dpWeek
	dpMonth
	dpQuarter
	dpYear
)

// dateDiffNode is date_diff(unit, start, end): the number of unit
// boundaries crossed from start to end (end's bucket minus start's, with
// buckets counted from 1970-01-01 UTC, so floor semantics before 1970),
// except week, which is the whole weeks in the day difference (days / 7
// rounded toward zero). Both are timestamps of one unit.
type dateDiffNode struct {
	part int
	l, r node
	unit arrow.TimeUnit
	// ticks per bucket for the parts that are a fixed length (mul > 1
	// instead when the part is finer than a tick: bucket = t * mul)
	div, mul int64
}

func newDateDiff(part int, l, r node) *dateDiffNode {
	n := &dateDiffNode{part: part, l: l, r: r, unit: l.dataType().(*arrow.TimestampType).Unit, mul: 1}
	tps := ticksPerSecond(n.unit)
	switch part {
	case dpMicro, dpMilli:
		per := int64(1e6) // parts per second
		if part == dpMilli {
			per = 1e3
		}
		if tps >= per {
			n.div = tps / per
		} else {
			n.div, n.mul = 1, per/tps
		}
	case dpSecond:
		n.div = tps
	case dpMinute:
		n.div = tps * 60
	case dpHour:
		n.div = tps * 3600
	default: // days, and the calendar parts computed from days
		n.div = tps * 86400
	}
	return n
}

func (n *dateDiffNode) kind() kind               { return kInt }
func (n *dateDiffNode) dataType() arrow.DataType { return arrow.PrimitiveTypes.Int64 }

func (n *dateDiffNode) eval(c *evalCtx) (arrow.Array, error) {
	lo, ro, err := operands(c, n.l, n.r)
	if err != nil {
		return nil, err
	}
	defer lo.release()
	defer ro.release()
	if (lo.scalar() && lo.c.null) || (ro.scalar() && ro.c.null) {
		return allNull(c, n.dataType()), nil
	}
	valid := andValidity(c.mem, c.n, lo.arr, ro.arr)
	buf, out := newValues[int64](c.mem, c.n)
	tmpBuf, tmp := newValues[int64](c.mem, c.n)
	defer tmpBuf.Release()
	// out = bucket(end) - bucket(start)
	if ro.scalar() {
		fillInt(out, n.bucketOf(ro.c.i))
	} else {
		n.buckets(ro.arr.(*array.Timestamp).TimestampValues(), out)
	}
	if lo.scalar() {
		b := n.bucketOf(lo.c.i)
		for i := range out {
			out[i] -= b
		}
	} else {
		n.buckets(lo.arr.(*array.Timestamp).TimestampValues(), tmp)
		for i := range out {
			out[i] -= tmp[i]
		}
	}
	if n.part == dpWeek {
		for i := range out {
			out[i] /= 7 // Go's / rounds toward zero
		}
	}
	return makeArray(n.dataType(), c.n, valid, buf), nil
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
	case dpMonth:
		for i := range out {
			y, m := civilFromDays(floorDiv(int64(ts[i]), n.div))
			out[i] = y*12 + m - 1
		}
	case dpQuarter:
		for i := range out {
			y, m := civilFromDays(floorDiv(int64(ts[i]), n.div))
			out[i] = y*4 + (m-1)/3
		}
	case dpYear:
		for i := range out {
			y, _ := civilFromDays(floorDiv(int64(ts[i]), n.div))
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
			out[i] = floorDiv(int64(ts[i]), n.div)
		}
	}
}
