package ops

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluice-ml/sluice/expr/eval"
)

// Unary numeric functions, the fn of NewMath.
const (
	Neg = iota
	Abs
	Log
	Sqrt
)

// mathNode is -x, abs(x) (keeping the type), log(x) or sqrt(x) (float64).
type mathNode struct {
	fn int
	x  eval.Node
	k  eval.Kind
}

func (n *mathNode) Kind() eval.Kind { return n.k }

func (n *mathNode) DataType() arrow.DataType { return eval.TypeOfKind(n.k, nil) }

// NewMath is fn (Neg, Abs, Log or Sqrt) of x with a result of kind k.
func NewMath(fn int, x eval.Node, k eval.Kind) eval.Node {
	return &mathNode{fn: fn, x: x, k: k}
}

func (n *mathNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	a, err := n.x.Eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	valid := eval.ValidityOf(c.Mem, a)
	if n.k == eval.Int {
		buf, out := eval.NewValues[int64](c.Mem, c.N)
		in := a.(*array.Int64).Int64Values()[:len(out)]
		if n.fn == Neg {
			for i := range out {
				out[i] = -in[i]
			}
		} else {
			for i := range out {
				v := in[i]
				m := v >> 63 // all ones when negative
				out[i] = (v ^ m) - m
			}
		}
		return eval.MakeArray(n.DataType(), c.N, valid, buf), nil
	}
	buf, out := eval.NewValues[float64](c.Mem, c.N)
	if n.x.Kind() == eval.Int {
		floatFunc(n.fn, a.(*array.Int64).Int64Values(), out)
	} else {
		floatFunc(n.fn, a.(*array.Float64).Float64Values(), out)
	}
	return eval.MakeArray(n.DataType(), c.N, valid, buf), nil
}

func floatFunc[T ~int64 | ~float64](fn int, in []T, out []float64) {
	in = in[:len(out)]
	switch fn {
	case Neg:
		for i := range out {
			out[i] = -float64(in[i])
		}
	case Abs:
		for i := range out {
			out[i] = math.Abs(float64(in[i]))
		}
	case Log:
		for i := range out {
			out[i] = math.Log(float64(in[i]))
		}
	case Sqrt:
		for i := range out {
			out[i] = math.Sqrt(float64(in[i]))
		}
	}
}
