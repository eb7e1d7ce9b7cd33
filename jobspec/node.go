package jobspec

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sluice-ml/sluice/jobspec/yamlread"
)

// parser reads the sections of one job file's YAML tree.
type parser struct {
	file  string
	lines []string // source lines, to place block scalars
}

func (p *parser) errf(line int, field, format string, args ...any) *Error {
	return Errorf(p.file, line, field, format, args...)
}

// withFile names the job file in an error of the YAML reader.
func withFile(file string, err error) error {
	var ye *yamlread.Error
	if errors.As(err, &ye) {
		return &Error{File: file, Line: ye.Line, Field: ye.Field, Msg: ye.Msg}
	}
	return err
}

// names is a column name or a list of column names, non-empty and unique.
func (p *parser) names(field string, e *yamlread.Entry) ([]Field, error) {
	const what = "a column name or a list of column names"
	var items []*yaml.Node
	switch e.Val.Kind {
	case yaml.ScalarNode:
		items = []*yaml.Node{e.Val}
	case yaml.SequenceNode:
		items = e.Val.Content
	default:
		return nil, p.errf(yamlread.LineOf(e.Val, e.Line), field, "expected %s (got %s)", what, yamlread.Describe(e.Val))
	}
	out := make([]Field, 0, len(items))
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		it = yamlread.Resolve(it)
		f := fmt.Sprintf("%s[%d]", field, i)
		if e.Val.Kind == yaml.ScalarNode {
			f = field
		}
		n, err := yamlread.Name(f, &yamlread.Entry{Key: f, Line: yamlread.LineOf(e.Val, e.Line), Val: it}, "a column name")
		if err != nil {
			return nil, err
		}
		if seen[n] {
			return nil, p.errf(yamlread.LineOf(it, e.Line), f, "column %q is listed twice", n)
		}
		seen[n] = true
		out = append(out, Field{Name: n, Line: it.Line}) // 0 when from --set
	}
	return out, nil
}

// expr is an expression scalar with the position of its first character.
func (p *parser) expr(field string, e *yamlread.Entry) (Expr, error) {
	src, err := yamlread.Name(field, e, "an expression string")
	if err != nil {
		return Expr{}, err
	}
	n := e.Val
	x := Expr{Src: strings.TrimRight(src, " \t\r\n"), Line: n.Line, Col: n.Column}
	switch n.Style {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if x.Col > 0 {
			x.Col++
		}
	case yaml.LiteralStyle, yaml.FoldedStyle:
		if x.Line > 0 {
			x.Line, x.Col = p.firstText(n.Line + 1)
		}
	}
	return x, nil
}

// firstText finds the first non-blank line at or after line and returns it
// with the 1-based column of its first non-blank byte.
func (p *parser) firstText(line int) (int, int) {
	for l := line; l >= 1 && l <= len(p.lines); l++ {
		s := p.lines[l-1]
		if i := strings.IndexFunc(s, func(r rune) bool { return r != ' ' && r != '\t' && r != '\r' }); i >= 0 {
			return l, i + 1
		}
	}
	return line, 1
}
