package expr

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluice-ml/sluice/expr/eval"
	"github.com/sluice-ml/sluice/expr/ops"
	"github.com/sluice-ml/sluice/expr/strdate"
)

// unify gives the one type of values that must share it (case results):
// null literals fit any type, ints and floats mix to float64, timestamps
// must share a unit.
func unify(what string, vals []eval.Node, srcs []Expr) (eval.Kind, arrow.DataType, error) {
	k := eval.Null
	var ts arrow.DataType
	for i, v := range vals {
		vk := v.Kind()
		switch {
		case vk == eval.Null || vk == k:
		case k == eval.Null:
			k = vk
		case vk.Numeric() && k.Numeric():
			k = eval.Float
		default:
			return 0, nil, errorf(srcs[i].Position(), "%s must have one type: %s and %s (cast one of them)", what, k, vk)
		}
		if vk == eval.Ts {
			if ts != nil && !arrow.TypeEqual(ts, v.DataType()) {
				return 0, nil, errorf(srcs[i].Position(), "%s must have one type: %s and %s", what, ts, v.DataType())
			}
			ts = v.DataType()
		}
	}
	return k, eval.TypeOfKind(k, ts), nil
}

func (bd *binder) caseExpr(x *Case) (eval.Node, error) {
	var subject eval.Node
	if x.Operand != nil {
		var err error
		if subject, err = bd.bind(x.Operand); err != nil {
			return nil, err
		}
	}
	var conds, vals []eval.Node
	var srcs []Expr
	for _, w := range x.Whens {
		cond, err := bd.bind(w.Cond)
		if err != nil {
			return nil, err
		}
		if subject != nil {
			eq := &Binary{Op: "=", L: x.Operand, R: w.Cond, Pos: w.Cond.Position()}
			if cond, err = comparison(eq, subject, cond); err != nil {
				return nil, err
			}
		} else if k := cond.Kind(); k != eval.Bool && k != eval.Null {
			return nil, errorf(w.Cond.Position(), "a case or if condition must be bool (a comparison, a bool column), got %s", k)
		}
		val, err := bd.bind(w.Then)
		if err != nil {
			return nil, err
		}
		conds, vals, srcs = append(conds, cond), append(vals, val), append(srcs, w.Then)
	}
	var els eval.Node = &eval.Const{K: eval.Null, DT: arrow.Null, Null: true}
	if x.Else != nil {
		var err error
		if els, err = bd.bind(x.Else); err != nil {
			return nil, err
		}
		srcs = append(srcs, x.Else)
	}
	k, dt, err := unify("case and if results", append(append([]eval.Node(nil), vals...), els), append(srcs, x))
	if err != nil {
		return nil, err
	}
	if k == eval.Null {
		return &eval.Const{K: eval.Null, DT: arrow.Null, Null: true}, nil // every result is the null literal
	}
	armEls, elsSel := asKind(els, k, dt), x.Else != nil && hasStrictCast(x.Else)
	var armConds, armVals []eval.Node
	var selective []bool
	for i, cond := range conds {
		sel := hasStrictCast(x.Whens[i].Then)
		if c, ok := cond.(*eval.Const); ok {
			if c.Null || !c.B {
				continue // never taken
			}
			// always taken: later arms are unreachable
			armEls, elsSel = asKind(vals[i], k, dt), sel
			break
		}
		armConds = append(armConds, cond)
		armVals = append(armVals, asKind(vals[i], k, dt))
		selective = append(selective, sel)
	}
	if len(armConds) == 0 {
		return armEls, nil
	}
	n := ops.NewCase(k, dt, armConds, armVals, selective, armEls, elsSel)
	inputs := append(append([]eval.Node{armEls}, armConds...), armVals...)
	return fold(n, inputs...)
}

// asKind turns the bare null literal into a null of kind k and an int
// constant into a float one when k is eval.Float; other nodes are unchanged
// (kernels convert int arrays).
func asKind(n eval.Node, k eval.Kind, dt arrow.DataType) eval.Node {
	c, ok := n.(*eval.Const)
	switch {
	case !ok:
		return n
	case c.K == eval.Null || c.Null:
		return nullOf(k, dt)
	case k == eval.Float && c.K == eval.Int:
		return &eval.Const{K: eval.Float, DT: dt, F: float64(c.I)}
	}
	return n
}

// castKinds maps the names of CastTypes to kinds.
var castKinds = map[string]eval.Kind{"int64": eval.Int, "float64": eval.Float, "string": eval.Str, "bool": eval.Bool, "timestamp": eval.Ts}

// castable reports whether values of kind from convert to kind to.
func castable(from, to eval.Kind) bool {
	if from == to || from == eval.Str || to == eval.Str || from == eval.Null {
		return true
	}
	switch to {
	case eval.Int:
		return true // from float64, bool, timestamp
	case eval.Float, eval.Bool:
		return from == eval.Int || from == eval.Float || from == eval.Bool
	}
	return from == eval.Int // to timestamp
}

func (bd *binder) cast(x *Cast) (eval.Node, error) {
	arg, err := bd.bind(x.X)
	if err != nil {
		return nil, err
	}
	to := castKinds[x.To]
	from := arg.Kind()
	dt := eval.TypeOfKind(to, arrow.FixedWidthTypes.Timestamp_us)
	if !castable(from, to) {
		return nil, errorf(x.Pos, "cannot cast %s to %s (timestamps cast to and from int64 and string only; bools to and from int64, float64 and string)", from, x.To)
	}
	if from == eval.Null {
		return nullOf(to, dt), nil
	}
	if from == to && (to != eval.Ts || arrow.TypeEqual(arg.DataType(), dt)) {
		return arg, nil
	}
	out, err := fold(ops.NewCast(arg, to, dt, x.Try, x.String()), arg)
	if err != nil {
		return nil, errorf(x.Pos, "%v", err)
	}
	return out, nil
}

func (bd *binder) like(x *Like) (eval.Node, error) {
	arg, err := bd.bind(x.X)
	if err != nil {
		return nil, err
	}
	pat, err := bd.bind(x.Pattern)
	if err != nil {
		return nil, err
	}
	bt := eval.TypeOfKind(eval.Bool, nil)
	if k := arg.Kind(); k != eval.Str && k != eval.Null {
		return nil, errorf(x.Pos, "like needs a string on its left, got %s", k)
	}
	c, ok := pat.(*eval.Const)
	if !ok || (c.K != eval.Str && c.K != eval.Null) {
		return nil, errorf(x.Pattern.Position(), "the pattern of like must be a constant string such as 'abc%%', got %s", x.Pattern)
	}
	if arg.Kind() == eval.Null || c.Null || c.K == eval.Null {
		return nullOf(eval.Bool, bt), nil
	}
	n, err := strdate.NewLike(arg, c.S, x.Escape)
	if err != nil {
		return nil, errorf(x.Pattern.Position(), "%v", err)
	}
	var out eval.Node
	if out, err = fold(n, arg); err != nil {
		return nil, err
	}
	if x.Not {
		return fold(ops.NewNot(out), out)
	}
	return out, nil
}

// stringCall binds lower, upper, length, substr, concat and starts_with.
func stringCall(x *Call, args []eval.Node) (eval.Node, error) {
	want := map[string][]eval.Kind{
		"lower": {eval.Str}, "upper": {eval.Str}, "length": {eval.Str}, "substr": {eval.Str, eval.Int, eval.Int},
		"starts_with": {eval.Str, eval.Str},
	}[x.Name]
	anyNull := false
	for i, a := range args {
		k := a.Kind()
		w := eval.Str
		if want != nil {
			w = want[i]
		}
		if k != w && k != eval.Null {
			return nil, errorf(x.Args[i].Position(), "argument %d of %s must be %s, got %s%s", i+1, x.Name, w, k, castHint(w))
		}
		anyNull = anyNull || k == eval.Null || isNullConst(a)
	}
	out := map[string]eval.Kind{"length": eval.Int, "starts_with": eval.Bool}[x.Name]
	if out == eval.Null {
		out = eval.Str
	}
	dt := eval.TypeOfKind(out, nil)
	if x.Name == "concat" {
		var kept []eval.Node
		for _, a := range args {
			if !isNullConst(a) && a.Kind() != eval.Null {
				kept = append(kept, a)
			}
		}
		if len(kept) == 0 {
			return &eval.Const{K: eval.Str, DT: eval.DictString}, nil // concat of nulls is ''
		}
		return fold(strdate.NewConcat(kept), kept...)
	}
	if anyNull {
		return nullOf(out, dt), nil
	}
	return fold(strdate.NewFunc(x.Name, args, out), args...)
}

func isNullConst(n eval.Node) bool {
	c, ok := n.(*eval.Const)
	return ok && c.Null
}

func castHint(k eval.Kind) string {
	if k == eval.Str {
		return " (cast(x as string) converts)"
	}
	return ""
}

// dateParts maps the units of date_diff to their kernels' parts.
var dateParts = map[string]int{
	"microsecond": strdate.DiffMicrosecond, "millisecond": strdate.DiffMillisecond, "second": strdate.DiffSecond, "minute": strdate.DiffMinute, "hour": strdate.DiffHour,
	"day": strdate.DiffDay, "week": strdate.DiffWeek, "month": strdate.DiffMonth, "quarter": strdate.DiffQuarter, "year": strdate.DiffYear,
}

const dateUnits = "microsecond, millisecond, second, minute, hour, day, week, month, quarter, year"

func dateDiff(x *Call, args []eval.Node) (eval.Node, error) {
	u, ok := args[0].(*eval.Const)
	if !ok || u.K != eval.Str {
		return nil, errorf(x.Args[0].Position(), "the first argument of date_diff is the unit, a string: one of %s", dateUnits)
	}
	part, ok := dateParts[strings.ToLower(strings.TrimSpace(u.S))]
	if !ok {
		return nil, errorf(x.Args[0].Position(), "unknown date_diff unit %q (have: %s)", u.S, dateUnits)
	}
	l, r := args[1], args[2]
	it := eval.TypeOfKind(eval.Int, nil)
	if l.Kind() == eval.Null || r.Kind() == eval.Null {
		return nullOf(eval.Int, it), nil
	}
	var err error
	switch {
	case l.Kind() == eval.Ts && r.Kind() == eval.Str:
		r, err = timestampConst(x.Args[2], r, l.DataType())
	case l.Kind() == eval.Str && r.Kind() == eval.Ts:
		l, err = timestampConst(x.Args[1], l, r.DataType())
	}
	if err != nil {
		return nil, err
	}
	for i, a := range []eval.Node{l, r} {
		if a.Kind() != eval.Ts {
			return nil, errorf(x.Args[i+1].Position(), "argument %d of date_diff must be a timestamp (or a 'YYYY-MM-DD[ HH:MM:SS]' literal), got %s", i+2, a.Kind())
		}
	}
	if !arrow.TypeEqual(l.DataType(), r.DataType()) {
		return nil, errorf(x.Pos, "date_diff of %s and %s: timestamp units differ", l.DataType(), r.DataType())
	}
	return fold(strdate.NewDateDiff(part, l, r), l, r)
}

// hasStrictCast reports whether e contains a cast (not try_cast), which
// can fail on a value: case evaluates such an arm only on the rows that
// take it, so that a row's success never depends on its neighbours.
func hasStrictCast(e Expr) bool {
	found := false
	walk(e, func(x Expr) {
		if c, ok := x.(*Cast); ok && !c.Try {
			found = true
		}
	})
	return found
}
