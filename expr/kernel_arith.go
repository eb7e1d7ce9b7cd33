package expr

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// number is the element types arithmetic and comparison kernels read.
type number interface {
	~int32 | ~int64 | ~float64
}

// arithNode is l op r for op in + - * / %, over int64 and float64.
type arithNode struct {
	op   byte
	l, r node
	k    kind // kInt or kFloat
}

func (n *arithNode) kind() kind               { return n.k }
func (n *arithNode) dataType() arrow.DataType { return typeOfKind(n.k, nil) }

func (n *arithNode) eval(c *evalCtx) (arrow.Array, error) {
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
	lk, rk := n.l.kind(), n.r.kind()
	if n.k == kInt {
		buf, out := newValues[int64](c.mem, c.n)
		l, ls := intSide(lo)
		r, rs := intSide(ro)
		if n.op == '%' {
			valid = modInt(c.mem, c.n, valid, l, ls, lo.scalar(), r, rs, ro.scalar(), out)
		} else {
			arith(n.op, l, ls, lo.scalar(), r, rs, ro.scalar(), out)
		}
		return makeArray(n.dataType(), c.n, valid, buf), nil
	}
	buf, out := newValues[float64](c.mem, c.n)
	switch {
	case lk == kInt && rk == kInt: // only for /
		l, ls := intSide(lo)
		r, rs := intSide(ro)
		arith(n.op, l, ls, lo.scalar(), r, rs, ro.scalar(), out)
	case lk == kInt:
		l, ls := intSide(lo)
		r, rs := floatSide(ro)
		arith(n.op, l, ls, lo.scalar(), r, rs, ro.scalar(), out)
	case rk == kInt:
		l, ls := floatSide(lo)
		r, rs := intSide(ro)
		arith(n.op, l, ls, lo.scalar(), r, rs, ro.scalar(), out)
	default:
		l, ls := floatSide(lo)
		r, rs := floatSide(ro)
		arith(n.op, l, ls, lo.scalar(), r, rs, ro.scalar(), out)
	}
	return makeArray(n.dataType(), c.n, valid, buf), nil
}

// intSide returns the int64 values of an operand, or its scalar value.
func intSide(o operand) ([]int64, int64) {
	if o.scalar() {
		return nil, o.c.i
	}
	return o.arr.(*array.Int64).Int64Values(), 0
}

// floatSide returns the float64 values of an operand, or its scalar value.
func floatSide(o operand) ([]float64, float64) {
	if o.scalar() {
		return nil, o.c.f
	}
	return o.arr.(*array.Float64).Float64Values(), 0
}

// arith dispatches on the operand shapes (array/scalar) once per batch.
func arith[L, R, O number](op byte, l []L, ls L, lScalar bool, r []R, rs R, rScalar bool, out []O) {
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
func arithAA[L, R, O number](op byte, l []L, r []R, out []O) {
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

func arithAS[L, R, O number](op byte, l []L, rs R, out []O) {
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

func arithSA[L, R, O number](op byte, ls L, r []R, out []O) {
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
				valid = newBitmap(mem, n)
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
		zeros += int(b2u(r[i] == 0))
	}
	if zeros > 0 {
		if valid == nil {
			valid = newBitmap(mem, n)
			fillBytes(valid.Bytes(), 0xFF)
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
			d := r[i] | int64(b2u(r[i] == 0)) // 1 where r is 0: the row is null
			out[i] = ls % d
		}
		return valid
	}
	l = l[:n]
	for i := range out {
		d := r[i] | int64(b2u(r[i] == 0))
		out[i] = l[i] % d
	}
	return valid
}
