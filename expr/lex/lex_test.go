package lex

import (
	"errors"
	"reflect"
	"testing"
)

func TestLex(t *testing.T) {
	got, err := Lex("a >= 1.5e3 AND `x y` <> 'it''s' or b2 in (7)")
	if err != nil {
		t.Fatal(err)
	}
	want := []Token{
		{Ident, "a", 0}, {Op, ">=", 2}, {Float, "1.5e3", 5}, {Keyword, "and", 11},
		{QuotedIdent, "x y", 15}, {Op, "<>", 21}, {String, "it's", 24}, {Keyword, "or", 32},
		{Ident, "b2", 35}, {Keyword, "in", 38}, {Op, "(", 41}, {Int, "7", 42}, {Op, ")", 43}, {EOF, "", 44},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Lex:\n got %v\nwant %v", got, want)
	}
}

func TestLexErrors(t *testing.T) {
	for _, c := range []struct {
		src string
		pos int
		msg string
	}{
		{"a = 'open", 4, "unterminated string (missing closing ')"},
		{"1e+", 0, `malformed number "1e+": exponent needs digits`},
		{"12x", 2, `malformed number: unexpected 'x' after "12"`},
		{"a ; b", 2, "unexpected character ';'"},
		{"``", 0, "empty quoted column name"},
		{"a\xff", 1, "invalid UTF-8 in expression"},
	} {
		_, err := Lex(c.src)
		var le *Error
		if !errors.As(err, &le) || le.Pos != c.pos || le.Msg != c.msg {
			t.Errorf("Lex(%q) = %v, want *Error at %d %q", c.src, err, c.pos, c.msg)
		}
	}
}
