package expr

import (
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tQuotedIdent
	tInt
	tFloat
	tString
	tOp // punctuation and operators; text in tok.text
	tKeyword
)

type token struct {
	kind tokKind
	text string // identifier, keyword (lower case), operator, number text or unquoted string
	pos  int
}

var keywords = map[string]bool{
	"and": true, "or": true, "not": true, "is": true, "null": true,
	"in": true, "true": true, "false": true, "like": true,
	"case": true, "when": true, "then": true, "else": true, "end": true,
}

func isKeyword(s string) bool { return keywords[strings.ToLower(s)] }

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lex splits src into tokens, ending with a tEOF token at len(src).
func lex(src string) ([]token, error) {
	if !utf8.ValidString(src) {
		for i, r := range src {
			if r == utf8.RuneError {
				return nil, errorf(i, "invalid UTF-8 in expression")
			}
		}
	}
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && (isIdentStart(src[j]) || isDigit(src[j])) {
				j++
			}
			word := src[i:j]
			if isKeyword(word) {
				toks = append(toks, token{kind: tKeyword, text: strings.ToLower(word), pos: i})
			} else {
				toks = append(toks, token{kind: tIdent, text: word, pos: i})
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
			kind := tString
			if c == '`' {
				kind = tQuotedIdent
				if text == "" {
					return nil, errorf(i, "empty quoted column name")
				}
			}
			toks = append(toks, token{kind: kind, text: text, pos: i})
			i = j
		default:
			op := lexOp(src[i:])
			if op == "" {
				return nil, errorf(i, "unexpected character %q", rune(c))
			}
			toks = append(toks, token{kind: tOp, text: op, pos: i})
			i += len(op)
		}
	}
	return append(toks, token{kind: tEOF, pos: len(src)}), nil
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
func lexNumber(src string, i int) (token, int, error) {
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
			return token{}, 0, errorf(i, "malformed number %q: exponent needs digits", src[i:j])
		}
		for j < len(src) && isDigit(src[j]) {
			j++
		}
	}
	if j < len(src) && (isIdentStart(src[j]) || src[j] == '.') {
		return token{}, 0, errorf(j, "malformed number: unexpected %q after %q", rune(src[j]), src[i:j])
	}
	kind := tInt
	if isFloat {
		kind = tFloat
	}
	return token{kind: kind, text: src[i:j], pos: i}, j, nil
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
