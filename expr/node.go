package expr

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// node is a bound, typed expression that evaluates a whole batch at once.
// eval returns an array of length c.n (+1 reference; it may have a
// non-zero offset when it is an input column).
type node interface {
	kind() kind
	dataType() arrow.DataType
	eval(c *evalCtx) (arrow.Array, error)
}

type evalCtx struct {
	mem  memory.Allocator
	n    int
	cols []arrow.Array // input columns, by colNode.slot (borrowed)
}

// constNode is a literal or a folded constant. A null constant has a kind
// (the type it stands for) except for the bare null literal (kNull).
type constNode struct {
	k    kind
	dt   arrow.DataType
	null bool
	i    int64 // kInt, kTs
	f    float64
	b    bool
	s    string
}

func (n *constNode) kind() kind               { return n.k }
func (n *constNode) dataType() arrow.DataType { return n.dt }

// num returns the constant as a float64 (kInt or kFloat).
func (n *constNode) num() float64 {
	if n.k == kInt {
		return float64(n.i)
	}
	return n.f
}

// eval broadcasts the constant to a full array.
func (n *constNode) eval(c *evalCtx) (arrow.Array, error) {
	if n.null || n.k == kNull {
		return array.MakeArrayOfNull(c.mem, n.dt, c.n), nil
	}
	switch n.k {
	case kInt, kTs:
		buf, v := newValues[int64](c.mem, c.n)
		for i := range v {
			v[i] = n.i
		}
		return makeArray(n.dt, c.n, nil, buf), nil
	case kFloat:
		buf, v := newValues[float64](c.mem, c.n)
		for i := range v {
			v[i] = n.f
		}
		return makeArray(n.dt, c.n, nil, buf), nil
	case kBool:
		buf := newBitmap(c.mem, c.n)
		if n.b {
			fillBytes(buf.Bytes(), 0xFF)
		}
		return makeArray(n.dt, c.n, nil, buf), nil
	case kStr:
		dict := stringDict(c.mem, []string{n.s})
		defer dict.Release()
		idx, _ := newValues[int32](c.mem, c.n)
		return makeDictArray(c.n, nil, idx, dict), nil
	}
	return nil, fmt.Errorf("expr: constant of kind %s cannot be materialised", n.k)
}

func fillBytes(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

// stringDict builds a utf8 array of the given values.
func stringDict(mem memory.Allocator, vals []string) *array.String {
	bld := array.NewStringBuilder(mem)
	defer bld.Release()
	bld.AppendValues(vals, nil)
	return bld.NewStringArray()
}

// makeDictArray wraps int32 indices (buffer, released here) and a
// dictionary (borrowed) into a dictionary<int32, utf8> array.
func makeDictArray(n int, valid, idx *memory.Buffer, dict *array.String) arrow.Array {
	a := makeArray(arrow.PrimitiveTypes.Int32, n, valid, idx)
	defer a.Release()
	d := array.NewDataWithDictionary(dictString, n, a.Data().Buffers(), a.NullN(), 0, dict.Data().(*array.Data))
	defer d.Release()
	return array.MakeFromData(d)
}

// colNode reads an input column.
type colNode struct {
	name string
	slot int
	k    kind
	dt   arrow.DataType
}

func (n *colNode) kind() kind               { return n.k }
func (n *colNode) dataType() arrow.DataType { return n.dt }

func (n *colNode) eval(c *evalCtx) (arrow.Array, error) {
	a := c.cols[n.slot]
	a.Retain()
	return a, nil
}

// operand is one input of a kernel: a scalar constant (c != nil) or an
// evaluated array (owned; release it).
type operand struct {
	c   *constNode
	arr arrow.Array
}

func (o operand) scalar() bool { return o.c != nil }

func (o operand) release() {
	if o.arr != nil {
		o.arr.Release()
	}
}

// operands evaluates the two inputs of a binary kernel, keeping a constant
// side as a scalar. When both are constants (constant folding) the left
// one is materialised so that kernels always see at least one array.
func operands(c *evalCtx, l, r node) (operand, operand, error) {
	lc, lok := l.(*constNode)
	rc, rok := r.(*constNode)
	var lo, ro operand
	if lok && !rok {
		lo.c = lc
	} else {
		a, err := l.eval(c)
		if err != nil {
			return lo, ro, err
		}
		lo.arr = a
	}
	if rok {
		ro.c = rc
	} else {
		a, err := r.eval(c)
		if err != nil {
			lo.release()
			return lo, ro, err
		}
		ro.arr = a
	}
	return lo, ro, nil
}

// constFromArray reads the single value of a 1-row array as a constant of
// kind k and type dt.
func constFromArray(a arrow.Array, k kind, dt arrow.DataType) (*constNode, error) {
	out := &constNode{k: k, dt: dt}
	if a.Len() != 1 {
		return nil, fmt.Errorf("expr: folding produced %d rows, want 1", a.Len())
	}
	if a.IsNull(0) {
		out.null = true
		return out, nil
	}
	switch v := a.(type) {
	case *array.Int64:
		out.i = v.Value(0)
	case *array.Float64:
		out.f = v.Value(0)
	case *array.Boolean:
		out.b = v.Value(0)
	case *array.Timestamp:
		out.i = int64(v.Value(0))
	case *array.String:
		out.s = v.Value(0)
	case *array.Dictionary:
		out.s = v.Dictionary().(*array.String).Value(v.GetValueIndex(0))
	case *array.Null:
		out.null = true
	default:
		return nil, fmt.Errorf("expr: cannot fold a %s result", a.DataType())
	}
	return out, nil
}

// allNull returns an all-null array of the node's type.
func allNull(c *evalCtx, dt arrow.DataType) arrow.Array {
	return array.MakeArrayOfNull(c.mem, dt, c.n)
}
