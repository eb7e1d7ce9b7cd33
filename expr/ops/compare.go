package ops

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

// cmpOp is a comparison operator.
type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

var cmpOps = map[string]cmpOp{"=": opEq, "!=": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe}

// flip gives the operator with its operands swapped (a < b is b > a).
func (op cmpOp) flip() cmpOp {
	switch op {
	case opLt:
		return opGt
	case opLe:
		return opGe
	case opGt:
		return opLt
	case opGe:
		return opLe
	}
	return op
}

// cmpNode compares two values of one kind class (numbers, bools,
// timestamps of one unit, strings) and gives bool.
type cmpNode struct {
	op   cmpOp
	l, r eval.Node
}

func (n *cmpNode) Kind() eval.Kind          { return eval.Bool }
func (n *cmpNode) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

// NewCompare is l op r for op one of = != < <= > >= (as the parser
// writes them); l and r are of one kind class.
func NewCompare(op string, l, r eval.Node) eval.Node {
	return &cmpNode{op: cmpOps[op], l: l, r: r}
}

func (n *cmpNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	lo, ro, err := eval.Operands(c, n.l, n.r)
	if err != nil {
		return nil, err
	}
	defer lo.Release()
	defer ro.Release()
	if (lo.Scalar() && lo.C.Null) || (ro.Scalar() && ro.C.Null) {
		return eval.AllNull(c, n.DataType()), nil
	}
	lk, rk := n.l.Kind(), n.r.Kind()
	if lk == eval.Str {
		return compareStrings(c, n.op, lo, ro)
	}
	valid := eval.AndValidity(c.Mem, c.N, lo.Arr, ro.Arr)
	buf := eval.NewBitmap(c.Mem, c.N)
	out := buf.Bytes()
	switch {
	case lk == eval.Bool:
		compareBools(c.Mem, c.N, n.op, lo, ro, out)
	case lk == eval.Ts:
		l, ls := tsSide(lo)
		r, rs := tsSide(ro)
		compare[arrow.Timestamp, arrow.Timestamp, int64](n.op, l, ls, lo.Scalar(), r, rs, ro.Scalar(), out, c.N)
	case lk == eval.Int && rk == eval.Int:
		l, ls := eval.IntSide(lo)
		r, rs := eval.IntSide(ro)
		compare[int64, int64, int64](n.op, l, ls, lo.Scalar(), r, rs, ro.Scalar(), out, c.N)
	case lk == eval.Int:
		l, ls := eval.IntSide(lo)
		r, rs := eval.FloatSide(ro)
		compare[int64, float64, float64](n.op, l, ls, lo.Scalar(), r, rs, ro.Scalar(), out, c.N)
	case rk == eval.Int:
		l, ls := eval.FloatSide(lo)
		r, rs := eval.IntSide(ro)
		compare[float64, int64, float64](n.op, l, ls, lo.Scalar(), r, rs, ro.Scalar(), out, c.N)
	default:
		l, ls := eval.FloatSide(lo)
		r, rs := eval.FloatSide(ro)
		compare[float64, float64, float64](n.op, l, ls, lo.Scalar(), r, rs, ro.Scalar(), out, c.N)
	}
	return eval.MakeArray(n.DataType(), c.N, valid, buf), nil
}

// tsSide returns the timestamp values of an operand, or its scalar value.
func tsSide(o eval.Operand) ([]arrow.Timestamp, arrow.Timestamp) {
	if o.Scalar() {
		return nil, arrow.Timestamp(o.C.I)
	}
	return o.Arr.(*array.Timestamp).TimestampValues(), 0
}

// compare writes op(l, r) as bits into out (zeroed), comparing in type C.
func compare[L, R, C eval.Number](op cmpOp, l []L, ls L, lScalar bool, r []R, rs R, rScalar bool, out []byte, n int) {
	switch {
	case lScalar:
		compareAS[R, L, C](op.flip(), r[:n], C(ls), out)
	case rScalar:
		compareAS[L, R, C](op, l[:n], C(rs), out)
	default:
		compareAA[L, R, C](op, l[:n], r[:n], out)
	}
}

func compareAA[L, R, C eval.Number](op cmpOp, l []L, r []R, out []byte) {
	r = r[:len(l)]
	switch op {
	case opEq:
		for i := range l {
			out[i>>3] |= eval.B2U(C(l[i]) == C(r[i])) << (i & 7)
		}
	case opNe:
		for i := range l {
			out[i>>3] |= eval.B2U(C(l[i]) != C(r[i])) << (i & 7)
		}
	case opLt:
		for i := range l {
			out[i>>3] |= eval.B2U(C(l[i]) < C(r[i])) << (i & 7)
		}
	case opLe:
		for i := range l {
			out[i>>3] |= eval.B2U(C(l[i]) <= C(r[i])) << (i & 7)
		}
	case opGt:
		for i := range l {
			out[i>>3] |= eval.B2U(C(l[i]) > C(r[i])) << (i & 7)
		}
	case opGe:
		for i := range l {
			out[i>>3] |= eval.B2U(C(l[i]) >= C(r[i])) << (i & 7)
		}
	}
}

func compareAS[L, R, C eval.Number](op cmpOp, l []L, r C, out []byte) {
	switch op {
	case opEq:
		for i := range l {
			out[i>>3] |= eval.B2U(C(l[i]) == r) << (i & 7)
		}
	case opNe:
		for i := range l {
			out[i>>3] |= eval.B2U(C(l[i]) != r) << (i & 7)
		}
	case opLt:
		for i := range l {
			out[i>>3] |= eval.B2U(C(l[i]) < r) << (i & 7)
		}
	case opLe:
		for i := range l {
			out[i>>3] |= eval.B2U(C(l[i]) <= r) << (i & 7)
		}
	case opGt:
		for i := range l {
			out[i>>3] |= eval.B2U(C(l[i]) > r) << (i & 7)
		}
	case opGe:
		for i := range l {
			out[i>>3] |= eval.B2U(C(l[i]) >= r) << (i & 7)
		}
	}
}

// compareBools compares bool operands bytewise (false < true).
func compareBools(mem memory.Allocator, n int, op cmpOp, lo, ro eval.Operand, out []byte) {
	ls := eval.BoolValues(mem, n, lo)
	defer ls.Buf.Release()
	rs := eval.BoolValues(mem, n, ro)
	defer rs.Buf.Release()
	l, r := ls.Bits, rs.Bits[:len(ls.Bits)]
	switch op {
	case opEq:
		for i := range out {
			out[i] = ^(l[i] ^ r[i])
		}
	case opNe:
		for i := range out {
			out[i] = l[i] ^ r[i]
		}
	case opLt:
		for i := range out {
			out[i] = ^l[i] & r[i]
		}
	case opLe:
		for i := range out {
			out[i] = ^l[i] | r[i]
		}
	case opGt:
		for i := range out {
			out[i] = l[i] &^ r[i]
		}
	case opGe:
		for i := range out {
			out[i] = l[i] | ^r[i]
		}
	}
	eval.ClearTail(out, n)
}
