package ops

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

// logicNode is l and r / l or r with SQL three-valued logic, computed a
// byte (8 rows) at a time on aligned bitmaps.
type logicNode struct {
	and  bool
	l, r eval.Node
}

func (n *logicNode) Kind() eval.Kind          { return eval.Bool }
func (n *logicNode) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

// NewLogic is l and r (and true) or l or r (and false) over bools.
func NewLogic(and bool, l, r eval.Node) eval.Node {
	return &logicNode{and: and, l: l, r: r}
}

func (n *logicNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	lo, ro, err := eval.Operands(c, n.l, n.r)
	if err != nil {
		return nil, err
	}
	defer lo.Release()
	defer ro.Release()
	lvals := eval.BoolValues(c.Mem, c.N, lo)
	defer lvals.Buf.Release()
	rvals := eval.BoolValues(c.Mem, c.N, ro)
	defer rvals.Buf.Release()
	lvalid := eval.BoolValidity(c.Mem, c.N, lo)
	rvalid := eval.BoolValidity(c.Mem, c.N, ro)
	out := eval.NewBitmap(c.Mem, c.N)
	o, l, r := out.Bytes(), lvals.Bits, rvals.Bits
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
		eval.ClearTail(o, c.N)
		return eval.MakeArray(n.DataType(), c.N, nil, out), nil
	}
	if lvalid == nil {
		lvalid = eval.NewBitmap(c.Mem, c.N)
		eval.FillBytes(lvalid.Bytes(), 0xFF)
	}
	if rvalid == nil {
		rvalid = eval.NewBitmap(c.Mem, c.N)
		eval.FillBytes(rvalid.Bytes(), 0xFF)
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
	return eval.MakeArray(n.DataType(), c.N, lvalid, out), nil
}

// notNode is not x: null stays null.
type notNode struct{ x eval.Node }

func (n *notNode) Kind() eval.Kind          { return eval.Bool }
func (n *notNode) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

// NewNot is not x over bools.
func NewNot(x eval.Node) eval.Node { return &notNode{x: x} }

func (n *notNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	a, err := n.x.Eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	vals := eval.BoolValues(c.Mem, c.N, eval.Operand{Arr: a})
	b := vals.Bits
	for i := range b {
		b[i] = ^b[i]
	}
	eval.ClearTail(b, c.N)
	return eval.MakeArray(n.DataType(), c.N, eval.ValidityOf(c.Mem, a), vals.Buf), nil
}

// isNullNode is x is null / x is not null; the result has no nulls.
type isNullNode struct {
	x   eval.Node
	not bool
}

func (n *isNullNode) Kind() eval.Kind          { return eval.Bool }
func (n *isNullNode) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

// NewIsNull is x is null, or x is not null when not is set.
func NewIsNull(x eval.Node, not bool) eval.Node { return &isNullNode{x: x, not: not} }

func (n *isNullNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	a, err := n.x.Eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	var valid *memory.Buffer
	if n.x.Kind() == eval.Str {
		valid = eval.StrViewOf(a).Validity(c.Mem, c.N)
	} else if n.x.Kind() != eval.Null {
		valid = eval.ValidityOf(c.Mem, a)
	} else {
		valid = eval.NewBitmap(c.Mem, c.N)
	}
	if valid == nil {
		valid = eval.NewBitmap(c.Mem, c.N)
		eval.FillBytes(valid.Bytes(), 0xFF)
	}
	if !n.not {
		b := valid.Bytes()
		for i := range b {
			b[i] = ^b[i]
		}
	}
	eval.ClearTail(valid.Bytes(), c.N)
	return eval.MakeArray(n.DataType(), c.N, nil, valid), nil
}
