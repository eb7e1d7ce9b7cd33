package ops

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

// coalesceNode gives, per row, the first non-null argument. Arguments are
// of kind k (ints mixed into eval.Float are converted); bind drops null
// literals. Strings give a dictionary<int32, utf8> whose dictionary is the
// distinct values taken from the arguments' dictionaries.
type coalesceNode struct {
	args []eval.Node
	k    eval.Kind
	dt   arrow.DataType
}

func (n *coalesceNode) Kind() eval.Kind          { return n.k }
func (n *coalesceNode) DataType() arrow.DataType { return n.dt }

// NewCoalesce is coalesce(args...) with a result of kind k and type dt;
// the caller has dropped the null literals.
func NewCoalesce(args []eval.Node, k eval.Kind, dt arrow.DataType) eval.Node {
	return &coalesceNode{args: args, k: k, dt: dt}
}

// evalArg evaluates argument i, keeping a constant as a scalar operand.
func (n *coalesceNode) evalArg(c *eval.Ctx, i int) (eval.Operand, error) {
	if k, ok := n.args[i].(*eval.Const); ok {
		return eval.Operand{C: k}, nil
	}
	a, err := n.args[i].Eval(c)
	return eval.Operand{Arr: a}, err
}

func (n *coalesceNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	filledBuf := eval.NewBitmap(c.Mem, c.N)
	filled := filledBuf.Bytes()
	switch n.k {
	case eval.Str:
		return n.evalStrings(c, filledBuf)
	case eval.Bool:
		return n.evalBools(c, filledBuf)
	}
	buf, out := eval.NewValues[int64](c.Mem, c.N) // int64 and float64 share a width
	fout := eval.ViewAs[float64](buf.Bytes())
	for i := range n.args {
		o, err := n.evalArg(c, i)
		if err != nil {
			buf.Release()
			filledBuf.Release()
			return nil, err
		}
		done := o.Scalar() || !eval.HasNulls(o.Arr)
		var valid []byte
		if !done {
			vb := eval.ValidityOf(c.Mem, o.Arr)
			valid = vb.Bytes()
			defer vb.Release()
		}
		ak := n.args[i].Kind()
		switch {
		case o.Scalar() && n.k == eval.Float:
			fillScalar(o.C.Num(), filled, fout)
		case o.Scalar():
			fillScalar(o.C.I, filled, out)
		case ak == eval.Ts:
			fillFrom(o.Arr.(*array.Timestamp).TimestampValues(), valid, filled, out)
		case ak == eval.Int && n.k == eval.Float:
			fillFrom(o.Arr.(*array.Int64).Int64Values(), valid, filled, fout)
		case ak == eval.Int:
			fillFrom(o.Arr.(*array.Int64).Int64Values(), valid, filled, out)
		default:
			fillFrom(o.Arr.(*array.Float64).Float64Values(), valid, filled, fout)
		}
		o.Release()
		if done {
			break
		}
	}
	return eval.MakeArray(n.dt, c.N, filledBuf, buf), nil
}

// fillScalar sets every row not yet filled to v and marks it filled.
func fillScalar[O eval.Number](v O, filled []byte, out []O) {
	for i := range out {
		if filled[i>>3]&(1<<(i&7)) == 0 {
			out[i] = v
		}
	}
	eval.FillBytes(filled, 0xFF)
}

// fillFrom copies rows that are not yet filled and valid in the argument
// (valid nil: all valid) and marks them filled.
func fillFrom[T ~int64 | ~float64, O eval.Number](vals []T, valid, filled []byte, out []O) {
	vals = vals[:len(out)]
	if valid == nil {
		for i := range out {
			if filled[i>>3]&(1<<(i&7)) == 0 {
				out[i] = O(vals[i])
			}
		}
		eval.FillBytes(filled, 0xFF)
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

func (n *coalesceNode) evalBools(c *eval.Ctx, filledBuf *memory.Buffer) (arrow.Array, error) {
	filled := filledBuf.Bytes()
	outBuf := eval.NewBitmap(c.Mem, c.N)
	out := outBuf.Bytes()
	for i := range n.args {
		o, err := n.evalArg(c, i)
		if err != nil {
			outBuf.Release()
			filledBuf.Release()
			return nil, err
		}
		vals := eval.BoolValues(c.Mem, c.N, o)
		valid := eval.BoolValidity(c.Mem, c.N, o)
		v := vals.Bits
		for j := range out {
			newly := ^filled[j]
			if valid != nil {
				newly &= valid.Bytes()[j]
			}
			out[j] |= v[j] & newly
			filled[j] |= newly
		}
		vals.Buf.Release()
		if valid != nil {
			valid.Release()
		}
		o.Release()
	}
	eval.ClearTail(filled, c.N)
	eval.ClearTail(out, c.N)
	return eval.MakeArray(n.dt, c.N, filledBuf, outBuf), nil
}

func (n *coalesceNode) evalStrings(c *eval.Ctx, filledBuf *memory.Buffer) (arrow.Array, error) {
	filled := filledBuf.Bytes()
	idxBuf, out := eval.NewValues[int32](c.Mem, c.N)
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
		if o.Scalar() {
			fillScalar(intern(o.C.S), filled, out)
			break
		}
		v := eval.StrViewOf(o.Arr)
		remap := make([]int32, v.Dict.Len())
		for j := range remap {
			if v.Dict.IsValid(j) {
				remap[j] = intern(v.Dict.Value(j))
			}
		}
		valid := v.Validity(c.Mem, c.N)
		var vb []byte
		if valid != nil {
			vb = valid.Bytes()
		}
		for r := range out {
			bit := byte(1) << (r & 7)
			if filled[r>>3]&bit == 0 && (vb == nil || vb[r>>3]&bit != 0) {
				j := r
				if v.Idx != nil {
					j = int(v.Idx[r])
				}
				out[r] = remap[j]
				filled[r>>3] |= bit
			}
		}
		if valid != nil {
			valid.Release()
		}
		o.Release()
		if bitutil.CountSetBits(filled, 0, c.N) == c.N {
			break
		}
	}
	dict := eval.StringDict(c.Mem, values)
	defer dict.Release()
	return eval.MakeDictArray(c.N, filledBuf, idxBuf, dict), nil
}
