package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// inNode is x in (constants). The list is converted at bind time to the
// comparison type of x: ints (x int64 with only int items, or timestamp),
// floats (numbers otherwise), strs, or bools. hasNull records a null item:
// then a row that matches nothing is null, as in SQL.
type inNode struct {
	x        node
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

func (n *inNode) kind() kind               { return kBool }
func (n *inNode) dataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

func (n *inNode) eval(c *evalCtx) (arrow.Array, error) {
	a, err := n.x.eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	buf := newBitmap(c.mem, c.n)
	out := buf.Bytes()
	var valid *memory.Buffer
	switch n.x.kind() {
	case kStr:
		v := strViewOf(a)
		valid = v.validity(c.mem, c.n)
		tbl := make([]byte, v.dict.Len())
		for j := range tbl {
			_, ok := n.strs[v.dict.Value(j)]
			tbl[j] = b2u(ok)
		}
		v.mapTable(tbl, valid, out, c.n)
	case kBool:
		valid = validityOf(c.mem, a)
		vals := boolValues(c.mem, c.n, operand{arr: a})
		b := vals.bits
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
		clearTail(out, c.n)
		vals.buf.Release()
	case kTs:
		valid = validityOf(c.mem, a)
		inInts(a.(*array.Timestamp).TimestampValues(), n.ints, n.intSet, out)
	case kInt:
		valid = validityOf(c.mem, a)
		if n.asFloat {
			inFloats(a.(*array.Int64).Int64Values(), n.floats, n.floatSet, out)
		} else {
			inInts(a.(*array.Int64).Int64Values(), n.ints, n.intSet, out)
		}
	case kFloat:
		valid = validityOf(c.mem, a)
		inFloats(a.(*array.Float64).Float64Values(), n.floats, n.floatSet, out)
	}
	if n.hasNull {
		// No match with a null in the list is unknown: valid &= match.
		if valid == nil {
			valid = newBitmap(c.mem, c.n)
			fillBytes(valid.Bytes(), 0xFF)
		}
		vb := valid.Bytes()
		for i := range vb {
			vb[i] &= out[i]
		}
	}
	return makeArray(n.dataType(), c.n, valid, buf), nil
}

func inInts[T ~int64](vals []T, list []int64, set map[int64]struct{}, out []byte) {
	if set != nil {
		for i, v := range vals {
			_, ok := set[int64(v)]
			out[i>>3] |= b2u(ok) << (i & 7)
		}
		return
	}
	for i, v := range vals {
		var m byte
		for _, x := range list {
			m |= b2u(int64(v) == x)
		}
		out[i>>3] |= m << (i & 7)
	}
}

func inFloats[T ~int64 | ~float64](vals []T, list []float64, set map[float64]struct{}, out []byte) {
	if set != nil {
		for i, v := range vals {
			_, ok := set[float64(v)]
			out[i>>3] |= b2u(ok) << (i & 7)
		}
		return
	}
	for i, v := range vals {
		var m byte
		for _, x := range list {
			m |= b2u(float64(v) == x)
		}
		out[i>>3] |= m << (i & 7)
	}
}
