package expr

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
	"github.com/sluice-ml/sluice/expr/ops"
	"github.com/sluice-ml/sluice/expr/strdate"
)

// Bound is an expression type-checked against a schema and compiled to
// vectorized kernels. It is immutable and safe for concurrent Eval calls.
type Bound struct {
	expr Expr
	root eval.Node
	cols []colRef // by eval.Col.Slot
}

type colRef struct {
	name  string
	index int // field index in the bind schema
	dt    arrow.DataType
}

// Type is the Arrow type Eval returns.
func (b *Bound) Type() arrow.DataType { return b.root.DataType() }

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
	return b.root.Eval(&eval.Ctx{Mem: mem, N: n, Cols: cols})
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

func (bd *binder) bind(e Expr) (eval.Node, error) {
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
		return fold(ops.NewIsNull(arg, x.Not), arg)
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

func literalNode(x *Literal) *eval.Const {
	switch x.Kind {
	case LitInt:
		return &eval.Const{K: eval.Int, DT: eval.TypeOfKind(eval.Int, nil), I: x.Int}
	case LitFloat:
		return &eval.Const{K: eval.Float, DT: eval.TypeOfKind(eval.Float, nil), F: x.Float}
	case LitString:
		return &eval.Const{K: eval.Str, DT: eval.DictString, S: x.Str}
	case LitBool:
		return &eval.Const{K: eval.Bool, DT: eval.TypeOfKind(eval.Bool, nil), B: x.Bool}
	}
	return &eval.Const{K: eval.Null, DT: arrow.Null, Null: true}
}

// nullOf is a null constant of kind k.
func nullOf(k eval.Kind, dt arrow.DataType) *eval.Const {
	return &eval.Const{K: k, DT: dt, Null: true}
}

func isNullLit(n eval.Node) bool {
	c, ok := n.(*eval.Const)
	return ok && c.K == eval.Null
}

func (bd *binder) column(x *Column) (eval.Node, error) {
	idx := bd.schema.FieldIndices(x.Name)
	if len(idx) == 0 {
		return nil, errorf(x.Pos, "unknown column %q (have: %s)", x.Name, fieldNames(bd.schema))
	}
	f := bd.schema.Field(idx[0])
	k, ok := eval.KindOf(f.Type)
	if !ok {
		return nil, errorf(x.Pos, "column %q has type %s; expressions support %s", x.Name, f.Type, eval.SupportedTypes)
	}
	slot, seen := bd.slots[x.Name]
	if !seen {
		slot = len(bd.cols)
		bd.slots[x.Name] = slot
		bd.cols = append(bd.cols, colRef{name: x.Name, index: idx[0], dt: f.Type})
	}
	return &eval.Col{Name: x.Name, Slot: slot, K: k, DT: f.Type}, nil
}

// fold replaces n by a constant when all its inputs are constants.
func fold(n eval.Node, inputs ...eval.Node) (eval.Node, error) {
	for _, in := range inputs {
		if _, ok := in.(*eval.Const); !ok {
			return n, nil
		}
	}
	a, err := n.Eval(&eval.Ctx{Mem: memory.DefaultAllocator, N: 1})
	if err != nil {
		return nil, err
	}
	defer a.Release()
	return eval.ConstFromArray(a, n.Kind(), n.DataType())
}

func (bd *binder) unary(x *Unary) (eval.Node, error) {
	arg, err := bd.bind(x.X)
	if err != nil {
		return nil, err
	}
	k := arg.Kind()
	if x.Op == "not" {
		switch k {
		case eval.Null:
			return nullOf(eval.Bool, eval.TypeOfKind(eval.Bool, nil)), nil
		case eval.Bool:
			return fold(ops.NewNot(arg), arg)
		}
		return nil, errorf(x.Pos, "not needs a bool operand, got %s", k)
	}
	switch k {
	case eval.Null:
		return nullOf(eval.Int, eval.TypeOfKind(eval.Int, nil)), nil
	case eval.Int, eval.Float:
		return fold(ops.NewMath(ops.Neg, arg, k), arg)
	}
	return nil, errorf(x.Pos, "cannot negate a %s: unary - needs int64 or float64", k)
}

func (bd *binder) binary(x *Binary) (eval.Node, error) {
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

func logic(x *Binary, l, r eval.Node) (eval.Node, error) {
	for _, side := range []eval.Node{l, r} {
		if k := side.Kind(); k != eval.Bool && k != eval.Null {
			return nil, errorf(x.Pos, "%s needs bool operands, got %s and %s", x.Op, l.Kind(), r.Kind())
		}
	}
	bt := eval.TypeOfKind(eval.Bool, nil)
	if isNullLit(l) {
		l = nullOf(eval.Bool, bt)
	}
	if isNullLit(r) {
		r = nullOf(eval.Bool, bt)
	}
	return fold(ops.NewLogic(x.Op == "and", l, r), l, r)
}

func arithmetic(x *Binary, l, r eval.Node) (eval.Node, error) {
	lk, rk := l.Kind(), r.Kind()
	if (!lk.Numeric() && lk != eval.Null) || (!rk.Numeric() && rk != eval.Null) {
		return nil, errorf(x.Pos, "cannot apply %s to %s and %s: arithmetic needs int64 or float64 operands", x.Op, lk, rk)
	}
	k := eval.Int
	if lk == eval.Float || rk == eval.Float || x.Op == "/" {
		k = eval.Float
	}
	if lk == eval.Null || rk == eval.Null {
		return nullOf(k, eval.TypeOfKind(k, nil)), nil
	}
	return fold(ops.NewArith(x.Op[0], l, r, k), l, r)
}

func comparison(x *Binary, l, r eval.Node) (eval.Node, error) {
	bt := eval.TypeOfKind(eval.Bool, nil)
	lk, rk := l.Kind(), r.Kind()
	if lk == eval.Null || rk == eval.Null {
		return nullOf(eval.Bool, bt), nil
	}
	var err error
	if lk == eval.Ts && rk == eval.Str {
		r, err = timestampConst(x.R, r, l.DataType())
	} else if lk == eval.Str && rk == eval.Ts {
		l, err = timestampConst(x.L, l, r.DataType())
	}
	if err != nil {
		return nil, err
	}
	lk, rk = l.Kind(), r.Kind()
	ok := lk == rk || (lk.Numeric() && rk.Numeric())
	if ok && lk == eval.Ts && !arrow.TypeEqual(l.DataType(), r.DataType()) {
		return nil, errorf(x.Pos, "cannot compare %s with %s: timestamp units differ", l.DataType(), r.DataType())
	}
	if !ok {
		return nil, errorf(x.Pos, "cannot compare %s with %s", lk, rk)
	}
	return fold(ops.NewCompare(x.Op, l, r), l, r)
}

// timestampConst converts a string constant compared with a timestamp of
// type ts into a timestamp constant, once, at bind time.
func timestampConst(src Expr, n eval.Node, ts arrow.DataType) (eval.Node, error) {
	c, ok := n.(*eval.Const)
	if !ok {
		return nil, errorf(src.Position(), "cannot compare a timestamp with a string column; only string literals ('YYYY-MM-DD[ HH:MM:SS]') convert to timestamps")
	}
	if c.Null {
		return nullOf(eval.Ts, ts), nil
	}
	v, err := eval.ParseTimestamp(c.S, ts.(*arrow.TimestampType).Unit)
	if err != nil {
		return nil, errorf(src.Position(), "%v", err)
	}
	return &eval.Const{K: eval.Ts, DT: ts, I: v}, nil
}

func (bd *binder) in(x *In) (eval.Node, error) {
	arg, err := bd.bind(x.X)
	if err != nil {
		return nil, err
	}
	k := arg.Kind()
	if k == eval.Null {
		return nullOf(eval.Bool, eval.TypeOfKind(eval.Bool, nil)), nil
	}
	items := make([]*eval.Const, len(x.List))
	for i, e := range x.List {
		it, err := bd.bind(e)
		if err != nil {
			return nil, err
		}
		c, ok := it.(*eval.Const)
		if !ok {
			return nil, errorf(e.Position(), "in list items must be literals, got %s", e)
		}
		if k == eval.Ts && c.K == eval.Str {
			t, err := timestampConst(e, c, arg.DataType())
			if err != nil {
				return nil, err
			}
			c = t.(*eval.Const)
		}
		compatible := c.K == eval.Null || c.K == k || (k.Numeric() && c.K.Numeric())
		if !compatible {
			return nil, errorf(e.Position(), "in list item %s is %s; %s needs %s items", e, c.K, x.X, k)
		}
		if c.K == eval.Ts && !arrow.TypeEqual(c.DT, arg.DataType()) {
			return nil, errorf(e.Position(), "in list item %s: timestamp units differ", e)
		}
		items[i] = c
	}
	n := ops.NewIn(arg, items)
	var out eval.Node
	if out, err = fold(n, arg); err != nil {
		return nil, err
	}
	if x.Not {
		return fold(ops.NewNot(out), out)
	}
	return out, nil
}

func (bd *binder) call(x *Call) (eval.Node, error) {
	args := make([]eval.Node, len(x.Args))
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
	k := arg.Kind()
	switch x.Name {
	case "abs", "log", "sqrt":
		fn := map[string]int{"abs": ops.Abs, "log": ops.Log, "sqrt": ops.Sqrt}[x.Name]
		out := eval.Float
		if fn == ops.Abs && k != eval.Float {
			out = eval.Int
		}
		if k == eval.Null {
			return nullOf(out, eval.TypeOfKind(out, nil)), nil
		}
		if !k.Numeric() {
			return nil, errorf(x.Pos, "%s needs an int64 or float64 argument, got %s", x.Name, k)
		}
		return fold(ops.NewMath(fn, arg, out), arg)
	}
	// year, month, hour, day_of_week
	if k == eval.Null {
		return nullOf(eval.Int, eval.TypeOfKind(eval.Int, nil)), nil
	}
	if k != eval.Ts {
		return nil, errorf(x.Pos, "%s needs a timestamp argument, got %s", x.Name, k)
	}
	part := map[string]int{"year": strdate.Year, "month": strdate.Month, "hour": strdate.Hour, "day_of_week": strdate.DayOfWeek}[x.Name]
	return fold(strdate.NewTimePart(part, arg), arg)
}

func coalesce(x *Call, args []eval.Node) (eval.Node, error) {
	// The type comes from every argument but the untyped null literal, so
	// that a typed null constant (null * 1.5) still counts.
	k := eval.Null
	var ts arrow.DataType
	for i, a := range args {
		ak := a.Kind()
		switch {
		case ak == eval.Null:
			continue
		case k == eval.Null || ak == k:
			k = ak
		case ak.Numeric() && k.Numeric():
			k = eval.Float
		default:
			return nil, errorf(x.Args[i].Position(), "coalesce arguments must have one type: %s and %s", k, ak)
		}
		if ak == eval.Ts {
			if ts != nil && !arrow.TypeEqual(ts, a.DataType()) {
				return nil, errorf(x.Args[i].Position(), "coalesce arguments must have one type: %s and %s", ts, a.DataType())
			}
			ts = a.DataType()
		}
	}
	var kept []eval.Node
	for _, a := range args {
		if c, ok := a.(*eval.Const); ok && c.Null {
			continue
		}
		kept = append(kept, a)
	}
	if len(kept) == 0 {
		return nullOf(k, eval.TypeOfKind(k, ts)), nil
	}
	if c, ok := kept[0].(*eval.Const); ok {
		// The first non-null argument is a constant: it is always chosen.
		if k == eval.Float && c.K == eval.Int {
			return &eval.Const{K: eval.Float, DT: eval.TypeOfKind(eval.Float, nil), F: float64(c.I)}, nil
		}
		return c, nil
	}
	// Arguments after a constant are never reached.
	for i, a := range kept {
		if _, ok := a.(*eval.Const); ok {
			kept = kept[:i+1]
			break
		}
	}
	return ops.NewCoalesce(kept, k, eval.TypeOfKind(k, ts)), nil
}
