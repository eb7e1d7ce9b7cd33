package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// coalesceNode gives, per row, the first non-null argument. Arguments are
// of kind k (ints mixed into kFloat are converted); bind drops null
// literals. Strings give a dictionary<int32, utf8> whose dictionary is the
// distinct values taken from the arguments' dictionaries.
type coalesceNode struct {
	args []node
	k    kind
	dt   arrow.DataType
}

func (n *coalesceNode) kind() kind               { return n.k }
func (n *coalesceNode) dataType() arrow.DataType { return n.dt }

// evalArg evaluates argument i, keeping a constant as a scalar operand.
func (n *coalesceNode) evalArg(c *evalCtx, i int) (operand, error) {
	if k, ok := n.args[i].(*constNode); ok {
		return operand{c: k}, nil
	}
	a, err := n.args[i].eval(c)
	return operand{arr: a}, err
}

func (n *coalesceNode) eval(c *evalCtx) (arrow.Array, error) {
	filledBuf := newBitmap(c.mem, c.n)
	filled := filledBuf.Bytes()
	switch n.k {
	case kStr:
		return n.evalStrings(c, filledBuf)
	case kBool:
		return n.evalBools(c, filledBuf)
	}
	buf, out := newValues[int64](c.mem, c.n) // int64 and float64 share a width
	fout := viewAs[float64](buf.Bytes())
	for i := range n.args {
		o, err := n.evalArg(c, i)
		if err != nil {
			buf.Release()
			filledBuf.Release()
			return nil, err
		}
		done := o.scalar() || !hasNulls(o.arr)
		var valid []byte
		if !done {
			vb := validityOf(c.mem, o.arr)
			valid = vb.Bytes()
			defer vb.Release()
		}
		ak := n.args[i].kind()
		switch {
		case o.scalar() && n.k == kFloat:
			fillScalar(o.c.num(), filled, fout)
		case o.scalar():
			fillScalar(o.c.i, filled, out)
		case ak == kTs:
			fillFrom(o.arr.(*array.Timestamp).TimestampValues(), valid, filled, out)
		case ak == kInt && n.k == kFloat:
			fillFrom(o.arr.(*array.Int64).Int64Values(), valid, filled, fout)
		case ak == kInt:
			fillFrom(o.arr.(*array.Int64).Int64Values(), valid, filled, out)
		default:
			fillFrom(o.arr.(*array.Float64).Float64Values(), valid, filled, fout)
		}
		o.release()
		if done {
			break
		}
	}
	return makeArray(n.dt, c.n, filledBuf, buf), nil
}

// fillScalar sets every row not yet filled to v and marks it filled.
func fillScalar[O number](v O, filled []byte, out []O) {
	for i := range out {
		if filled[i>>3]&(1<<(i&7)) == 0 {
			out[i] = v
		}
	}
	fillBytes(filled, 0xFF)
}

// fillFrom copies rows that are not yet filled and valid in the argument
// (valid nil: all valid) and marks them filled.
func fillFrom[T ~int64 | ~float64, O number](vals []T, valid, filled []byte, out []O) {
	vals = vals[:len(out)]
	if valid == nil {
		for i := range out {
			if filled[i>>3]&(1<<(i&7)) == 0 {
				out[i] = O(vals[i])
			}
		}
		fillBytes(filled, 0xFF)
		return
	}
	for i := range out {
		bit := byte(1) << (i & 7)
		if filled[i>>3]&bit == 0 && valid[i>>3]&bit != 0 {
			out[i] = O(vals[i])
			filled[i>>3] |= bit
		}
	}
}

func (n *coalesceNode) evalBools(c *evalCtx, filledBuf *memory.Buffer) (arrow.Array, error) {
	filled := filledBuf.Bytes()
	outBuf := newBitmap(c.mem, c.n)
	out := outBuf.Bytes()
	for i := range n.args {
		o, err := n.evalArg(c, i)
		if err != nil {
			outBuf.Release()
			filledBuf.Release()
			return nil, err
		}
		vals := boolValues(c.mem, c.n, o)
		valid := boolValidity(c.mem, c.n, o)
		v := vals.bits
		for j := range out {
			newly := ^filled[j]
			if valid != nil {
				newly &= valid.Bytes()[j]
			}
			out[j] |= v[j] & newly
			filled[j] |= newly
		}
		vals.buf.Release()
		if valid != nil {
			valid.Release()
		}
		o.release()
	}
	clearTail(filled, c.n)
	clearTail(out, c.n)
	return makeArray(n.dt, c.n, filledBuf, outBuf), nil
}

func (n *coalesceNode) evalStrings(c *evalCtx, filledBuf *memory.Buffer) (arrow.Array, error) {
	filled := filledBuf.Bytes()
	idxBuf, out := newValues[int32](c.mem, c.n)
	ids := map[string]int32{}
	var values []string
	intern := func(s string) int32 {
		id, ok := ids[s]
		if !ok {
			id = int32(len(values))
			ids[s] = id
			values = append(values, s)
		}
		return id
	}
	for i := range n.args {
		o, err := n.evalArg(c, i)
		if err != nil {
			idxBuf.Release()
			filledBuf.Release()
			return nil, err
		}
		if o.scalar() {
			fillScalar(intern(o.c.s), filled, out)
			break
		}
		v := strViewOf(o.arr)
		remap := make([]int32, v.dict.Len())
		for j := range remap {
			if v.dict.IsValid(j) {
				remap[j] = intern(v.dict.Value(j))
			}
		}
		valid := v.validity(c.mem, c.n)
		var vb []byte
		if valid != nil {
			vb = valid.Bytes()
		}
		for r := range out {
			bit := byte(1) << (r & 7)
			if filled[r>>3]&bit == 0 && (vb == nil || vb[r>>3]&bit != 0) {
				j := r
				if v.idx != nil {
					j = int(v.idx[r])
				}
				out[r] = remap[j]
				filled[r>>3] |= bit
			}
		}
		if valid != nil {
			valid.Release()
		}
		o.release()
		if bitutil.CountSetBits(filled, 0, c.n) == c.n {
			break
		}
	}
	dict := stringDict(c.mem, values)
	defer dict.Release()
	return makeDictArray(c.n, filledBuf, idxBuf, dict), nil
}
