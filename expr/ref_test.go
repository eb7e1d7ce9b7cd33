package expr

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// val is one value in the row-by-row reference evaluator.
type val struct {
	k    kind
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
	case kInt, kTs:
		return fmt.Sprint(v.i)
	case kFloat:
		return fmt.Sprint(v.f)
	case kBool:
		return fmt.Sprint(v.b)
	}
	return fmt.Sprintf("%q", v.s)
}

func nullVal(k kind) val { return val{k: k, null: true} }

// cell reads row i of column a the slow, obvious way.
func cell(a arrow.Array, i int) val {
	switch c := a.(type) {
	case *array.Int64:
		return val{k: kInt, null: c.IsNull(i), i: c.Value(i)}
	case *array.Float64:
		return val{k: kFloat, null: c.IsNull(i), f: c.Value(i)}
	case *array.Boolean:
		return val{k: kBool, null: c.IsNull(i), b: c.Value(i)}
	case *array.Timestamp:
		return val{k: kTs, null: c.IsNull(i), i: int64(c.Value(i))}
	case *array.String:
		return val{k: kStr, null: c.IsNull(i), s: c.Value(i)}
	case *array.Dictionary:
		if c.IsNull(i) {
			return nullVal(kStr)
		}
		d := c.Dictionary().(*array.String)
		j := c.GetValueIndex(i)
		return val{k: kStr, null: d.IsNull(j), s: d.Value(j)}
	case *array.Null:
		return nullVal(kNull)
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
			return val{k: kInt, i: x.Int}
		case LitFloat:
			return val{k: kFloat, f: x.Float}
		case LitString:
			return val{k: kStr, s: x.Str}
		case LitBool:
			return val{k: kBool, b: x.Bool}
		}
		return nullVal(kNull)
	case *Column:
		idx := batch.Schema().FieldIndices(x.Name)[0]
		return cell(batch.Column(idx), i)
	case *Unary:
		v := refEval(x.X, batch, i)
		if x.Op == "not" {
			return val{k: kBool, null: v.null, b: !v.b}
		}
		if v.null {
			// -x has x's type; -null is an int64 null.
			if v.k == kFloat {
				return nullVal(kFloat)
			}
			return nullVal(kInt)
		}
		if v.k == kInt {
			return val{k: kInt, i: -v.i}
		}
		return val{k: kFloat, f: -v.f}
	case *Binary:
		l, r := refEval(x.L, batch, i), refEval(x.R, batch, i)
		switch x.Op {
		case "and":
			if (!l.null && !l.b) || (!r.null && !r.b) {
				return val{k: kBool, b: false}
			}
			if l.null || r.null {
				return nullVal(kBool)
			}
			return val{k: kBool, b: true}
		case "or":
			if (!l.null && l.b) || (!r.null && r.b) {
				return val{k: kBool, b: true}
			}
			if l.null || r.null {
				return nullVal(kBool)
			}
			return val{k: kBool, b: false}
		case "+", "-", "*", "/", "%":
			return refArith(x.Op, l, r)
		}
		return refCompare(x.Op, l, r)
	case *IsNull:
		v := refEval(x.X, batch, i)
		return val{k: kBool, b: v.null != x.Not}
	case *In:
		v := refEval(x.X, batch, i)
		res := val{k: kBool}
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
	if v.k == kInt {
		return float64(v.i)
	}
	return v.f
}

func refArith(op string, l, r val) val {
	// The result is float64 for / or a float operand, else int64; the
	// untyped null takes the other side's type.
	if l.k != kFloat && r.k != kFloat && op != "/" {
		if l.null || r.null || (op == "%" && r.i == 0) {
			return nullVal(kInt)
		}
		switch op {
		case "+":
			return val{k: kInt, i: l.i + r.i}
		case "-":
			return val{k: kInt, i: l.i - r.i}
		case "*":
			return val{k: kInt, i: l.i * r.i}
		}
		return val{k: kInt, i: l.i % r.i}
	}
	if l.null || r.null {
		return nullVal(kFloat)
	}
	a, b := asFloat(l), asFloat(r)
	switch op {
	case "+":
		return val{k: kFloat, f: a + b}
	case "-":
		return val{k: kFloat, f: a - b}
	case "*":
		return val{k: kFloat, f: a * b}
	case "/":
		return val{k: kFloat, f: a / b}
	}
	return val{k: kFloat, f: math.Mod(a, b)}
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
		return nullVal(kBool)
	}
	if l.k == kTs && r.k == kStr {
		r = val{k: kTs, i: refTimestamp(r.s)}
	}
	if r.k == kTs && l.k == kStr {
		l = val{k: kTs, i: refTimestamp(l.s)}
	}
	var c int // -1, 0, 1; 2 for unordered (NaN)
	switch {
	case l.k == kStr:
		c = cmpOrdered(l.s, r.s)
	case l.k == kBool:
		c = cmpOrdered(b2i(l.b), b2i(r.b))
	case (l.k == kInt && r.k == kInt) || l.k == kTs:
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
	return val{k: kBool, b: res}
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
		if a.k == kInt || a.k == kNull {
			a.k = kInt
			if a.i < 0 {
				a.i = -a.i
			}
			return a
		}
		return val{k: kFloat, null: a.null, f: math.Abs(a.f)}
	case "log":
		return val{k: kFloat, null: a.null, f: math.Log(asFloat(a))}
	case "sqrt":
		return val{k: kFloat, null: a.null, f: math.Sqrt(asFloat(a))}
	case "year", "month", "hour":
		if a.null {
			return nullVal(kInt)
		}
		t := time.UnixMicro(a.i).UTC()
		v := map[string]int{"year": t.Year(), "month": int(t.Month()), "hour": t.Hour()}[name]
		return val{k: kInt, i: int64(v)}
	}
	// coalesce: the first non-null argument. The result type is the
	// arguments' one type, float64 when ints and floats mix; the untyped
	// null literal does not count, and only nulls give the null type.
	k := kNull
	for _, v := range args {
		switch {
		case v.k == kNull:
		case k == kNull:
			k = v.k
		case v.k != k:
			k = kFloat // ints and floats mix
		}
	}
	for _, v := range args {
		if !v.null {
			if k == kFloat && v.k == kInt {
				return val{k: kFloat, f: float64(v.i)}
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
	case kFloat:
		return got.f == want.f || (math.IsNaN(got.f) && math.IsNaN(want.f))
	case kInt, kTs:
		return got.i == want.i
	case kBool:
		return got.b == want.b
	case kStr:
		return got.s == want.s
	}
	return true
}
