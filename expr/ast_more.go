package expr

import "strings"

// When is one `when Cond then Then` arm of a Case.
type When struct {
	Cond, Then Expr
}

// Case is `case when c then v ... [else e] end`, or the simple form
// `case x when v then r ... [else e] end` (Operand set: each arm's Cond is
// compared with the operand by =). `if(c, a, b)` parses to a Case with
// one arm. Else is nil when absent (the result is then null).
type Case struct {
	Operand Expr
	Whens   []When
	Else    Expr
	Pos     int
}

// Cast is `cast(x as type)`, or `try_cast(x as type)` when Try is set. To
// is one of the names in CastTypes.
type Cast struct {
	X   Expr
	To  string
	Try bool
	Pos int
}

// CastTypes are the type names a cast accepts.
var CastTypes = []string{"int64", "float64", "string", "bool", "timestamp"}

// Like is `x like pattern [escape 'c']`, or `x not like ...` when Not is
// set. Escape is "" when there is no escape character.
type Like struct {
	X, Pattern Expr
	Escape     string
	Not        bool
	Pos        int
}

// Position implements Expr.
func (e *Case) Position() int { return e.Pos }

// Position implements Expr.
func (e *Cast) Position() int { return e.Pos }

// Position implements Expr.
func (e *Like) Position() int { return e.Pos }

// String prints "(case [x] when c then v ... [else e] end)".
func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("(case")
	if e.Operand != nil {
		b.WriteString(" ")
		b.WriteString(e.Operand.String())
	}
	for _, w := range e.Whens {
		b.WriteString(" when ")
		b.WriteString(w.Cond.String())
		b.WriteString(" then ")
		b.WriteString(w.Then.String())
	}
	if e.Else != nil {
		b.WriteString(" else ")
		b.WriteString(e.Else.String())
	}
	b.WriteString(" end)")
	return b.String()
}

// String prints "cast(x as type)" or "try_cast(x as type)".
func (e *Cast) String() string {
	name := "cast("
	if e.Try {
		name = "try_cast("
	}
	return name + e.X.String() + " as " + e.To + ")"
}

// String prints "(x like p)", "(x not like p)", with " escape 'c'" when
// there is an escape character.
func (e *Like) String() string {
	op := " like "
	if e.Not {
		op = " not like "
	}
	s := "(" + e.X.String() + op + e.Pattern.String()
	if e.Escape != "" {
		s += " escape " + (&Literal{Kind: LitString, Str: e.Escape}).String()
	}
	return s + ")"
}
