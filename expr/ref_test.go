package expr

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluice-ml/sluice/expr/eval"
)

// val is one value in the row-by-row reference evaluator.
type val struct {
	k    eval.Kind
	null bool
	i    int64
	f    float64
	b    bool
	s    string
}

func (v val) String() string {
	if v.null {
		return "null"
	}
	switch v.k {
	case eval.Int, eval.Ts:
		return fmt.Sprint(v.i)
	case eval.Float:
		return fmt.Sprint(v.f)
	case eval.Bool:
		return fmt.Sprint(v.b)
	}
	return fmt.Sprintf("%q", v.s)
}

func nullVal(k eval.Kind) val { return val{k: k, null: true} }

// cell reads row i of column a the slow, obvious way.
func cell(a arrow.Array, i int) val {
	switch c := a.(type) {
	case *array.Int64:
		return val{k: eval.Int, null: c.IsNull(i), i: c.Value(i)}
	case *array.Float64:
		return val{k: eval.Float, null: c.IsNull(i), f: c.Value(i)}
	case *array.Boolean:
		return val{k: eval.Bool, null: c.IsNull(i), b: c.Value(i)}
	case *array.Timestamp:
		return val{k: eval.Ts, null: c.IsNull(i), i: int64(c.Value(i))}
	case *array.String:
		return val{k: eval.Str, null: c.IsNull(i), s: c.Value(i)}
	case *array.Dictionary:
		if c.IsNull(i) {
			return nullVal(eval.Str)
		}
		d := c.Dictionary().(*array.String)
		j := c.GetValueIndex(i)
		return val{k: eval.Str, null: d.IsNull(j), s: d.Value(j)}
	case *array.Null:
		return nullVal(eval.Null)
	}
	panic(fmt.Sprintf("cell: %T", a))
}

// refEval evaluates e on row i of batch, following the documented
// semantics directly.
func refEval(e Expr, batch arrow.RecordBatch, i int) val {
	switch x := e.(type) {
	case *Literal:
		switch x.Kind {
		case LitInt:
			return val{k: eval.Int, i: x.Int}
		case LitFloat:
			return val{k: eval.Float, f: x.Float}
		case LitString:
			return val{k: eval.Str, s: x.Str}
		case LitBool:
			return val{k: eval.Bool, b: x.Bool}
		}
		return nullVal(eval.Null)
	case *Column:
		idx := batch.Schema().FieldIndices(x.Name)[0]
		return cell(batch.Column(idx), i)
	case *Unary:
		v := refEval(x.X, batch, i)
		if x.Op == "not" {
			return val{k: eval.Bool, null: v.null, b: !v.b}
		}
		if v.null {
			// -x has x's type; -null is an int64 null.
			if v.k == eval.Float {
				return nullVal(eval.Float)
			}
			return nullVal(eval.Int)
		}
		if v.k == eval.Int {
			return val{k: eval.Int, i: -v.i}
		}
		return val{k: eval.Float, f: -v.f}
	case *Binary:
		l, r := refEval(x.L, batch, i), refEval(x.R, batch, i)
		switch x.Op {
		case "and":
			if (!l.null && !l.b) || (!r.null && !r.b) {
				return val{k: eval.Bool, b: false}
			}
			if l.null || r.null {
				return nullVal(eval.Bool)
			}
			return val{k: eval.Bool, b: true}
		case "or":
			if (!l.null && l.b) || (!r.null && r.b) {
				return val{k: eval.Bool, b: true}
			}
			if l.null || r.null {
				return nullVal(eval.Bool)
			}
			return val{k: eval.Bool, b: false}
		case "+", "-", "*", "/", "%":
			return refArith(x.Op, l, r)
		}
		return refCompare(x.Op, l, r)
	case *IsNull:
		v := refEval(x.X, batch, i)
		return val{k: eval.Bool, b: v.null != x.Not}
	case *In:
		v := refEval(x.X, batch, i)
		res := val{k: eval.Bool}
		if v.null {
			res.null = true
		} else {
			sawNull := false
			for _, it := range x.List {
				w := refEval(it, batch, i)
				if w.null {
					sawNull = true
					continue
				}
				if c := refCompare("=", v, w); c.b {
					res.b = true
				}
			}
			if !res.b && sawNull {
				res.null = true
			}
		}
		if x.Not && !res.null {
			res.b = !res.b
		}
		return res
	case *Call:
		args := make([]val, len(x.Args))
		for j, a := range x.Args {
			args[j] = refEval(a, batch, i)
		}
		return refCall(x.Name, args)
	case *Case, *Like, *Cast:
		return refMore(e, batch, i)
	}
	panic("refEval")
}

func asFloat(v val) float64 {
	if v.k == eval.Int {
		return float64(v.i)
	}
	return v.f
}

func refArith(op string, l, r val) val {
	// The result is float64 for / or a float operand, else int64; the
	// untyped null takes the other side's type.
	if l.k != eval.Float && r.k != eval.Float && op != "/" {
		if l.null || r.null || (op == "%" && r.i == 0) {
			return nullVal(eval.Int)
		}
		switch op {
		case "+":
			return val{k: eval.Int, i: l.i + r.i}
		case "-":
			return val{k: eval.Int, i: l.i - r.i}
		case "*":
			return val{k: eval.Int, i: l.i * r.i}
		}
		return val{k: eval.Int, i: l.i % r.i}
	}
	if l.null || r.null {
		return nullVal(eval.Float)
	}
	a, b := asFloat(l), asFloat(r)
	switch op {
	case "+":
		return val{k: eval.Float, f: a + b}
	case "-":
		return val{k: eval.Float, f: a - b}
	case "*":
		return val{k: eval.Float, f: a * b}
	case "/":
		return val{k: eval.Float, f: a / b}
	}
	return val{k: eval.Float, f: math.Mod(a, b)}
}

// refTimestamp parses the timestamp literal forms with time.Parse.
func refTimestamp(s string) int64 {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMicro()
		}
	}
	panic("bad timestamp literal in test: " + s)
}

func refCompare(op string, l, r val) val {
	if l.null || r.null {
		return nullVal(eval.Bool)
	}
	if l.k == eval.Ts && r.k == eval.Str {
		r = val{k: eval.Ts, i: refTimestamp(r.s)}
	}
	if r.k == eval.Ts && l.k == eval.Str {
		l = val{k: eval.Ts, i: refTimestamp(l.s)}
	}
	var c int // -1, 0, 1; 2 for unordered (NaN)
	switch {
	case l.k == eval.Str:
		c = cmpOrdered(l.s, r.s)
	case l.k == eval.Bool:
		c = cmpOrdered(b2i(l.b), b2i(r.b))
	case (l.k == eval.Int && r.k == eval.Int) || l.k == eval.Ts:
		c = cmpOrdered(l.i, r.i)
	default:
		a, b := asFloat(l), asFloat(r)
		if math.IsNaN(a) || math.IsNaN(b) {
			c = 2
		} else {
			c = cmpOrdered(a, b)
		}
	}
	var res bool
	switch op {
	case "=":
		res = c == 0
	case "!=":
		res = c != 0
	case "<":
		res = c == -1
	case "<=":
		res = c == -1 || c == 0
	case ">":
		res = c == 1
	case ">=":
		res = c == 1 || c == 0
	}
	return val{k: eval.Bool, b: res}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func cmpOrdered[T int | int64 | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func refCall(name string, args []val) val {
	if v, ok := refCallMore(name, args); ok {
		return v
	}
	a := args[0]
	switch name {
	case "abs":
		if a.k == eval.Int || a.k == eval.Null {
			a.k = eval.Int
			if a.i < 0 {
				a.i = -a.i
			}
			return a
		}
		return val{k: eval.Float, null: a.null, f: math.Abs(a.f)}
	case "log":
		return val{k: eval.Float, null: a.null, f: math.Log(asFloat(a))}
	case "sqrt":
		return val{k: eval.Float, null: a.null, f: math.Sqrt(asFloat(a))}
	case "year", "month", "hour":
		if a.null {
			return nullVal(eval.Int)
		}
		t := time.UnixMicro(a.i).UTC()
		v := map[string]int{"year": t.Year(), "month": int(t.Month()), "hour": t.Hour()}[name]
		return val{k: eval.Int, i: int64(v)}
	}
	// coalesce: the first non-null argument. The result type is the
	// arguments' one type, float64 when ints and floats mix; the untyped
	// null literal does not count, and only nulls give the null type.
	k := eval.Null
	for _, v := range args {
		switch {
		case v.k == eval.Null:
		case k == eval.Null:
			k = v.k
		case v.k != k:
			k = eval.Float // ints and floats mix
		}
	}
	for _, v := range args {
		if !v.null {
			if k == eval.Float && v.k == eval.Int {
				return val{k: eval.Float, f: float64(v.i)}
			}
			return v
		}
	}
	return nullVal(k)
}

// typed is v with its type, for failure messages.
func (v val) typed() string { return fmt.Sprintf("%v (%s)", v, v.k) }

// sameVal compares a kernel result with the reference: the same type, and
// the same value (NaN equals NaN).
func sameVal(got, want val) bool {
	if got.k != want.k {
		return false
	}
	if got.null || want.null {
		return got.null == want.null
	}
	switch want.k {
	case eval.Float:
		return got.f == want.f || (math.IsNaN(got.f) && math.IsNaN(want.f))
	case eval.Int, eval.Ts:
		return got.i == want.i
	case eval.Bool:
		return got.b == want.b
	case eval.Str:
		return got.s == want.s
	}
	return true
}
