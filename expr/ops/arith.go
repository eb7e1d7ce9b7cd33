package ops

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

// arithNode is l op r for op in + - * / %, over int64 and float64.
type arithNode struct {
	op   byte
	l, r eval.Node
	k    eval.Kind // eval.Int or eval.Float
}

func (n *arithNode) Kind() eval.Kind          { return n.k }
func (n *arithNode) DataType() arrow.DataType { return eval.TypeOfKind(n.k, nil) }

// NewArith is l op r for op one of + - * / %; k is the result kind, Int
// or Float (an Int operand under a Float result is converted).
func NewArith(op byte, l, r eval.Node, k eval.Kind) eval.Node {
	return &arithNode{op: op, l: l, r: r, k: k}
}

func (n *arithNode) Eval(c *eval.Ctx) (arrow.Array, error) {
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
	lk, rk := n.l.Kind(), n.r.Kind()
	if n.k == eval.Int {
		buf, out := eval.NewValues[int64](c.Mem, c.N)
		l, ls := eval.IntSide(lo)
		r, rs := eval.IntSide(ro)
		if n.op == '%' {
			valid = modInt(c.Mem, c.N, valid, l, ls, lo.Scalar(), r, rs, ro.Scalar(), out)
		} else {
			arith(n.op, l, ls, lo.Scalar(), r, rs, ro.Scalar(), out)
		}
		return eval.MakeArray(n.DataType(), c.N, valid, buf), nil
	}
	buf, out := eval.NewValues[float64](c.Mem, c.N)
	switch {
	case lk == eval.Int && rk == eval.Int: // only for /
		l, ls := eval.IntSide(lo)
		r, rs := eval.IntSide(ro)
		arith(n.op, l, ls, lo.Scalar(), r, rs, ro.Scalar(), out)
	case lk == eval.Int:
		l, ls := eval.IntSide(lo)
		r, rs := eval.FloatSide(ro)
		arith(n.op, l, ls, lo.Scalar(), r, rs, ro.Scalar(), out)
	case rk == eval.Int:
		l, ls := eval.FloatSide(lo)
		r, rs := eval.IntSide(ro)
		arith(n.op, l, ls, lo.Scalar(), r, rs, ro.Scalar(), out)
	default:
		l, ls := eval.FloatSide(lo)
		r, rs := eval.FloatSide(ro)
		arith(n.op, l, ls, lo.Scalar(), r, rs, ro.Scalar(), out)
	}
	return eval.MakeArray(n.DataType(), c.N, valid, buf), nil
}

// arith dispatches on the operand shapes (array/scalar) once per batch.
func arith[L, R, O eval.Number](op byte, l []L, ls L, lScalar bool, r []R, rs R, rScalar bool, out []O) {
	switch {
	case lScalar:
		arithSA(op, ls, r, out)
	case rScalar:
		arithAS(op, l, rs, out)
	default:
		arithAA(op, l, r, out)
	}
}

// The arith loops compute in the output type O. Division is only
// instantiated with O = float64, and % with floats only (integer % is
// modInt), so no loop here can trap.
func arithAA[L, R, O eval.Number](op byte, l []L, r []R, out []O) {
	l, r = l[:len(out)], r[:len(out)]
	switch op {
	case '+':
		for i := range out {
			out[i] = O(l[i]) + O(r[i])
		}
	case '-':
		for i := range out {
			out[i] = O(l[i]) - O(r[i])
		}
	case '*':
		for i := range out {
			out[i] = O(l[i]) * O(r[i])
		}
	case '/':
		for i := range out {
			out[i] = O(l[i]) / O(r[i])
		}
	case '%':
		for i := range out {
			out[i] = O(math.Mod(float64(l[i]), float64(r[i])))
		}
	}
}

func arithAS[L, R, O eval.Number](op byte, l []L, rs R, out []O) {
	l = l[:len(out)]
	r := O(rs)
	switch op {
	case '+':
		for i := range out {
			out[i] = O(l[i]) + r
		}
	case '-':
		for i := range out {
			out[i] = O(l[i]) - r
		}
	case '*':
		for i := range out {
			out[i] = O(l[i]) * r
		}
	case '/':
		for i := range out {
			out[i] = O(l[i]) / r
		}
	case '%':
		for i := range out {
			out[i] = O(math.Mod(float64(l[i]), float64(r)))
		}
	}
}

func arithSA[L, R, O eval.Number](op byte, ls L, r []R, out []O) {
	r = r[:len(out)]
	l := O(ls)
	switch op {
	case '+':
		for i := range out {
			out[i] = l + O(r[i])
		}
	case '-':
		for i := range out {
			out[i] = l - O(r[i])
		}
	case '*':
		for i := range out {
			out[i] = l * O(r[i])
		}
	case '/':
		for i := range out {
			out[i] = l / O(r[i])
		}
	case '%':
		for i := range out {
			out[i] = O(math.Mod(float64(l), float64(r[i])))
		}
	}
}

// modInt computes integer l % r (Go semantics: the sign follows l) and
// makes rows with a zero divisor null. It returns the updated validity.
func modInt(mem memory.Allocator, n int, valid *memory.Buffer, l []int64, ls int64, lScalar bool, r []int64, rs int64, rScalar bool, out []int64) *memory.Buffer {
	if rScalar {
		if rs == 0 {
			if valid == nil {
				valid = eval.NewBitmap(mem, n)
			}
			clear(valid.Bytes())
			return valid
		}
		l = l[:n]
		for i := range out {
			out[i] = l[i] % rs
		}
		return valid
	}
	r = r[:n]
	zeros := 0
	for i := range r {
		zeros += int(eval.B2U(r[i] == 0))
	}
	if zeros > 0 {
		if valid == nil {
			valid = eval.NewBitmap(mem, n)
			eval.FillBytes(valid.Bytes(), 0xFF)
		}
		vb := valid.Bytes()
		for i := range r {
			if r[i] == 0 {
				bitutil.ClearBit(vb, i)
			}
		}
	}
	if lScalar {
		for i := range out {
			d := r[i] | int64(eval.B2U(r[i] == 0)) // 1 where r is 0: the row is null
			out[i] = ls % d
		}
		return valid
	}
	l = l[:n]
	for i := range out {
		d := r[i] | int64(eval.B2U(r[i] == 0))
		out[i] = l[i] % d
	}
	return valid
}
