package expr

import (
	"math"
	"sort"
)

// Columns returns the names of the columns e references, sorted and unique.
func Columns(e Expr) []string {
	seen := map[string]bool{}
	walk(e, func(x Expr) {
		if c, ok := x.(*Column); ok {
			seen[c.Name] = true
		}
	})
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// walk calls f on e and every node below it (planning time, not a hot loop).
func walk(e Expr, f func(Expr)) {
	f(e)
	switch x := e.(type) {
	case *Unary:
		walk(x.X, f)
	case *Binary:
		walk(x.L, f)
		walk(x.R, f)
	case *IsNull:
		walk(x.X, f)
	case *In:
		walk(x.X, f)
		for _, y := range x.List {
			walk(y, f)
		}
	case *Call:
		for _, y := range x.Args {
			walk(y, f)
		}
	case *Case:
		if x.Operand != nil {
			walk(x.Operand, f)
		}
		for _, w := range x.Whens {
			walk(w.Cond, f)
			walk(w.Then, f)
		}
		if x.Else != nil {
			walk(x.Else, f)
		}
	case *Cast:
		walk(x.X, f)
	case *Like:
		walk(x.X, f)
		walk(x.Pattern, f)
	}
}

// Conjuncts splits e at its top-level ands, left to right: `a and (b and
// c)` gives [a b c]. An expression without a top-level and gives [e].
func Conjuncts(e Expr) []Expr {
	if b, ok := e.(*Binary); ok && b.Op == "and" {
		return append(Conjuncts(b.L), Conjuncts(b.R)...)
	}
	return []Expr{e}
}

// flipped gives the operator with its operands swapped: `5 < x` is `x > 5`.
var flipped = map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

// RangeOf recognises `col op literal` and `literal op col` where op is one
// of = < <= > >= and the literal is numeric, and returns the interval of
// column values for which it can be true (unbounded ends are ±Inf), for
// row-group pruning. ok is false for any other shape, including a string or
// timestamp literal, != and NaN. Integer literals beyond 2^53 are rounded to
// the nearest float64 and the bound is made inclusive so no row is lost.
func RangeOf(e Expr) (col string, lo, hi float64, loIncl, hiIncl bool, ok bool) {
	b, isBin := e.(*Binary)
	if !isBin {
		return "", 0, 0, false, false, false
	}
	op := b.Op
	c, isCol := b.L.(*Column)
	lit, isLit := b.R.(*Literal)
	if !isCol || !isLit {
		c, isCol = b.R.(*Column)
		lit, isLit = b.L.(*Literal)
		op = flipped[op]
	}
	if !isCol || !isLit || op == "" {
		return "", 0, 0, false, false, false
	}
	var v float64
	exact := true
	switch lit.Kind {
	case LitInt:
		v = float64(lit.Int)
		exact = lit.Int >= -(1<<53) && lit.Int <= 1<<53
	case LitFloat:
		v = lit.Float
		if math.IsNaN(v) {
			return "", 0, 0, false, false, false
		}
	default:
		return "", 0, 0, false, false, false
	}
	lo, hi = math.Inf(-1), math.Inf(1)
	switch op {
	case "=":
		return c.Name, v, v, true, true, true
	case "<":
		return c.Name, lo, v, false, !exact, true
	case "<=":
		return c.Name, lo, v, false, true, true
	case ">":
		return c.Name, v, hi, !exact, false, true
	case ">=":
		return c.Name, v, hi, true, false, true
	}
	return "", 0, 0, false, false, false
}
