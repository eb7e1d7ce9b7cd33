package expr

import (
	"strings"
	"unicode/utf8"

	"github.com/sluice-ml/sluice/expr/lex"
)

// isWord reports whether the next token is the identifier w (any case):
// `as` and `escape` are keywords only where the grammar expects them.
func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.Kind == lex.Ident && strings.EqualFold(t.Text, w)
}

// parseCase reads the rest of `case [x] when c then v ... [else e] end`
// after the case keyword at pos.
func (p *parser) parseCase(pos int) (Expr, error) {
	if err := p.enter(pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	e := &Case{Pos: pos}
	if !p.isKeyword("when") {
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		e.Operand = x
	}
	for p.isKeyword("when") {
		p.next()
		cond, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if !p.isKeyword("then") {
			return nil, errorf(p.peek().Pos, "expected then after the when condition of the case at column %d, found %s", pos+1, describe(p.peek()))
		}
		p.next()
		then, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		e.Whens = append(e.Whens, When{Cond: cond, Then: then})
	}
	if len(e.Whens) == 0 {
		return nil, errorf(p.peek().Pos, "expected when after case (case when condition then value ... [else value] end), found %s", describe(p.peek()))
	}
	if p.isKeyword("else") {
		p.next()
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		e.Else = x
	}
	if !p.isKeyword("end") {
		return nil, errorf(p.peek().Pos, "expected when, else or end in the case at column %d, found %s", pos+1, describe(p.peek()))
	}
	p.next()
	return e, nil
}

// parseCast reads `x as type)` after the ( of cast or try_cast at pos.
func (p *parser) parseCast(fn string, pos int) (Expr, error) {
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if !p.isWord("as") {
		return nil, errorf(p.peek().Pos, "expected as in %s(value as type), found %s", fn, describe(p.peek()))
	}
	p.next()
	t := p.next()
	to := strings.ToLower(t.Text)
	known := false
	for _, name := range CastTypes {
		known = known || (t.Kind == lex.Ident && to == name)
	}
	switch {
	case !known && t.Kind == lex.Ident:
		return nil, errorf(t.Pos, "%s to unknown type %q (the types are %s)", fn, t.Text, strings.Join(CastTypes, ", "))
	case !known:
		return nil, errorf(t.Pos, "expected a type after as in %s(value as type), found %s (the types are %s)", fn, describe(t), strings.Join(CastTypes, ", "))
	}
	if !p.isOp(")") {
		return nil, errorf(p.peek().Pos, "expected ) to close %s(value as type), found %s", fn, describe(p.peek()))
	}
	p.next()
	return &Cast{X: x, To: to, Try: fn == "try_cast", Pos: pos}, nil
}

// parseLike reads the pattern and optional escape clause of `x [not] like`
// (the like keyword at pos).
func (p *parser) parseLike(x Expr, not bool, pos int) (Expr, error) {
	pat, err := p.parseAdd()
	if err != nil {
		return nil, err
	}
	e := &Like{X: x, Pattern: pat, Not: not, Pos: pos}
	if p.isWord("escape") {
		p.next()
		t := p.next()
		if t.Kind != lex.String {
			return nil, errorf(t.Pos, "expected a one-character string after escape, found %s", describe(t))
		}
		if utf8.RuneCountInString(t.Text) != 1 {
			return nil, errorf(t.Pos, "the escape of like is one character, got %q", t.Text)
		}
		e.Escape = t.Text
	}
	return e, nil
}
