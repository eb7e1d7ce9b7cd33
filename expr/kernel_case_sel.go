package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// hasStrictCast reports whether e contains a cast (not try_cast), which
// can fail on a value: case evaluates such an arm only on the rows that
// take it, so that a row's success never depends on its neighbours.
func hasStrictCast(e Expr) bool {
	found := false
	walk(e, func(x Expr) {
		if c, ok := x.(*Cast); ok && !c.Try {
			found = true
		}
	})
	return found
}

// putSelected evaluates v on the rows set in take only (the input columns
// gathered to those rows) and scatters the results back.
func (o *caseOut) putSelected(c *evalCtx, v node, take []byte) error {
	n := bitutil.CountSetBits(take, 0, c.n)
	sel := make([]int32, 0, n)
	for i := range c.n {
		if take[i>>3]&(1<<(i&7)) != 0 {
			sel = append(sel, int32(i))
		}
	}
	sub := &evalCtx{mem: c.mem, n: n, cols: make([]arrow.Array, len(c.cols))}
	defer func() {
		for _, a := range sub.cols {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, col := range c.cols {
		d, err := takeData(c.mem, col.Data(), sel)
		if err != nil {
			return err
		}
		sub.cols[i] = array.MakeFromData(d)
		d.Release()
	}
	a, err := v.eval(sub)
	if err != nil {
		return err
	}
	defer a.Release()
	ov := o.valid.Bytes()
	if o.k == kStr {
		sv := strViewOf(a)
		valid := sv.validity(c.mem, n)
		rows := newBitmap(c.mem, n)
		defer rows.Release()
		rb := rows.Bytes()
		if valid == nil {
			fillBytes(rb, 0xFF)
			clearTail(rb, n)
		} else {
			copy(rb, valid.Bytes())
			valid.Release()
		}
		o.putStrings(sv, rb, sel)
		for k, r := range sel {
			if rb[k>>3]&(1<<(k&7)) != 0 {
				ov[r>>3] |= 1 << (r & 7)
			}
		}
		return nil
	}
	valid := validityOf(c.mem, a)
	var vb []byte
	if valid != nil {
		vb = valid.Bytes()
		defer valid.Release()
	}
	switch {
	case o.k == kBool:
		bits, off := boolBits(a.(*array.Boolean))
		for k, r := range sel {
			if bitutil.BitIsSet(bits, off+k) {
				o.bits[r>>3] |= 1 << (r & 7)
			}
		}
	case v.kind() == kTs:
		scatterRows(a.(*array.Timestamp).TimestampValues(), sel, o.ints)
	case v.kind() == kInt && o.k == kFloat:
		scatterRows(a.(*array.Int64).Int64Values(), sel, o.floats)
	case v.kind() == kInt:
		scatterRows(a.(*array.Int64).Int64Values(), sel, o.ints)
	default:
		scatterRows(a.(*array.Float64).Float64Values(), sel, o.floats)
	}
	for k, r := range sel {
		if vb == nil || vb[k>>3]&(1<<(k&7)) != 0 {
			ov[r>>3] |= 1 << (r & 7)
		}
	}
	return nil
}

// scatterRows sets out[sel[k]] = O(vals[k]).
func scatterRows[T fixed, O fixed](vals []T, sel []int32, out []O) {
	vals = vals[:len(sel)]
	for k, r := range sel {
		out[r] = O(vals[k])
	}
}
