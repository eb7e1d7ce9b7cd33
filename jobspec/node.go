package jobspec

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// parser walks a yaml.Node tree and reports errors against one file.
type parser struct {
	file  string
	lines []string // source lines, to place block scalars
}

func (p *parser) errf(line int, field, format string, args ...any) *Error {
	return Errorf(p.file, line, field, format, args...)
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe shows a value in "(got ...)" messages.
func describe(n *yaml.Node) string {
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind != yaml.ScalarNode:
		return "an alias"
	case n.ShortTag() == "!!null":
		return "null"
	case n.ShortTag() == "!!str":
		return strconv.Quote(n.Value)
	}
	return n.Value
}

// entry is one key/value pair of a mapping; val is alias-resolved.
type entry struct {
	key  string
	line int // line of the key
	val  *yaml.Node
}

// mapNode is a checked mapping: unique scalar keys, in file order.
type mapNode struct {
	path    string // dotted field path of the mapping itself ("" at top level)
	line    int    // where the mapping is named, for "required" errors
	entries []entry
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (m *mapNode) field(key string) string { return join(m.path, key) }

// get returns the entry for key, or nil when it is absent or null.
func (m *mapNode) get(key string) *entry {
	for i := range m.entries {
		if m.entries[i].key == key {
			if isNull(m.entries[i].val) {
				return nil
			}
			return &m.entries[i]
		}
	}
	return nil
}

// mapping checks that n is a mapping with unique plain keys, each in
// allowed (nil allows any key).
func (p *parser) mapping(path string, line int, n *yaml.Node, allowed []string) (*mapNode, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, p.errf(lineOf(n, line), path, "expected a mapping (got %s)", describe(n))
	}
	m := &mapNode{path: path, line: line}
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			return nil, p.errf(lineOf(k, line), path, "keys must be plain names (got %s)", describe(k))
		}
		if k.ShortTag() == "!!merge" {
			return nil, p.errf(k.Line, path, "merge keys (<<) are not supported; write the keys out")
		}
		if first, dup := seen[k.Value]; dup {
			return nil, p.errf(k.Line, join(path, k.Value), "duplicate key %q (first on line %d)", k.Value, first)
		}
		seen[k.Value] = k.Line
		if allowed != nil && !contains(allowed, k.Value) {
			return nil, p.errf(k.Line, join(path, k.Value), "%s", unknownMsg("key", k.Value, allowed))
		}
		m.entries = append(m.entries, entry{key: k.Value, line: k.Line, val: resolve(n.Content[i+1])})
	}
	return m, nil
}

// lineOf is n's line, or fallback when n is nil or has none (--set values).
func lineOf(n *yaml.Node, fallback int) int {
	if n != nil && n.Line > 0 {
		return n.Line
	}
	return fallback
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// text is any non-null scalar, as written.
func (p *parser) text(field string, e *entry, what string) (string, error) {
	if e.val.Kind != yaml.ScalarNode || isNull(e.val) {
		return "", p.errf(lineOf(e.val, e.line), field, "expected %s (got %s)", what, describe(e.val))
	}
	return e.val.Value, nil
}

// name is a non-empty scalar.
func (p *parser) name(field string, e *entry, what string) (string, error) {
	s, err := p.text(field, e, what)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(s) == "" {
		return "", p.errf(lineOf(e.val, e.line), field, "expected %s (got an empty string)", what)
	}
	return s, nil
}

// intAtLeast is an integer >= lo.
func (p *parser) intAtLeast(field string, e *entry, lo int64) (int64, error) {
	var v int64
	if e.val.Kind != yaml.ScalarNode || e.val.ShortTag() != "!!int" || e.val.Decode(&v) != nil || v < lo {
		return 0, p.errf(lineOf(e.val, e.line), field, "expected an integer >= %d (got %s)", lo, describe(e.val))
	}
	return v, nil
}

// intRange is an integer in [lo, hi].
func (p *parser) intRange(field string, e *entry, lo, hi int64) (int64, error) {
	v, err := p.intAtLeast(field, e, lo)
	if err != nil {
		return 0, err
	}
	if v > hi {
		return 0, p.errf(lineOf(e.val, e.line), field, "expected an integer <= %d (got %s)", hi, describe(e.val))
	}
	return v, nil
}

// uintVal is an integer in [0, 2^64).
func (p *parser) uintVal(field string, e *entry) (uint64, error) {
	var v uint64
	if e.val.Kind != yaml.ScalarNode || e.val.ShortTag() != "!!int" || e.val.Decode(&v) != nil {
		return 0, p.errf(lineOf(e.val, e.line), field, "expected an integer >= 0 (got %s)", describe(e.val))
	}
	return v, nil
}

// number is a finite integer or float.
func (p *parser) number(field string, e *entry) (float64, error) {
	var v float64
	tag := e.val.ShortTag()
	if e.val.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") || e.val.Decode(&v) != nil ||
		math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, p.errf(lineOf(e.val, e.line), field, "expected a finite number (got %s)", describe(e.val))
	}
	return v, nil
}

// boolVal is true or false.
func (p *parser) boolVal(field string, e *entry) (bool, error) {
	var v bool
	if e.val.Kind != yaml.ScalarNode || e.val.ShortTag() != "!!bool" || e.val.Decode(&v) != nil {
		return false, p.errf(lineOf(e.val, e.line), field, "expected true or false (got %s)", describe(e.val))
	}
	return v, nil
}

// enum is one of allowed; what names the kind of value in messages.
func (p *parser) enum(field string, e *entry, what string, allowed []string) (string, error) {
	s, err := p.text(field, e, "one of "+strings.Join(allowed, ", "))
	if err != nil {
		return "", err
	}
	if !contains(allowed, s) {
		return "", p.errf(lineOf(e.val, e.line), field, "%s", unknownMsg(what, s, allowed))
	}
	return s, nil
}

// names is a column name or a list of column names, non-empty and unique.
func (p *parser) names(field string, e *entry) ([]Field, error) {
	const what = "a column name or a list of column names"
	var items []*yaml.Node
	switch e.val.Kind {
	case yaml.ScalarNode:
		items = []*yaml.Node{e.val}
	case yaml.SequenceNode:
		items = e.val.Content
	default:
		return nil, p.errf(lineOf(e.val, e.line), field, "expected %s (got %s)", what, describe(e.val))
	}
	out := make([]Field, 0, len(items))
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		it = resolve(it)
		f := fmt.Sprintf("%s[%d]", field, i)
		if e.val.Kind == yaml.ScalarNode {
			f = field
		}
		n, err := p.name(f, &entry{key: f, line: lineOf(e.val, e.line), val: it}, "a column name")
		if err != nil {
			return nil, err
		}
		if seen[n] {
			return nil, p.errf(lineOf(it, e.line), f, "column %q is listed twice", n)
		}
		seen[n] = true
		out = append(out, Field{Name: n, Line: it.Line}) // 0 when from --set
	}
	return out, nil
}

// expr is an expression scalar with the position of its first character.
func (p *parser) expr(field string, e *entry) (Expr, error) {
	src, err := p.name(field, e, "an expression string")
	if err != nil {
		return Expr{}, err
	}
	n := e.val
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
