package expr

import (
	"math"
	"strconv"
	"strings"

	"github.com/sluice-ml/sluice/expr/lex"
)

// Expr is a parsed expression. String prints a canonical, fully
// parenthesised form that parses back to the same tree (used in EXPLAIN).
type Expr interface {
	String() string
	// Position is the 0-based byte offset of the node in the source: the
	// operator of a binary or postfix node, the first character otherwise.
	Position() int
}

// LitKind is the kind of a literal.
type LitKind uint8

// Literal kinds.
const (
	LitNull LitKind = iota
	LitInt
	LitFloat
	LitString
	LitBool
)

// Literal is a constant. Only the field matching Kind is meaningful.
type Literal struct {
	Kind  LitKind
	Int   int64
	Float float64
	Str   string
	Bool  bool
	Pos   int
}

// Column references an input column by name.
type Column struct {
	Name string
	Pos  int
}

// Unary is `-x` (Op "-") or `not x` (Op "not").
type Unary struct {
	Op  string
	X   Expr
	Pos int
}

// Binary is an infix operation. Op is one of + - * / % = != < <= > >= and
// or (the spellings == and <> are normalised to = and !=).
type Binary struct {
	Op   string
	L, R Expr
	Pos  int
}

// IsNull is `x is null`, or `x is not null` when Not is set.
type IsNull struct {
	X   Expr
	Not bool
	Pos int
}

// In is `x in (list)`, or `x not in (list)` when Not is set.
type In struct {
	X    Expr
	List []Expr
	Not  bool
	Pos  int
}

// Call is a function call; Name is lower case.
type Call struct {
	Name string
	Args []Expr
	Pos  int
}

// Position implements Expr.
func (e *Literal) Position() int { return e.Pos }

// Position implements Expr.
func (e *Column) Position() int { return e.Pos }

// Position implements Expr.
func (e *Unary) Position() int { return e.Pos }

// Position implements Expr.
func (e *Binary) Position() int { return e.Pos }

// Position implements Expr.
func (e *IsNull) Position() int { return e.Pos }

// Position implements Expr.
func (e *In) Position() int { return e.Pos }

// Position implements Expr.
func (e *Call) Position() int { return e.Pos }

// String prints the literal as it would be written in source.
func (e *Literal) String() string {
	switch e.Kind {
	case LitInt:
		return strconv.FormatInt(e.Int, 10)
	case LitFloat:
		return formatFloat(e.Float)
	case LitString:
		return "'" + strings.ReplaceAll(e.Str, "'", "''") + "'"
	case LitBool:
		if e.Bool {
			return "true"
		}
		return "false"
	}
	return "null"
}

// formatFloat prints f so that it reads back as a float literal. Values
// that have no literal spelling (Inf, NaN, from constant folding) print as
// an expression that evaluates to them.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "(1.0 / 0.0)"
	case math.IsInf(f, -1):
		return "(-1.0 / 0.0)"
	case math.IsNaN(f):
		return "(0.0 / 0.0)"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// String prints the column name, backquoted when it is not a plain
// identifier or is a keyword.
func (e *Column) String() string { return quoteName(e.Name) }

func quoteName(name string) string {
	if isPlainIdent(name) && !lex.IsKeyword(name) {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

func isPlainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(lex.IsIdentStart(c) || (i > 0 && c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// String prints "(-x)" or "(not x)" ("(-(1))" for a numeric literal).
func (e *Unary) String() string {
	if e.Op == "not" {
		return "(not " + e.X.String() + ")"
	}
	if lit, ok := e.X.(*Literal); ok && (lit.Kind == LitInt || lit.Kind == LitFloat) {
		// "-(1)" keeps the unary node: "-1" would parse as a literal.
		return "(-(" + lit.String() + "))"
	}
	return "(-" + e.X.String() + ")"
}

// String prints "(l op r)".
func (e *Binary) String() string {
	return "(" + e.L.String() + " " + e.Op + " " + e.R.String() + ")"
}

// String prints "(x is null)" or "(x is not null)".
func (e *IsNull) String() string {
	if e.Not {
		return "(" + e.X.String() + " is not null)"
	}
	return "(" + e.X.String() + " is null)"
}

// String prints "(x in (a, b))" or "(x not in (a, b))".
func (e *In) String() string {
	var b strings.Builder
	b.WriteString("(")
	b.WriteString(e.X.String())
	if e.Not {
		b.WriteString(" not in (")
	} else {
		b.WriteString(" in (")
	}
	for i, x := range e.List {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x.String())
	}
	b.WriteString("))")
	return b.String()
}

// String prints "name(a, b)".
func (e *Call) String() string {
	var b strings.Builder
	b.WriteString(e.Name)
	b.WriteString("(")
	for i, x := range e.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x.String())
	}
	b.WriteString(")")
	return b.String()
}
