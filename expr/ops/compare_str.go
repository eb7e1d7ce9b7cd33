package ops

import (
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluice-ml/sluice/expr/eval"
)

func compareStr(op cmpOp, a, b string) bool {
	switch op {
	case opEq:
		return a == b
	case opNe:
		return a != b
	case opLt:
		return a < b
	case opLe:
		return a <= b
	case opGt:
		return a > b
	}
	return a >= b
}

// compareStrings compares string operands: against a scalar by a table
// over the dictionary; two columns by ranking both dictionaries in one
// sorted order and comparing the ranks per row.
func compareStrings(c *eval.Ctx, op cmpOp, lo, ro eval.Operand) (arrow.Array, error) {
	if lo.Scalar() {
		lo, ro = ro, lo
		op = op.flip()
	}
	buf := eval.NewBitmap(c.Mem, c.N)
	out := buf.Bytes()
	lv := eval.StrViewOf(lo.Arr)
	lvalid := lv.Validity(c.Mem, c.N)
	if ro.Scalar() {
		s := ro.C.S
		tbl := make([]byte, lv.Dict.Len())
		for j := range tbl {
			tbl[j] = eval.B2U(compareStr(op, lv.Dict.Value(j), s))
		}
		lv.MapTable(tbl, lvalid, out, c.N)
		return eval.MakeArray(arrow.FixedWidthTypes.Boolean, c.N, lvalid, buf), nil
	}
	rv := eval.StrViewOf(ro.Arr)
	rvalid := rv.Validity(c.Mem, c.N)
	lrank, rrank := unionRanks(lv.Dict, rv.Dict)
	lb, l := eval.NewValues[int32](c.Mem, c.N)
	defer lb.Release()
	rb, r := eval.NewValues[int32](c.Mem, c.N)
	defer rb.Release()
	lv.MapRanks(lrank, lvalid, l)
	rv.MapRanks(rrank, rvalid, r)
	compareAA[int32, int32, int32](op, l, r, out)
	valid := eval.AndInto(c.Mem, c.N, lvalid, rvalid)
	if rvalid != nil && valid != rvalid {
		rvalid.Release()
	}
	return eval.MakeArray(arrow.FixedWidthTypes.Boolean, c.N, valid, buf), nil
}

// unionRanks gives every entry of a and b its rank among the distinct
// values of both, so that rank order is string order.
func unionRanks(a, b *array.String) ([]int32, []int32) {
	vals := make([]string, 0, a.Len()+b.Len())
	for j := range a.Len() {
		vals = append(vals, a.Value(j))
	}
	for j := range b.Len() {
		vals = append(vals, b.Value(j))
	}
	sort.Strings(vals)
	uniq := vals[:0]
	for i, s := range vals {
		if i == 0 || s != uniq[len(uniq)-1] {
			uniq = append(uniq, s)
		}
	}
	rank := func(d *array.String) []int32 {
		out := make([]int32, d.Len())
		for j := range out {
			out[j] = int32(sort.SearchStrings(uniq, d.Value(j)))
		}
		return out
	}
	return rank(a), rank(b)
}
