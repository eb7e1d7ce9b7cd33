package ops

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/sluice-ml/sluice/expr/eval"
)

// putSelected evaluates v on the rows set in take only (the input columns
// gathered to those rows) and scatters the results back.
func (o *caseOut) putSelected(c *eval.Ctx, v eval.Node, take []byte) error {
	n := bitutil.CountSetBits(take, 0, c.N)
	sel := make([]int32, 0, n)
	for i := range c.N {
		if take[i>>3]&(1<<(i&7)) != 0 {
			sel = append(sel, int32(i))
		}
	}
	sub := &eval.Ctx{Mem: c.Mem, N: n, Cols: make([]arrow.Array, len(c.Cols))}
	defer func() {
		for _, a := range sub.Cols {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, col := range c.Cols {
		d, err := eval.Take(c.Mem, col.Data(), sel)
		if err != nil {
			return err
		}
		sub.Cols[i] = array.MakeFromData(d)
		d.Release()
	}
	a, err := v.Eval(sub)
	if err != nil {
		return err
	}
	defer a.Release()
	ov := o.valid.Bytes()
	if o.k == eval.Str {
		sv := eval.StrViewOf(a)
		valid := sv.Validity(c.Mem, n)
		rows := eval.NewBitmap(c.Mem, n)
		defer rows.Release()
		rb := rows.Bytes()
		if valid == nil {
			eval.FillBytes(rb, 0xFF)
			eval.ClearTail(rb, n)
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
	valid := eval.ValidityOf(c.Mem, a)
	var vb []byte
	if valid != nil {
		vb = valid.Bytes()
		defer valid.Release()
	}
	switch {
	case o.k == eval.Bool:
		bits, off := eval.BoolBits(a.(*array.Boolean))
		for k, r := range sel {
			if bitutil.BitIsSet(bits, off+k) {
				o.bits[r>>3] |= 1 << (r & 7)
			}
		}
	case v.Kind() == eval.Ts:
		scatterRows(a.(*array.Timestamp).TimestampValues(), sel, o.ints)
	case v.Kind() == eval.Int && o.k == eval.Float:
		scatterRows(a.(*array.Int64).Int64Values(), sel, o.floats)
	case v.Kind() == eval.Int:
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
func scatterRows[T eval.Fixed, O eval.Fixed](vals []T, sel []int32, out []O) {
	vals = vals[:len(sel)]
	for k, r := range sel {
		out[r] = O(vals[k])
	}
}
