package lex

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kind is what a token is.
type Kind uint8

const (
	EOF Kind = iota
	Ident
	QuotedIdent
	Int
	Float
	String
	Op // punctuation and operators; text in tok.text
	Keyword
)

// Token is one token of an expression.
type Token struct {
	Kind Kind
	Text string // identifier, keyword (lower case), operator, number text or unquoted string
	Pos  int    // byte offset in the source
}

var keywords = map[string]bool{
	"and": true, "or": true, "not": true, "is": true, "null": true,
	"in": true, "true": true, "false": true, "like": true,
	"case": true, "when": true, "then": true, "else": true, "end": true,
}

// IsKeyword reports whether s is a reserved word (any case).
func IsKeyword(s string) bool { return keywords[strings.ToLower(s)] }

// IsIdentStart reports whether c may start an identifier.
func IsIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Lex splits src into tokens, ending with an EOF token at len(src).
func Lex(src string) ([]Token, error) {
	if !utf8.ValidString(src) {
		for i, r := range src {
			if r == utf8.RuneError {
				return nil, errorf(i, "invalid UTF-8 in expression")
			}
		}
	}
	var toks []Token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case IsIdentStart(c):
			j := i + 1
			for j < len(src) && (IsIdentStart(src[j]) || isDigit(src[j])) {
				j++
			}
			word := src[i:j]
			if IsKeyword(word) {
				toks = append(toks, Token{Kind: Keyword, Text: strings.ToLower(word), Pos: i})
			} else {
				toks = append(toks, Token{Kind: Ident, Text: word, Pos: i})
			}
			i = j
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			tok, j, err := lexNumber(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, tok)
			i = j
		case c == '\'' || c == '"' || c == '`':
			text, j, err := lexQuoted(src, i)
			if err != nil {
				return nil, err
			}
			kind := String
			if c == '`' {
				kind = QuotedIdent
				if text == "" {
					return nil, errorf(i, "empty quoted column name")
				}
			}
			toks = append(toks, Token{Kind: kind, Text: text, Pos: i})
			i = j
		default:
			op := lexOp(src[i:])
			if op == "" {
				return nil, errorf(i, "unexpected character %q", rune(c))
			}
			toks = append(toks, Token{Kind: Op, Text: op, Pos: i})
			i += len(op)
		}
	}
	return append(toks, Token{Kind: EOF, Pos: len(src)}), nil
}

func lexOp(s string) string {
	for _, op := range []string{"==", "!=", "<>", "<=", ">="} {
		if strings.HasPrefix(s, op) {
			return op
		}
	}
	switch s[0] {
	case '+', '-', '*', '/', '%', '=', '<', '>', '(', ')', ',':
		return s[:1]
	}
	return ""
}

// lexNumber reads digits [. digits] [e [+-] digits] starting at i.
func lexNumber(src string, i int) (Token, int, error) {
	j := i
	isFloat := false
	for j < len(src) && isDigit(src[j]) {
		j++
	}
	if j < len(src) && src[j] == '.' {
		isFloat = true
		j++
		for j < len(src) && isDigit(src[j]) {
			j++
		}
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		isFloat = true
		j++
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j >= len(src) || !isDigit(src[j]) {
			return Token{}, 0, errorf(i, "malformed number %q: exponent needs digits", src[i:j])
		}
		for j < len(src) && isDigit(src[j]) {
			j++
		}
	}
	if j < len(src) && (IsIdentStart(src[j]) || src[j] == '.') {
		return Token{}, 0, errorf(j, "malformed number: unexpected %q after %q", rune(src[j]), src[i:j])
	}
	kind := Int
	if isFloat {
		kind = Float
	}
	return Token{Kind: kind, Text: src[i:j], Pos: i}, j, nil
}

// lexQuoted reads a string or quoted name starting with the quote at i; a
// doubled quote character stands for itself.
func lexQuoted(src string, i int) (string, int, error) {
	q := src[i]
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		if src[j] == q {
			if j+1 < len(src) && src[j+1] == q {
				b.WriteByte(q)
				j += 2
				continue
			}
			return b.String(), j + 1, nil
		}
		b.WriteByte(src[j])
		j++
	}
	what := "string"
	if q == '`' {
		what = "quoted column name"
	}
	return "", 0, errorf(i, "unterminated %s (missing closing %c)", what, q)
}

// Error is a lexical error at byte offset Pos of the source.
type Error struct {
	Pos int
	Msg string
}

// Error formats the error as "at column N: msg".
func (e *Error) Error() string { return fmt.Sprintf("at column %d: %s", e.Pos+1, e.Msg) }

func errorf(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
