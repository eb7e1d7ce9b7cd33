package filter

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluice-ml/sluice/expr"

	"github.com/sluice-ml/sluice/exec/gpu/device"

	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

// Opcodes and comparisons of kernels/filter.cu.
const (
	fCmpLit    = 1
	fCmpCol    = 2
	fIsNull    = 3
	fIsNullTop = 4
	fAnd       = 5
	fOr        = 6
	fNot       = 7
	fConst     = 8
	fBoolCol   = 9
	fStack     = 16 // the kernel's stack depth
	cmpFloat   = 1 << 8
)

var filterCmps = map[string]int64{"=": 0, "!=": 1, "<": 2, "<=": 3, ">": 4, ">=": 5}

// flipCmp is the comparison with its operands swapped.
var flipCmp = [6]int64{0, 1, 4, 5, 2, 3}

// Program is a filter expression compiled for the device: a postfix
// program of comparisons between int64/float64 columns and numeric
// literals, is [not] null of any column, bool columns and literals, and
// and/or/not with SQL three-valued logic. A row is selected when the
// result is true (null counts as false), exactly as expr's Eval followed
// by expr.Filter: int64 against int64 compares as integers, any float
// operand compares as float64 (NaN unequal to everything).
type Program struct {
	src        string
	code       []int64
	cols       []string // the columns the program reads, by slot
	slots      map[string]int
	depth, max int
}

// String is the expression the program was compiled from.
func (p *Program) String() string { return p.src }

// Columns lists the columns the program reads.
func (p *Program) Columns() []string { return p.cols }

// Compile compiles e for the device against schema. An expression
// outside the subset gives an error wrapping device.ErrUnsupported whose text
// reads "unsupported because ..." and names the construct; the caller
// evaluates it on the CPU engine.
func Compile(e expr.Expr, schema *arrow.Schema) (*Program, error) {
	p := &Program{src: e.String(), slots: map[string]int{}}
	c := filterCompiler{p: p, schema: schema}
	if err := c.pred(e); err != nil {
		return nil, fmt.Errorf("filter %s: %w", p.src, err)
	}
	return p, nil
}

type filterCompiler struct {
	p      *Program
	schema *arrow.Schema
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w because "+format, append([]any{device.ErrUnsupported}, args...)...)
}

func (c *filterCompiler) emit(op, a, b, d int64, push int) error {
	c.p.code = append(c.p.code, op, a, b, d)
	c.p.depth += push
	if c.p.depth > c.p.max {
		c.p.max = c.p.depth
		if c.p.max > fStack {
			return unsupported("the expression nests deeper than the device's stack of %d", fStack)
		}
	}
	return nil
}

// column returns the slot and type of a column reference.
func (c *filterCompiler) column(col *expr.Column) (int64, arrow.DataType, error) {
	idx := c.schema.FieldIndices(col.Name)
	if len(idx) == 0 {
		return 0, nil, fmt.Errorf("column %q not found", col.Name)
	}
	dt := c.schema.Field(idx[0]).Type
	s, ok := c.p.slots[col.Name]
	if !ok {
		s = len(c.p.cols)
		c.p.slots[col.Name] = s
		c.p.cols = append(c.p.cols, col.Name)
	}
	return int64(s), dt, nil
}

// numLiteral reads a numeric literal (or the negation of one): isFloat,
// its int64 or float64 value; ok is false for anything else.
func numLiteral(e expr.Expr) (i int64, f float64, isFloat, ok bool) {
	neg := false
	if u, isU := e.(*expr.Unary); isU && u.Op == "-" {
		neg, e = true, u.X
	}
	l, isL := e.(*expr.Literal)
	if !isL {
		return 0, 0, false, false
	}
	switch l.Kind {
	case expr.LitInt:
		if neg {
			return -l.Int, 0, false, true
		}
		return l.Int, 0, false, true
	case expr.LitFloat:
		if neg {
			return 0, -l.Float, true, true
		}
		return 0, l.Float, true, true
	}
	return 0, 0, false, false
}

func isNullLiteral(e expr.Expr) bool {
	l, ok := e.(*expr.Literal)
	return ok && l.Kind == expr.LitNull
}

// pred compiles a bool-valued expression.
func (c *filterCompiler) pred(e expr.Expr) error {
	switch n := e.(type) {
	case *expr.Binary:
		if n.Op == "and" || n.Op == "or" {
			if err := c.pred(n.L); err != nil {
				return err
			}
			if err := c.pred(n.R); err != nil {
				return err
			}
			if n.Op == "and" {
				return c.emit(fAnd, 0, 0, 0, -1)
			}
			return c.emit(fOr, 0, 0, 0, -1)
		}
		if cmp, ok := filterCmps[n.Op]; ok {
			return c.compare(cmp, n)
		}
		return unsupported("arithmetic (%s) is evaluated on the CPU engine", n.Op)
	case *expr.Unary:
		if n.Op != "not" {
			return unsupported("unary %s is evaluated on the CPU engine", n.Op)
		}
		if err := c.pred(n.X); err != nil {
			return err
		}
		return c.emit(fNot, 0, 0, 0, 0)
	case *expr.IsNull:
		neg := b2i64(n.Not)
		switch x := n.X.(type) {
		case *expr.Column:
			s, _, err := c.column(x)
			if err != nil {
				return err
			}
			return c.emit(fIsNull, neg, s, 0, 1)
		case *expr.Literal:
			return c.emit(fConst, b2i64((x.Kind == expr.LitNull) != n.Not), 1, 0, 1)
		}
		if err := c.pred(n.X); err != nil {
			return err
		}
		return c.emit(fIsNullTop, neg, 0, 0, 0)
	case *expr.Column:
		s, dt, err := c.column(n)
		if err != nil {
			return err
		}
		if dt.ID() != arrow.BOOL {
			return fmt.Errorf("column %q is %s, not bool", n.Name, dt)
		}
		return c.emit(fBoolCol, 0, s, 0, 1)
	case *expr.Literal:
		switch n.Kind {
		case expr.LitBool:
			return c.emit(fConst, b2i64(n.Bool), 1, 0, 1)
		case expr.LitNull:
			return c.emit(fConst, 0, 0, 0, 1)
		}
		return fmt.Errorf("literal %s is not a bool", n)
	case *expr.In:
		return unsupported("IN lists are evaluated on the CPU engine")
	case *expr.Call:
		return unsupported("function %s() is evaluated on the CPU engine", n.Name)
	}
	return constructReason(e)
}

// constructReason names the case, cast and like constructs, which the
// device does not evaluate.
func constructReason(e expr.Expr) error {
	switch e.(type) {
	case *expr.Case:
		return unsupported("case and if() are evaluated on the CPU engine")
	case *expr.Cast:
		return unsupported("casts are evaluated on the CPU engine")
	case *expr.Like:
		return unsupported("like is evaluated on the CPU engine")
	}
	return unsupported("%s is evaluated on the CPU engine", e)
}

func b2i64(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// numericColumn returns the slot of an int64 or float64 column operand
// (isFloat for float64); ok is false when e is not a column.
func (c *filterCompiler) numericColumn(e expr.Expr) (slot int64, isFloat, ok bool, err error) {
	col, isCol := e.(*expr.Column)
	if !isCol {
		return 0, false, false, nil
	}
	s, dt, err := c.column(col)
	if err != nil {
		return 0, false, true, err
	}
	switch dt.ID() {
	case arrow.INT64:
		return s, false, true, nil
	case arrow.FLOAT64:
		return s, true, true, nil
	}
	return 0, false, true, unsupported("comparisons of %s columns (%s) are evaluated on the CPU engine; the device compares int64 and float64", dt, col.Name)
}

// compare compiles a comparison of columns and numeric literals.
func (c *filterCompiler) compare(cmp int64, n *expr.Binary) error {
	if isNullLiteral(n.L) || isNullLiteral(n.R) {
		return c.emit(fConst, 0, 0, 0, 1) // a comparison with null is null
	}
	ls, lf, lcol, err := c.numericColumn(n.L)
	if err != nil {
		return err
	}
	rs, rf, rcol, err := c.numericColumn(n.R)
	if err != nil {
		return err
	}
	switch {
	case lcol && rcol:
		if lf || rf {
			cmp |= cmpFloat
		}
		return c.emit(fCmpCol, cmp, ls, rs, 1)
	case lcol || rcol:
		lit, slot, isFloat := n.R, ls, lf
		if rcol {
			lit, slot, isFloat, cmp = n.L, rs, rf, flipCmp[cmp]
		}
		iv, fv, litFloat, ok := numLiteral(lit)
		if !ok {
			return operandReason(lit)
		}
		if isFloat || litFloat {
			if !litFloat {
				fv = float64(iv)
			}
			return c.emit(fCmpLit, cmp|cmpFloat, slot, int64(math.Float64bits(fv)), 1)
		}
		return c.emit(fCmpLit, cmp, slot, iv, 1)
	}
	for _, x := range []expr.Expr{n.L, n.R} {
		if _, _, _, ok := numLiteral(x); !ok {
			return operandReason(x)
		}
	}
	return unsupported("the comparison %s does not compare a numeric column (constant comparisons are evaluated on the CPU engine)", n)
}

// operandReason names a comparison operand the device does not evaluate.
func operandReason(e expr.Expr) error {
	switch x := e.(type) {
	case *expr.Binary:
		return unsupported("arithmetic (%s) is evaluated on the CPU engine", x.Op)
	case *expr.Unary:
		return unsupported("unary %s of a column is evaluated on the CPU engine", x.Op)
	case *expr.Call:
		return unsupported("function %s() is evaluated on the CPU engine", x.Name)
	case *expr.Literal:
		return unsupported("comparisons with the literal %s are evaluated on the CPU engine", x)
	case *expr.Case, *expr.Cast, *expr.Like:
		return constructReason(e)
	}
	return unsupported("the operand %s is evaluated on the CPU engine", e)
}

// Run evaluates the program over batch on the device and appends to
// out (and returns) the ascending indices of the selected rows: those
// where the expression is true (null counts as false), as expr's Eval
// and Filter select them.
func Run(k *launch.Kernels, p *Program, batch arrow.RecordBatch, out []int32) ([]int32, error) {
	n := int(batch.NumRows())
	cols := make([]launch.Column, len(p.cols))
	for s, name := range p.cols {
		idx := batch.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return out, fmt.Errorf("filter %s: batch has no column %q", p.src, name)
		}
		col := batch.Column(idx[0])
		c, err := launch.ColumnOf("filter "+p.src, col)
		if err != nil {
			// is null needs only the validity of other types.
			c = launch.Column{Kind: launch.KindInt64, N: col.Len()}
			if col.NullN() > 0 {
				c.Valid, c.NOff = col.NullBitmapBytes(), col.Data().Offset()
			}
			if !p.validityOnly(int64(s)) {
				return out, err
			}
		}
		cols[s] = c
	}
	base := len(out)
	err := k.Chunked("filter "+p.src, n, func(b *launch.Buffers, lo, hi int) error {
		out = out[:base]
		m := hi - lo
		desc := make([]uint64, 0, 5*len(cols)+5)
		for _, c := range cols {
			pc := c.Part(lo, hi)
			if c.Vals == nil {
				pc.Vals = nil
			}
			vals, valid, err := pc.Upload(b)
			if err != nil {
				return err
			}
			desc = append(desc, uint64(vals), uint64(pc.Kind), uint64(pc.VOff), uint64(valid), uint64(pc.NOff))
		}
		dp, err := b.In(device.AsBytes(append(desc, 0)))
		if err != nil {
			return err
		}
		cp, err := b.In(device.AsBytes(p.code))
		if err != nil {
			return err
		}
		mp, err := b.Alloc((m + 7) / 8)
		if err != nil {
			return err
		}
		if err := k.LaunchRows("k_filter_eval", (m+7)/8, uint64(cp), uint64(len(p.code)), uint64(dp), uint64(mp), uint64(m)); err != nil {
			return err
		}
		out, err = k.CompactDevice(b, mp, 0, 0, 0, m, lo, out)
		base = len(out)
		return err
	})
	return out, err
}

// validityOnly reports whether column slot s is only tested with is null.
func (p *Program) validityOnly(s int64) bool {
	for pc := 0; pc < len(p.code); pc += 4 {
		op := p.code[pc]
		if (op == fCmpLit || op == fBoolCol) && p.code[pc+2] == s {
			return false
		}
		if op == fCmpCol && (p.code[pc+2] == s || p.code[pc+3] == s) {
			return false
		}
	}
	return true
}
