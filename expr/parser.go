package expr

import (
	"sort"
	"strconv"
	"strings"

	"github.com/sluice-ml/sluice/expr/lex"
)

// functions maps each function name to its arity: the least and the most
// arguments (-1: no limit). cast and try_cast take `x as type`.
var functions = map[string][2]int{
	"abs": {1, 1}, "log": {1, 1}, "sqrt": {1, 1}, "year": {1, 1}, "month": {1, 1}, "hour": {1, 1},
	"coalesce": {1, -1}, "if": {3, 3}, "lower": {1, 1}, "upper": {1, 1}, "length": {1, 1},
	"substr": {2, 3}, "concat": {1, -1}, "starts_with": {2, 2}, "day_of_week": {1, 1},
	"date_diff": {3, 3}, "cast": {1, 1}, "try_cast": {1, 1},
}

func functionNames() string {
	names := make([]string, 0, len(functions))
	for n := range functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 200

// Parse parses an expression. Errors are *Error with the byte offset of
// the problem.
func Parse(src string) (Expr, error) {
	toks, err := lex.Lex(src)
	if err != nil {
		if le, ok := err.(*lex.Error); ok {
			return nil, errorf(le.Pos, "%s", le.Msg)
		}
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.Kind != lex.EOF {
		return nil, errorf(t.Pos, "unexpected %s after a complete expression", describe(t))
	}
	return e, nil
}

type parser struct {
	toks  []lex.Token
	i     int
	depth int
}

func (p *parser) peek() lex.Token { return p.toks[p.i] }

func (p *parser) next() lex.Token {
	t := p.toks[p.i]
	if t.Kind != lex.EOF {
		p.i++
	}
	return t
}

func (p *parser) isKeyword(kw string) bool {
	t := p.peek()
	return t.Kind == lex.Keyword && t.Text == kw
}

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.Kind == lex.Op && t.Text == op
}

func describe(t lex.Token) string {
	switch t.Kind {
	case lex.EOF:
		return "end of expression"
	case lex.String:
		return "string " + strconv.Quote(t.Text)
	case lex.QuotedIdent:
		return "column `" + t.Text + "`"
	case lex.Ident:
		return "name " + strconv.Quote(t.Text)
	}
	return strconv.Quote(t.Text)
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > maxDepth {
		return errorf(pos, "expression nested more than %d levels deep", maxDepth)
	}
	return nil
}

func (p *parser) parseOr() (Expr, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("or") {
		pos := p.next().Pos
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: "or", L: l, R: r, Pos: pos}
	}
	return l, nil
}

func (p *parser) parseAnd() (Expr, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("and") {
		pos := p.next().Pos
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: "and", L: l, R: r, Pos: pos}
	}
	return l, nil
}

func (p *parser) parseNot() (Expr, error) {
	if p.isKeyword("not") {
		if err := p.enter(p.peek().Pos); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		pos := p.next().Pos
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &Unary{Op: "not", X: x, Pos: pos}, nil
	}
	return p.parseComparison()
}

var comparisonOps = map[string]string{
	"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
}

func (p *parser) isComparison() bool {
	t := p.peek()
	if t.Kind == lex.Op {
		_, ok := comparisonOps[t.Text]
		return ok
	}
	if t.Kind == lex.Keyword && (t.Text == "is" || t.Text == "in" || t.Text == "like") {
		return true
	}
	if t.Kind != lex.Keyword || t.Text != "not" {
		return false
	}
	next := p.toks[p.i+1] // not is never the last token: lex.EOF follows
	return next.Kind == lex.Keyword && (next.Text == "in" || next.Text == "like")
}

func (p *parser) parseComparison() (Expr, error) {
	l, err := p.parseAdd()
	if err != nil {
		return nil, err
	}
	if !p.isComparison() {
		return l, nil
	}
	e, err := p.parseComparisonTail(l)
	if err != nil {
		return nil, err
	}
	if p.isComparison() {
		return nil, errorf(p.peek().Pos, "comparisons do not chain: combine them with and, or add parentheses")
	}
	return e, nil
}

func (p *parser) parseComparisonTail(l Expr) (Expr, error) {
	t := p.next()
	switch {
	case t.Kind == lex.Op:
		r, err := p.parseAdd()
		if err != nil {
			return nil, err
		}
		return &Binary{Op: comparisonOps[t.Text], L: l, R: r, Pos: t.Pos}, nil
	case t.Text == "is":
		not := false
		if p.isKeyword("not") {
			p.next()
			not = true
		}
		if !p.isKeyword("null") {
			return nil, errorf(p.peek().Pos, "expected null after is, found %s", describe(p.peek()))
		}
		p.next()
		return &IsNull{X: l, Not: not, Pos: t.Pos}, nil
	default: // in, not in, like, not like
		not := t.Text == "not"
		if not {
			t = p.next()
		}
		if t.Text == "like" {
			return p.parseLike(l, not, t.Pos)
		}
		list, err := p.parseList()
		if err != nil {
			return nil, err
		}
		return &In{X: l, List: list, Not: not, Pos: t.Pos}, nil
	}
}

func (p *parser) parseList() ([]Expr, error) {
	if !p.isOp("(") {
		return nil, errorf(p.peek().Pos, "expected ( after in, found %s", describe(p.peek()))
	}
	p.next()
	var list []Expr
	for {
		e, err := p.parseAdd()
		if err != nil {
			return nil, err
		}
		list = append(list, e)
		if p.isOp(",") {
			p.next()
			continue
		}
		if p.isOp(")") {
			p.next()
			return list, nil
		}
		return nil, errorf(p.peek().Pos, "expected , or ) in the in list, found %s", describe(p.peek()))
	}
}

func (p *parser) parseAdd() (Expr, error) {
	l, err := p.parseMul()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		t := p.next()
		r, err := p.parseMul()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: t.Text, L: l, R: r, Pos: t.Pos}
	}
	return l, nil
}

func (p *parser) parseMul() (Expr, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.isOp("*") || p.isOp("/") || p.isOp("%") {
		t := p.next()
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: t.Text, L: l, R: r, Pos: t.Pos}
	}
	return l, nil
}

func (p *parser) parseUnary() (Expr, error) {
	if !p.isOp("-") {
		return p.parsePrimary()
	}
	if err := p.enter(p.peek().Pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	pos := p.next().Pos
	if t := p.peek(); t.Kind == lex.Int || t.Kind == lex.Float {
		p.next()
		return numberLiteral("-"+t.Text, t, pos)
	}
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	return &Unary{Op: "-", X: x, Pos: pos}, nil
}

func numberLiteral(text string, t lex.Token, pos int) (Expr, error) {
	if t.Kind == lex.Int {
		v, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, errorf(t.Pos, "integer literal %s out of range for int64", text)
		}
		return &Literal{Kind: LitInt, Int: v, Pos: pos}, nil
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, errorf(t.Pos, "float literal %s out of range for float64", text)
	}
	return &Literal{Kind: LitFloat, Float: v, Pos: pos}, nil
}

func (p *parser) parsePrimary() (Expr, error) {
	t := p.next()
	switch t.Kind {
	case lex.Int, lex.Float:
		return numberLiteral(t.Text, t, t.Pos)
	case lex.String:
		return &Literal{Kind: LitString, Str: t.Text, Pos: t.Pos}, nil
	case lex.QuotedIdent:
		return &Column{Name: t.Text, Pos: t.Pos}, nil
	case lex.Ident:
		if p.isOp("(") {
			return p.parseCall(t)
		}
		return &Column{Name: t.Text, Pos: t.Pos}, nil
	case lex.Keyword:
		switch t.Text {
		case "true", "false":
			return &Literal{Kind: LitBool, Bool: t.Text == "true", Pos: t.Pos}, nil
		case "null":
			return &Literal{Kind: LitNull, Pos: t.Pos}, nil
		case "case":
			return p.parseCase(t.Pos)
		}
		return nil, errorf(t.Pos, "expected a value, found keyword %s (quote a column with this name as `%s`)", t.Text, t.Text)
	case lex.Op:
		if t.Text == "(" {
			if err := p.enter(t.Pos); err != nil {
				return nil, err
			}
			e, err := p.parseOr()
			p.depth--
			if err != nil {
				return nil, err
			}
			if !p.isOp(")") {
				return nil, errorf(p.peek().Pos, "expected ) to close the ( at column %d, found %s", t.Pos+1, describe(p.peek()))
			}
			p.next()
			return e, nil
		}
	}
	return nil, errorf(t.Pos, "expected a value (number, string, column, function or parenthesis), found %s", describe(t))
}

func (p *parser) parseCall(name lex.Token) (Expr, error) {
	fn := strings.ToLower(name.Text)
	arity, ok := functions[fn]
	if !ok {
		return nil, errorf(name.Pos, "unknown function %q (have: %s)", name.Text, functionNames())
	}
	if err := p.enter(name.Pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.next() // (
	if fn == "cast" || fn == "try_cast" {
		return p.parseCast(fn, name.Pos)
	}
	var args []Expr
	if !p.isOp(")") {
		for {
			a, err := p.parseOr()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if p.isOp(",") {
				p.next()
				continue
			}
			break
		}
	}
	if !p.isOp(")") {
		return nil, errorf(p.peek().Pos, "expected , or ) in the arguments of %s, found %s", fn, describe(p.peek()))
	}
	p.next()
	switch lo, hi := arity[0], arity[1]; {
	case lo == hi && len(args) != lo:
		return nil, errorf(name.Pos, "%s takes %d argument(s), got %d", fn, lo, len(args))
	case hi < 0 && len(args) < lo:
		return nil, errorf(name.Pos, "%s takes at least one argument", fn)
	case len(args) < lo || (hi >= 0 && len(args) > hi):
		return nil, errorf(name.Pos, "%s takes %d to %d arguments, got %d", fn, lo, hi, len(args))
	}
	if fn == "if" {
		return &Case{Whens: []When{{Cond: args[0], Then: args[1]}}, Else: args[2], Pos: name.Pos}, nil
	}
	return &Call{Name: fn, Args: args, Pos: name.Pos}, nil
}
