package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// logicNode is l and r / l or r with SQL three-valued logic, computed a
// byte (8 rows) at a time on aligned bitmaps.
type logicNode struct {
	and  bool
	l, r node
}

func (n *logicNode) kind() kind               { return kBool }
func (n *logicNode) dataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

// boolValidity returns the validity of a bool operand from bit 0: nil when
// it has no nulls, all zeros for a null scalar.
func boolValidity(mem memory.Allocator, n int, o operand) *memory.Buffer {
	if o.scalar() {
		if o.c.null {
			return newBitmap(mem, n)
		}
		return nil
	}
	return validityOf(mem, o.arr)
}

func (n *logicNode) eval(c *evalCtx) (arrow.Array, error) {
	lo, ro, err := operands(c, n.l, n.r)
	if err != nil {
		return nil, err
	}
	defer lo.release()
	defer ro.release()
	lvals := boolValues(c.mem, c.n, lo)
	defer lvals.buf.Release()
	rvals := boolValues(c.mem, c.n, ro)
	defer rvals.buf.Release()
	lvalid := boolValidity(c.mem, c.n, lo)
	rvalid := boolValidity(c.mem, c.n, ro)
	out := newBitmap(c.mem, c.n)
	o, l, r := out.Bytes(), lvals.bits, rvals.bits
	r = r[:len(l)]
	if lvalid == nil && rvalid == nil {
		if n.and {
			for i := range o {
				o[i] = l[i] & r[i]
			}
		} else {
			for i := range o {
				o[i] = l[i] | r[i]
			}
		}
		clearTail(o, c.n)
		return makeArray(n.dataType(), c.n, nil, out), nil
	}
	if lvalid == nil {
		lvalid = newBitmap(c.mem, c.n)
		fillBytes(lvalid.Bytes(), 0xFF)
	}
	if rvalid == nil {
		rvalid = newBitmap(c.mem, c.n)
		fillBytes(rvalid.Bytes(), 0xFF)
	}
	defer rvalid.Release()
	lv, rv := lvalid.Bytes(), rvalid.Bytes()[:len(l)]
	if n.and {
		for i := range o {
			decided := (lv[i] &^ l[i]) | (rv[i] &^ r[i]) // a known false decides
			valid := (lv[i] & rv[i]) | decided
			o[i] = l[i] & r[i] & valid
			lv[i] = valid
		}
	} else {
		for i := range o {
			decided := (lv[i] & l[i]) | (rv[i] & r[i]) // a known true decides
			valid := (lv[i] & rv[i]) | decided
			o[i] = (l[i] | r[i]) & valid
			lv[i] = valid
		}
	}
	return makeArray(n.dataType(), c.n, lvalid, out), nil
}

// notNode is not x: null stays null.
type notNode struct{ x node }

func (n *notNode) kind() kind               { return kBool }
func (n *notNode) dataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

func (n *notNode) eval(c *evalCtx) (arrow.Array, error) {
	a, err := n.x.eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	vals := boolValues(c.mem, c.n, operand{arr: a})
	b := vals.bits
	for i := range b {
		b[i] = ^b[i]
	}
	clearTail(b, c.n)
	return makeArray(n.dataType(), c.n, validityOf(c.mem, a), vals.buf), nil
}

// isNullNode is x is null / x is not null; the result has no nulls.
type isNullNode struct {
	x   node
	not bool
}

func (n *isNullNode) kind() kind               { return kBool }
func (n *isNullNode) dataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

func (n *isNullNode) eval(c *evalCtx) (arrow.Array, error) {
	a, err := n.x.eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	var valid *memory.Buffer
	if n.x.kind() == kStr {
		valid = strViewOf(a).validity(c.mem, c.n)
	} else if n.x.kind() != kNull {
		valid = validityOf(c.mem, a)
	} else {
		valid = newBitmap(c.mem, c.n)
	}
	if valid == nil {
		valid = newBitmap(c.mem, c.n)
		fillBytes(valid.Bytes(), 0xFF)
	}
	if !n.not {
		b := valid.Bytes()
		for i := range b {
			b[i] = ^b[i]
		}
	}
	clearTail(valid.Bytes(), c.n)
	return makeArray(n.dataType(), c.n, nil, valid), nil
}
