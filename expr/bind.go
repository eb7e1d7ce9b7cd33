package expr

import (
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Bound is an expression type-checked against a schema and compiled to
// vectorized kernels. It is immutable and safe for concurrent Eval calls.
type Bound struct {
	expr Expr
	root node
	cols []colRef // by colNode.slot
}

type colRef struct {
	name  string
	index int // field index in the bind schema
	dt    arrow.DataType
}

// Type is the Arrow type Eval returns.
func (b *Bound) Type() arrow.DataType { return b.root.dataType() }

// String prints the source expression in canonical form.
func (b *Bound) String() string { return b.expr.String() }

// Eval evaluates the expression over every row of batch and returns an
// array of Type() and length batch.NumRows() (+1 reference: release it).
// The batch must have the bound columns by name with the bound types;
// other columns and their order do not matter.
func (b *Bound) Eval(batch arrow.RecordBatch, mem memory.Allocator) (arrow.Array, error) {
	n := int(batch.NumRows())
	cols := make([]arrow.Array, len(b.cols))
	schema := batch.Schema()
	for i, ref := range b.cols {
		idx := ref.index
		if idx >= schema.NumFields() || schema.Field(idx).Name != ref.name {
			found := schema.FieldIndices(ref.name)
			if len(found) == 0 {
				return nil, fmt.Errorf("expr %s: batch has no column %q (have: %s)", b.expr, ref.name, fieldNames(schema))
			}
			idx = found[0]
		}
		a := batch.Column(idx)
		if !arrow.TypeEqual(a.DataType(), ref.dt) {
			return nil, fmt.Errorf("expr %s: column %q is %s in the batch but was bound as %s", b.expr, ref.name, a.DataType(), ref.dt)
		}
		if a.Len() != n {
			return nil, fmt.Errorf("expr %s: column %q has %d rows, the batch %d", b.expr, ref.name, a.Len(), n)
		}
		cols[i] = a
	}
	return b.root.eval(&evalCtx{mem: mem, n: n, cols: cols})
}

func fieldNames(s *arrow.Schema) string {
	names := make([]string, s.NumFields())
	for i := range names {
		names[i] = s.Field(i).Name
	}
	return strings.Join(names, ", ")
}

// Bind type-checks e against schema and compiles it. Errors are *Error
// with the position of the offending node: an unknown column, a column of
// an unsupported type, or operands of the wrong types. Subexpressions
// without columns are folded to constants.
func Bind(e Expr, schema *arrow.Schema) (*Bound, error) {
	bd := &binder{schema: schema, slots: map[string]int{}}
	root, err := bd.bind(e)
	if err != nil {
		return nil, err
	}
	return &Bound{expr: e, root: root, cols: bd.cols}, nil
}

type binder struct {
	schema *arrow.Schema
	cols   []colRef
	slots  map[string]int
}

func (bd *binder) bind(e Expr) (node, error) {
	switch x := e.(type) {
	case *Literal:
		return literalNode(x), nil
	case *Column:
		return bd.column(x)
	case *Unary:
		return bd.unary(x)
	case *Binary:
		return bd.binary(x)
	case *IsNull:
		arg, err := bd.bind(x.X)
		if err != nil {
			return nil, err
		}
		return fold(&isNullNode{x: arg, not: x.Not}, arg)
	case *In:
		return bd.in(x)
	case *Call:
		return bd.call(x)
	case *Case:
		return bd.caseExpr(x)
	case *Cast:
		return bd.cast(x)
	case *Like:
		return bd.like(x)
	}
	return nil, errorf(e.Position(), "unsupported expression node %T", e)
}

func literalNode(x *Literal) *constNode {
	switch x.Kind {
	case LitInt:
		return &constNode{k: kInt, dt: typeOfKind(kInt, nil), i: x.Int}
	case LitFloat:
		return &constNode{k: kFloat, dt: typeOfKind(kFloat, nil), f: x.Float}
	case LitString:
		return &constNode{k: kStr, dt: dictString, s: x.Str}
	case LitBool:
		return &constNode{k: kBool, dt: typeOfKind(kBool, nil), b: x.Bool}
	}
	return &constNode{k: kNull, dt: arrow.Null, null: true}
}

// nullOf is a null constant of kind k.
func nullOf(k kind, dt arrow.DataType) *constNode {
	return &constNode{k: k, dt: dt, null: true}
}

func isNullLit(n node) bool {
	c, ok := n.(*constNode)
	return ok && c.k == kNull
}

func (bd *binder) column(x *Column) (node, error) {
	idx := bd.schema.FieldIndices(x.Name)
	if len(idx) == 0 {
		return nil, errorf(x.Pos, "unknown column %q (have: %s)", x.Name, fieldNames(bd.schema))
	}
	f := bd.schema.Field(idx[0])
	k, ok := kindOf(f.Type)
	if !ok {
		return nil, errorf(x.Pos, "column %q has type %s; expressions support %s", x.Name, f.Type, supportedTypes)
	}
	slot, seen := bd.slots[x.Name]
	if !seen {
		slot = len(bd.cols)
		bd.slots[x.Name] = slot
		bd.cols = append(bd.cols, colRef{name: x.Name, index: idx[0], dt: f.Type})
	}
	return &colNode{name: x.Name, slot: slot, k: k, dt: f.Type}, nil
}

// fold replaces n by a constant when all its inputs are constants.
func fold(n node, inputs ...node) (node, error) {
	for _, in := range inputs {
		if _, ok := in.(*constNode); !ok {
			return n, nil
		}
	}
	a, err := n.eval(&evalCtx{mem: memory.DefaultAllocator, n: 1})
	if err != nil {
		return nil, err
	}
	defer a.Release()
	return constFromArray(a, n.kind(), n.dataType())
}

func (bd *binder) unary(x *Unary) (node, error) {
	arg, err := bd.bind(x.X)
	if err != nil {
		return nil, err
	}
	k := arg.kind()
	if x.Op == "not" {
		switch k {
		case kNull:
			return nullOf(kBool, typeOfKind(kBool, nil)), nil
		case kBool:
			return fold(&notNode{x: arg}, arg)
		}
		return nil, errorf(x.Pos, "not needs a bool operand, got %s", k)
	}
	switch k {
	case kNull:
		return nullOf(kInt, typeOfKind(kInt, nil)), nil
	case kInt, kFloat:
		return fold(&mathNode{fn: fnNeg, x: arg, k: k}, arg)
	}
	return nil, errorf(x.Pos, "cannot negate a %s: unary - needs int64 or float64", k)
}

func (bd *binder) binary(x *Binary) (node, error) {
	l, err := bd.bind(x.L)
	if err != nil {
		return nil, err
	}
	r, err := bd.bind(x.R)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case "and", "or":
		return logic(x, l, r)
	case "+", "-", "*", "/", "%":
		return arithmetic(x, l, r)
	}
	return comparison(x, l, r)
}

func logic(x *Binary, l, r node) (node, error) {
	for _, side := range []node{l, r} {
		if k := side.kind(); k != kBool && k != kNull {
			return nil, errorf(x.Pos, "%s needs bool operands, got %s and %s", x.Op, l.kind(), r.kind())
		}
	}
	bt := typeOfKind(kBool, nil)
	if isNullLit(l) {
		l = nullOf(kBool, bt)
	}
	if isNullLit(r) {
		r = nullOf(kBool, bt)
	}
	return fold(&logicNode{and: x.Op == "and", l: l, r: r}, l, r)
}

func arithmetic(x *Binary, l, r node) (node, error) {
	lk, rk := l.kind(), r.kind()
	if (!lk.numeric() && lk != kNull) || (!rk.numeric() && rk != kNull) {
		return nil, errorf(x.Pos, "cannot apply %s to %s and %s: arithmetic needs int64 or float64 operands", x.Op, lk, rk)
	}
	k := kInt
	if lk == kFloat || rk == kFloat || x.Op == "/" {
		k = kFloat
	}
	if lk == kNull || rk == kNull {
		return nullOf(k, typeOfKind(k, nil)), nil
	}
	return fold(&arithNode{op: x.Op[0], l: l, r: r, k: k}, l, r)
}

func comparison(x *Binary, l, r node) (node, error) {
	bt := typeOfKind(kBool, nil)
	lk, rk := l.kind(), r.kind()
	if lk == kNull || rk == kNull {
		return nullOf(kBool, bt), nil
	}
	var err error
	if lk == kTs && rk == kStr {
		r, err = timestampConst(x.R, r, l.dataType())
	} else if lk == kStr && rk == kTs {
		l, err = timestampConst(x.L, l, r.dataType())
	}
	if err != nil {
		return nil, err
	}
	lk, rk = l.kind(), r.kind()
	ok := lk == rk || (lk.numeric() && rk.numeric())
	if ok && lk == kTs && !arrow.TypeEqual(l.dataType(), r.dataType()) {
		return nil, errorf(x.Pos, "cannot compare %s with %s: timestamp units differ", l.dataType(), r.dataType())
	}
	if !ok {
		return nil, errorf(x.Pos, "cannot compare %s with %s", lk, rk)
	}
	return fold(&cmpNode{op: cmpOps[x.Op], l: l, r: r}, l, r)
}

// timestampConst converts a string constant compared with a timestamp of
// type ts into a timestamp constant, once, at bind time.
func timestampConst(src Expr, n node, ts arrow.DataType) (node, error) {
	c, ok := n.(*constNode)
	if !ok {
		return nil, errorf(src.Position(), "cannot compare a timestamp with a string column; only string literals ('YYYY-MM-DD[ HH:MM:SS]') convert to timestamps")
	}
	if c.null {
		return nullOf(kTs, ts), nil
	}
	v, err := parseTimestamp(c.s, ts.(*arrow.TimestampType).Unit)
	if err != nil {
		return nil, errorf(src.Position(), "%v", err)
	}
	return &constNode{k: kTs, dt: ts, i: v}, nil
}

func (bd *binder) in(x *In) (node, error) {
	arg, err := bd.bind(x.X)
	if err != nil {
		return nil, err
	}
	n := &inNode{x: arg}
	k := arg.kind()
	if k == kNull {
		return nullOf(kBool, typeOfKind(kBool, nil)), nil
	}
	items := make([]*constNode, len(x.List))
	allInt := true
	for i, e := range x.List {
		it, err := bd.bind(e)
		if err != nil {
			return nil, err
		}
		c, ok := it.(*constNode)
		if !ok {
			return nil, errorf(e.Position(), "in list items must be literals, got %s", e)
		}
		if k == kTs && c.k == kStr {
			t, err := timestampConst(e, c, arg.dataType())
			if err != nil {
				return nil, err
			}
			c = t.(*constNode)
		}
		compatible := c.k == kNull || c.k == k || (k.numeric() && c.k.numeric())
		if !compatible {
			return nil, errorf(e.Position(), "in list item %s is %s; %s needs %s items", e, c.k, x.X, k)
		}
		if c.k == kTs && !arrow.TypeEqual(c.dt, arg.dataType()) {
			return nil, errorf(e.Position(), "in list item %s: timestamp units differ", e)
		}
		allInt = allInt && (c.k != kFloat)
		items[i] = c
	}
	n.asFloat = k == kFloat || (k == kInt && !allInt)
	for _, c := range items {
		switch {
		case c.null:
			n.hasNull = true
		case k == kStr:
			if n.strs == nil {
				n.strs = map[string]struct{}{}
			}
			n.strs[c.s] = struct{}{}
		case k == kBool:
			n.hasTrue = n.hasTrue || c.b
			n.hasFalse = n.hasFalse || !c.b
		case n.asFloat:
			n.floats = append(n.floats, c.num())
		default:
			n.ints = append(n.ints, c.i)
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
	var out node
	if out, err = fold(n, arg); err != nil {
		return nil, err
	}
	if x.Not {
		return fold(&notNode{x: out}, out)
	}
	return out, nil
}

func (bd *binder) call(x *Call) (node, error) {
	args := make([]node, len(x.Args))
	for i, a := range x.Args {
		n, err := bd.bind(a)
		if err != nil {
			return nil, err
		}
		args[i] = n
	}
	switch x.Name {
	case "coalesce":
		return coalesce(x, args)
	case "lower", "upper", "length", "substr", "concat", "starts_with":
		return stringCall(x, args)
	case "date_diff":
		return dateDiff(x, args)
	}
	arg := args[0]
	k := arg.kind()
	switch x.Name {
	case "abs", "log", "sqrt":
		fn := map[string]int{"abs": fnAbs, "log": fnLog, "sqrt": fnSqrt}[x.Name]
		out := kFloat
		if fn == fnAbs && k != kFloat {
			out = kInt
		}
		if k == kNull {
			return nullOf(out, typeOfKind(out, nil)), nil
		}
		if !k.numeric() {
			return nil, errorf(x.Pos, "%s needs an int64 or float64 argument, got %s", x.Name, k)
		}
		return fold(&mathNode{fn: fn, x: arg, k: out}, arg)
	}
	// year, month, hour, day_of_week
	if k == kNull {
		return nullOf(kInt, typeOfKind(kInt, nil)), nil
	}
	if k != kTs {
		return nil, errorf(x.Pos, "%s needs a timestamp argument, got %s", x.Name, k)
	}
	part := map[string]int{"year": partYear, "month": partMonth, "hour": partHour, "day_of_week": partDow}[x.Name]
	return fold(&timePartNode{part: part, x: arg, unit: arg.dataType().(*arrow.TimestampType).Unit}, arg)
}

func coalesce(x *Call, args []node) (node, error) {
	// The type comes from every argument but the untyped null literal, so
	// that a typed null constant (null * 1.5) still counts.
	k := kNull
	var ts arrow.DataType
	for i, a := range args {
		ak := a.kind()
		switch {
		case ak == kNull:
			continue
		case k == kNull || ak == k:
			k = ak
		case ak.numeric() && k.numeric():
			k = kFloat
		default:
			return nil, errorf(x.Args[i].Position(), "coalesce arguments must have one type: %s and %s", k, ak)
		}
		if ak == kTs {
			if ts != nil && !arrow.TypeEqual(ts, a.dataType()) {
				return nil, errorf(x.Args[i].Position(), "coalesce arguments must have one type: %s and %s", ts, a.dataType())
			}
			ts = a.dataType()
		}
	}
	var kept []node
	for _, a := range args {
		if c, ok := a.(*constNode); ok && c.null {
			continue
		}
		kept = append(kept, a)
	}
	if len(kept) == 0 {
		return nullOf(k, typeOfKind(k, ts)), nil
	}
	if c, ok := kept[0].(*constNode); ok {
		// The first non-null argument is a constant: it is always chosen.
		if k == kFloat && c.k == kInt {
			return &constNode{k: kFloat, dt: typeOfKind(kFloat, nil), f: float64(c.i)}, nil
		}
		return c, nil
	}
	// Arguments after a constant are never reached.
	for i, a := range kept {
		if _, ok := a.(*constNode); ok {
			kept = kept[:i+1]
			break
		}
	}
	return &coalesceNode{args: kept, k: k, dt: typeOfKind(k, ts)}, nil
}
