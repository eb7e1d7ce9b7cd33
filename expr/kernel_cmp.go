package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
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
	l, r node
}

func (n *cmpNode) kind() kind               { return kBool }
func (n *cmpNode) dataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

func (n *cmpNode) eval(c *evalCtx) (arrow.Array, error) {
	lo, ro, err := operands(c, n.l, n.r)
	if err != nil {
		return nil, err
	}
	defer lo.release()
	defer ro.release()
	if (lo.scalar() && lo.c.null) || (ro.scalar() && ro.c.null) {
		return allNull(c, n.dataType()), nil
	}
	lk, rk := n.l.kind(), n.r.kind()
	if lk == kStr {
		return compareStrings(c, n.op, lo, ro)
	}
	valid := andValidity(c.mem, c.n, lo.arr, ro.arr)
	buf := newBitmap(c.mem, c.n)
	out := buf.Bytes()
	switch {
	case lk == kBool:
		compareBools(c.mem, c.n, n.op, lo, ro, out)
	case lk == kTs:
		l, ls := tsSide(lo)
		r, rs := tsSide(ro)
		compare[arrow.Timestamp, arrow.Timestamp, int64](n.op, l, ls, lo.scalar(), r, rs, ro.scalar(), out, c.n)
	case lk == kInt && rk == kInt:
		l, ls := intSide(lo)
		r, rs := intSide(ro)
		compare[int64, int64, int64](n.op, l, ls, lo.scalar(), r, rs, ro.scalar(), out, c.n)
	case lk == kInt:
		l, ls := intSide(lo)
		r, rs := floatSide(ro)
		compare[int64, float64, float64](n.op, l, ls, lo.scalar(), r, rs, ro.scalar(), out, c.n)
	case rk == kInt:
		l, ls := floatSide(lo)
		r, rs := intSide(ro)
		compare[float64, int64, float64](n.op, l, ls, lo.scalar(), r, rs, ro.scalar(), out, c.n)
	default:
		l, ls := floatSide(lo)
		r, rs := floatSide(ro)
		compare[float64, float64, float64](n.op, l, ls, lo.scalar(), r, rs, ro.scalar(), out, c.n)
	}
	return makeArray(n.dataType(), c.n, valid, buf), nil
}

// tsSide returns the timestamp values of an operand, or its scalar value.
func tsSide(o operand) ([]arrow.Timestamp, arrow.Timestamp) {
	if o.scalar() {
		return nil, arrow.Timestamp(o.c.i)
	}
	return o.arr.(*array.Timestamp).TimestampValues(), 0
}

// compare writes op(l, r) as bits into out (zeroed), comparing in type C.
func compare[L, R, C number](op cmpOp, l []L, ls L, lScalar bool, r []R, rs R, rScalar bool, out []byte, n int) {
	switch {
	case lScalar:
		compareAS[R, L, C](op.flip(), r[:n], C(ls), out)
	case rScalar:
		compareAS[L, R, C](op, l[:n], C(rs), out)
	default:
		compareAA[L, R, C](op, l[:n], r[:n], out)
	}
}

func compareAA[L, R, C number](op cmpOp, l []L, r []R, out []byte) {
	r = r[:len(l)]
	switch op {
	case opEq:
		for i := range l {
			out[i>>3] |= b2u(C(l[i]) == C(r[i])) << (i & 7)
		}
	case opNe:
		for i := range l {
			out[i>>3] |= b2u(C(l[i]) != C(r[i])) << (i & 7)
		}
	case opLt:
		for i := range l {
			out[i>>3] |= b2u(C(l[i]) < C(r[i])) << (i & 7)
		}
	case opLe:
		for i := range l {
			out[i>>3] |= b2u(C(l[i]) <= C(r[i])) << (i & 7)
		}
	case opGt:
		for i := range l {
			out[i>>3] |= b2u(C(l[i]) > C(r[i])) << (i & 7)
		}
	case opGe:
		for i := range l {
			out[i>>3] |= b2u(C(l[i]) >= C(r[i])) << (i & 7)
		}
	}
}

func compareAS[L, R, C number](op cmpOp, l []L, r C, out []byte) {
	switch op {
	case opEq:
		for i := range l {
			out[i>>3] |= b2u(C(l[i]) == r) << (i & 7)
		}
	case opNe:
		for i := range l {
			out[i>>3] |= b2u(C(l[i]) != r) << (i & 7)
		}
	case opLt:
		for i := range l {
			out[i>>3] |= b2u(C(l[i]) < r) << (i & 7)
		}
	case opLe:
		for i := range l {
			out[i>>3] |= b2u(C(l[i]) <= r) << (i & 7)
		}
	case opGt:
		for i := range l {
			out[i>>3] |= b2u(C(l[i]) > r) << (i & 7)
		}
	case opGe:
		for i := range l {
			out[i>>3] |= b2u(C(l[i]) >= r) << (i & 7)
		}
	}
}

// scratchBits is a bitmap aligned at bit 0 holding a bool operand's values
// (a copy for arrays, all ones or zeros for a scalar). Release buf.
type scratchBits struct {
	buf  *memory.Buffer
	bits []byte
}

func boolValues(mem memory.Allocator, n int, o operand) scratchBits {
	buf := newBitmap(mem, n)
	if o.scalar() {
		if o.c.b {
			fillBytes(buf.Bytes(), 0xFF)
		}
	} else {
		bits, off := boolBits(o.arr.(*array.Boolean))
		bitutil.CopyBitmap(bits, off, n, buf.Bytes(), 0)
	}
	return scratchBits{buf: buf, bits: buf.Bytes()}
}

// compareBools compares bool operands bytewise (false < true).
func compareBools(mem memory.Allocator, n int, op cmpOp, lo, ro operand, out []byte) {
	ls := boolValues(mem, n, lo)
	defer ls.buf.Release()
	rs := boolValues(mem, n, ro)
	defer rs.buf.Release()
	l, r := ls.bits, rs.bits[:len(ls.bits)]
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
	clearTail(out, n)
}

// clearTail zeroes the bits of the last byte beyond n.
func clearTail(b []byte, n int) {
	if n&7 != 0 && len(b) > 0 {
		b[len(b)-1] &= byte(1)<<(n&7) - 1
	}
}
