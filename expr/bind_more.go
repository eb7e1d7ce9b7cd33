package expr

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// unify gives the one type of values that must share it (case results):
// null literals fit any type, ints and floats mix to float64, timestamps
// must share a unit.
func unify(what string, vals []node, srcs []Expr) (kind, arrow.DataType, error) {
	k := kNull
	var ts arrow.DataType
	for i, v := range vals {
		vk := v.kind()
		switch {
		case vk == kNull || vk == k:
		case k == kNull:
			k = vk
		case vk.numeric() && k.numeric():
			k = kFloat
		default:
			return 0, nil, errorf(srcs[i].Position(), "%s must have one type: %s and %s (cast one of them)", what, k, vk)
		}
		if vk == kTs {
			if ts != nil && !arrow.TypeEqual(ts, v.dataType()) {
				return 0, nil, errorf(srcs[i].Position(), "%s must have one type: %s and %s", what, ts, v.dataType())
			}
			ts = v.dataType()
		}
	}
	return k, typeOfKind(k, ts), nil
}

func (bd *binder) caseExpr(x *Case) (node, error) {
	var operand node
	if x.Operand != nil {
		var err error
		if operand, err = bd.bind(x.Operand); err != nil {
			return nil, err
		}
	}
	var conds, vals []node
	var srcs []Expr
	for _, w := range x.Whens {
		cond, err := bd.bind(w.Cond)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			eq := &Binary{Op: "=", L: x.Operand, R: w.Cond, Pos: w.Cond.Position()}
			if cond, err = comparison(eq, operand, cond); err != nil {
				return nil, err
			}
		} else if k := cond.kind(); k != kBool && k != kNull {
			return nil, errorf(w.Cond.Position(), "a case or if condition must be bool (a comparison, a bool column), got %s", k)
		}
		val, err := bd.bind(w.Then)
		if err != nil {
			return nil, err
		}
		conds, vals, srcs = append(conds, cond), append(vals, val), append(srcs, w.Then)
	}
	var els node = &constNode{k: kNull, dt: arrow.Null, null: true}
	if x.Else != nil {
		var err error
		if els, err = bd.bind(x.Else); err != nil {
			return nil, err
		}
		srcs = append(srcs, x.Else)
	}
	k, dt, err := unify("case and if results", append(append([]node(nil), vals...), els), append(srcs, x))
	if err != nil {
		return nil, err
	}
	if k == kNull {
		return &constNode{k: kNull, dt: arrow.Null, null: true}, nil // every result is the null literal
	}
	n := &caseNode{k: k, dt: dt, els: asKind(els, k, dt), elsSelective: x.Else != nil && hasStrictCast(x.Else)}
	for i, cond := range conds {
		sel := hasStrictCast(x.Whens[i].Then)
		if c, ok := cond.(*constNode); ok {
			if c.null || !c.b {
				continue // never taken
			}
			// always taken: later arms are unreachable
			n.els, n.elsSelective = asKind(vals[i], k, dt), sel
			break
		}
		n.conds = append(n.conds, cond)
		n.vals = append(n.vals, asKind(vals[i], k, dt))
		n.selective = append(n.selective, sel)
	}
	if len(n.conds) == 0 {
		return n.els, nil
	}
	inputs := append(append([]node{n.els}, n.conds...), n.vals...)
	return fold(n, inputs...)
}

// asKind turns the bare null literal into a null of kind k and an int
// constant into a float one when k is kFloat; other nodes are unchanged
// (kernels convert int arrays).
func asKind(n node, k kind, dt arrow.DataType) node {
	c, ok := n.(*constNode)
	switch {
	case !ok:
		return n
	case c.k == kNull || c.null:
		return nullOf(k, dt)
	case k == kFloat && c.k == kInt:
		return &constNode{k: kFloat, dt: dt, f: float64(c.i)}
	}
	return n
}

// castKinds maps the names of CastTypes to kinds.
var castKinds = map[string]kind{"int64": kInt, "float64": kFloat, "string": kStr, "bool": kBool, "timestamp": kTs}

// castable reports whether values of kind from convert to kind to.
func castable(from, to kind) bool {
	if from == to || from == kStr || to == kStr || from == kNull {
		return true
	}
	switch to {
	case kInt:
		return true // from float64, bool, timestamp
	case kFloat, kBool:
		return from == kInt || from == kFloat || from == kBool
	}
	return from == kInt // to timestamp
}

func (bd *binder) cast(x *Cast) (node, error) {
	arg, err := bd.bind(x.X)
	if err != nil {
		return nil, err
	}
	to := castKinds[x.To]
	from := arg.kind()
	dt := typeOfKind(to, arrow.FixedWidthTypes.Timestamp_us)
	if !castable(from, to) {
		return nil, errorf(x.Pos, "cannot cast %s to %s (timestamps cast to and from int64 and string only; bools to and from int64, float64 and string)", from, x.To)
	}
	if from == kNull {
		return nullOf(to, dt), nil
	}
	if from == to && (to != kTs || arrow.TypeEqual(arg.dataType(), dt)) {
		return arg, nil
	}
	out, err := fold(&castNode{x: arg, to: to, dt: dt, try: x.Try, src: x.String()}, arg)
	if err != nil {
		return nil, errorf(x.Pos, "%v", err)
	}
	return out, nil
}

func (bd *binder) like(x *Like) (node, error) {
	arg, err := bd.bind(x.X)
	if err != nil {
		return nil, err
	}
	pat, err := bd.bind(x.Pattern)
	if err != nil {
		return nil, err
	}
	bt := typeOfKind(kBool, nil)
	if k := arg.kind(); k != kStr && k != kNull {
		return nil, errorf(x.Pos, "like needs a string on its left, got %s", k)
	}
	c, ok := pat.(*constNode)
	if !ok || (c.k != kStr && c.k != kNull) {
		return nil, errorf(x.Pattern.Position(), "the pattern of like must be a constant string such as 'abc%%', got %s", x.Pattern)
	}
	if arg.kind() == kNull || c.null || c.k == kNull {
		return nullOf(kBool, bt), nil
	}
	m, err := compileLike(c.s, x.Escape)
	if err != nil {
		return nil, errorf(x.Pattern.Position(), "%v", err)
	}
	var out node
	if out, err = fold(&likeNode{x: arg, m: m}, arg); err != nil {
		return nil, err
	}
	if x.Not {
		return fold(&notNode{x: out}, out)
	}
	return out, nil
}

// stringCall binds lower, upper, length, substr, concat and starts_with.
func stringCall(x *Call, args []node) (node, error) {
	want := map[string][]kind{
		"lower": {kStr}, "upper": {kStr}, "length": {kStr}, "substr": {kStr, kInt, kInt},
		"starts_with": {kStr, kStr},
	}[x.Name]
	anyNull := false
	for i, a := range args {
		k := a.kind()
		w := kStr
		if want != nil {
			w = want[i]
		}
		if k != w && k != kNull {
			return nil, errorf(x.Args[i].Position(), "argument %d of %s must be %s, got %s%s", i+1, x.Name, w, k, castHint(w))
		}
		anyNull = anyNull || k == kNull || isNullConst(a)
	}
	out := map[string]kind{"length": kInt, "starts_with": kBool}[x.Name]
	if out == kNull {
		out = kStr
	}
	dt := typeOfKind(out, nil)
	if x.Name == "concat" {
		n := &concatNode{}
		for _, a := range args {
			if !isNullConst(a) && a.kind() != kNull {
				n.args = append(n.args, a)
			}
		}
		if len(n.args) == 0 {
			return &constNode{k: kStr, dt: dictString}, nil // concat of nulls is ''
		}
		return fold(n, n.args...)
	}
	if anyNull {
		return nullOf(out, dt), nil
	}
	n := &strFuncNode{name: x.Name, args: args, k: out}
	return fold(n, args...)
}

func isNullConst(n node) bool {
	c, ok := n.(*constNode)
	return ok && c.null
}

func castHint(k kind) string {
	if k == kStr {
		return " (cast(x as string) converts)"
	}
	return ""
}

// dateParts maps the units of date_diff to their kernels' parts.
var dateParts = map[string]int{
	"microsecond": dpMicro, "millisecond": dpMilli, "second": dpSecond, "minute": dpMinute, "hour": dpHour,
	"day": dpDay, "week": dpWeek, "month": dpMonth, "quarter": dpQuarter, "year": dpYear,
}

const dateUnits = "microsecond, millisecond, second, minute, hour, day, week, month, quarter, year"

func dateDiff(x *Call, args []node) (node, error) {
	u, ok := args[0].(*constNode)
	if !ok || u.k != kStr {
		return nil, errorf(x.Args[0].Position(), "the first argument of date_diff is the unit, a string: one of %s", dateUnits)
	}
	part, ok := dateParts[strings.ToLower(strings.TrimSpace(u.s))]
	if !ok {
		return nil, errorf(x.Args[0].Position(), "unknown date_diff unit %q (have: %s)", u.s, dateUnits)
	}
	l, r := args[1], args[2]
	it := typeOfKind(kInt, nil)
	if l.kind() == kNull || r.kind() == kNull {
		return nullOf(kInt, it), nil
	}
	var err error
	switch {
	case l.kind() == kTs && r.kind() == kStr:
		r, err = timestampConst(x.Args[2], r, l.dataType())
	case l.kind() == kStr && r.kind() == kTs:
		l, err = timestampConst(x.Args[1], l, r.dataType())
	}
	if err != nil {
		return nil, err
	}
	for i, a := range []node{l, r} {
		if a.kind() != kTs {
			return nil, errorf(x.Args[i+1].Position(), "argument %d of date_diff must be a timestamp (or a 'YYYY-MM-DD[ HH:MM:SS]' literal), got %s", i+2, a.kind())
		}
	}
	if !arrow.TypeEqual(l.dataType(), r.dataType()) {
		return nil, errorf(x.Pos, "date_diff of %s and %s: timestamp units differ", l.dataType(), r.dataType())
	}
	return fold(newDateDiff(part, l, r), l, r)
}
