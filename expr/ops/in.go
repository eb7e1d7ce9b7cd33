package ops

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

// inNode is x in (constants). The list is converted at bind time to the
// comparison type of x: ints (x int64 with only int items, or timestamp),
// floats (numbers otherwise), strs, or bools. hasNull records a null item:
// then a row that matches nothing is null, as in SQL.
type inNode struct {
	x        eval.Node
	asFloat  bool
	ints     []int64
	floats   []float64
	strs     map[string]struct{}
	hasTrue  bool
	hasFalse bool
	hasNull  bool
	intSet   map[int64]struct{}   // ints as a set, for long lists
	floatSet map[float64]struct{} // floats as a set, for long lists
}

// linearMax is the list length up to which a linear scan beats a map.
const linearMax = 8

func (n *inNode) Kind() eval.Kind          { return eval.Bool }
func (n *inNode) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

// NewIn is x in (items), the items constants of x's kind class (a
// timestamp item already in x's unit) or null.
func NewIn(x eval.Node, items []*eval.Const) eval.Node {
	k := x.Kind()
	n := &inNode{x: x}
	allInt := true
	for _, c := range items {
		allInt = allInt && (c.K != eval.Float)
	}
	n.asFloat = k == eval.Float || (k == eval.Int && !allInt)
	for _, c := range items {
		switch {
		case c.Null:
			n.hasNull = true
		case k == eval.Str:
			if n.strs == nil {
				n.strs = map[string]struct{}{}
			}
			n.strs[c.S] = struct{}{}
		case k == eval.Bool:
			n.hasTrue = n.hasTrue || c.B
			n.hasFalse = n.hasFalse || !c.B
		case n.asFloat:
			n.floats = append(n.floats, c.Num())
		default:
			n.ints = append(n.ints, c.I)
		}
	}
	if len(n.ints) > linearMax {
		n.intSet = map[int64]struct{}{}
		for _, v := range n.ints {
			n.intSet[v] = struct{}{}
		}
	}
	if len(n.floats) > linearMax {
		n.floatSet = map[float64]struct{}{}
		for _, v := range n.floats {
			if !math.IsNaN(v) {
				n.floatSet[v] = struct{}{}
			}
		}
	}
	return n
}

func (n *inNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	a, err := n.x.Eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	buf := eval.NewBitmap(c.Mem, c.N)
	out := buf.Bytes()
	var valid *memory.Buffer
	switch n.x.Kind() {
	case eval.Str:
		v := eval.StrViewOf(a)
		valid = v.Validity(c.Mem, c.N)
		tbl := make([]byte, v.Dict.Len())
		for j := range tbl {
			_, ok := n.strs[v.Dict.Value(j)]
			tbl[j] = eval.B2U(ok)
		}
		v.MapTable(tbl, valid, out, c.N)
	case eval.Bool:
		valid = eval.ValidityOf(c.Mem, a)
		vals := eval.BoolValues(c.Mem, c.N, eval.Operand{Arr: a})
		b := vals.Bits
		for i := range out {
			var m byte
			if n.hasTrue {
				m |= b[i]
			}
			if n.hasFalse {
				m |= ^b[i]
			}
			out[i] = m
		}
		eval.ClearTail(out, c.N)
		vals.Buf.Release()
	case eval.Ts:
		valid = eval.ValidityOf(c.Mem, a)
		inInts(a.(*array.Timestamp).TimestampValues(), n.ints, n.intSet, out)
	case eval.Int:
		valid = eval.ValidityOf(c.Mem, a)
		if n.asFloat {
			inFloats(a.(*array.Int64).Int64Values(), n.floats, n.floatSet, out)
		} else {
			inInts(a.(*array.Int64).Int64Values(), n.ints, n.intSet, out)
		}
	case eval.Float:
		valid = eval.ValidityOf(c.Mem, a)
		inFloats(a.(*array.Float64).Float64Values(), n.floats, n.floatSet, out)
	}
	if n.hasNull {
		// No match with a null in the list is unknown: valid &= match.
		if valid == nil {
			valid = eval.NewBitmap(c.Mem, c.N)
			eval.FillBytes(valid.Bytes(), 0xFF)
		}
		vb := valid.Bytes()
		for i := range vb {
			vb[i] &= out[i]
		}
	}
	return eval.MakeArray(n.DataType(), c.N, valid, buf), nil
}

func inInts[T ~int64](vals []T, list []int64, set map[int64]struct{}, out []byte) {
	if set != nil {
		for i, v := range vals {
			_, ok := set[int64(v)]
			out[i>>3] |= eval.B2U(ok) << (i & 7)
		}
		return
	}
	for i, v := range vals {
		var m byte
		for _, x := range list {
			m |= eval.B2U(int64(v) == x)
		}
		out[i>>3] |= m << (i & 7)
	}
}

func inFloats[T ~int64 | ~float64](vals []T, list []float64, set map[float64]struct{}, out []byte) {
	if set != nil {
		for i, v := range vals {
			_, ok := set[float64(v)]
			out[i>>3] |= eval.B2U(ok) << (i & 7)
		}
		return
	}
	for i, v := range vals {
		var m byte
		for _, x := range list {
			m |= eval.B2U(float64(v) == x)
		}
		out[i>>3] |= m << (i & 7)
	}
}
