package strdate

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluice-ml/sluice/expr/eval"
)

// Timestamp parts, the part of NewTimePart.
const (
	Year = iota
	Month
	Hour
	DayOfWeek // ISO day of week: Monday 1 ... Sunday 7
)

// timePartNode is year(ts), month(ts), hour(ts) or day_of_week(ts) in
// UTC, as int64.
type timePartNode struct {
	part int
	x    eval.Node
	unit arrow.TimeUnit
}

func (n *timePartNode) Kind() eval.Kind          { return eval.Int }
func (n *timePartNode) DataType() arrow.DataType { return arrow.PrimitiveTypes.Int64 }

// NewTimePart is the part (Year, Month, Hour or DayOfWeek) of timestamp x.
func NewTimePart(part int, x eval.Node) eval.Node {
	return &timePartNode{part: part, x: x, unit: x.DataType().(*arrow.TimestampType).Unit}
}

func (n *timePartNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	a, err := n.x.Eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	valid := eval.ValidityOf(c.Mem, a)
	buf, out := eval.NewValues[int64](c.Mem, c.N)
	in := a.(*array.Timestamp).TimestampValues()[:len(out)]
	perHour := eval.TicksPerSecond(n.unit) * 3600
	perDay := perHour * 24
	switch n.part {
	case Hour:
		for i := range out {
			out[i] = eval.FloorMod(int64(in[i]), perDay) / perHour
		}
	case DayOfWeek:
		for i := range out {
			// 1970-01-01 was a Thursday (ISO 4).
			out[i] = eval.FloorMod(eval.FloorDiv(int64(in[i]), perDay)+3, 7) + 1
		}
	case Year:
		for i := range out {
			y, _ := civilFromDays(eval.FloorDiv(int64(in[i]), perDay))
			out[i] = y
		}
	case Month:
		for i := range out {
			_, m := civilFromDays(eval.FloorDiv(int64(in[i]), perDay))
			out[i] = m
		}
	}
	return eval.MakeArray(n.DataType(), c.N, valid, buf), nil
}

// civilFromDays converts days since 1970-01-01 to the proleptic Gregorian
// year and month (H. Hinnant's days_from_civil inverse).
func civilFromDays(z int64) (year, month int64) {
	z += 719468
	era := eval.FloorDiv(z, 146097)
	doe := z - era*146097                                  // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100) // [0, 365]
	mp := (5*doy + 2) / 153                  // [0, 11]
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m
}
