package yamlread

import (
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Resolve follows aliases to the node they name.
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	return n
}

func IsNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// Describe shows a value in "(got ...)" messages.
func Describe(n *yaml.Node) string {
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

// Entry is one key/value pair of a mapping; val is alias-resolved.
type Entry struct {
	Key  string
	Line int // line of the key
	Val  *yaml.Node
}

// MapNode is a checked mapping: unique scalar keys, in file order.
type MapNode struct {
	Path    string // dotted field path of the mapping itself ("" at top level)
	Line    int    // where the mapping is named, for "required" errors
	Entries []Entry
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Field is the dotted path of key in the mapping.
func (m *MapNode) Field(key string) string { return join(m.Path, key) }

// Get returns the entry for key, or nil when it is absent or null.
func (m *MapNode) Get(key string) *Entry {
	for i := range m.Entries {
		if m.Entries[i].Key == key {
			if IsNull(m.Entries[i].Val) {
				return nil
			}
			return &m.Entries[i]
		}
	}
	return nil
}

// Mapping checks that n is a mapping with unique plain keys, each in
// allowed (nil allows any key).
func Mapping(path string, line int, n *yaml.Node, allowed []string) (*MapNode, error) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, Errorf(LineOf(n, line), path, "expected a mapping (got %s)", Describe(n))
	}
	m := &MapNode{Path: path, Line: line}
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := Resolve(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			return nil, Errorf(LineOf(k, line), path, "keys must be plain names (got %s)", Describe(k))
		}
		if k.ShortTag() == "!!merge" {
			return nil, Errorf(k.Line, path, "merge keys (<<) are not supported; write the keys out")
		}
		if first, dup := seen[k.Value]; dup {
			return nil, Errorf(k.Line, join(path, k.Value), "duplicate key %q (first on line %d)", k.Value, first)
		}
		seen[k.Value] = k.Line
		if allowed != nil && !Contains(allowed, k.Value) {
			return nil, Errorf(k.Line, join(path, k.Value), "%s", UnknownMsg("key", k.Value, allowed))
		}
		m.Entries = append(m.Entries, Entry{Key: k.Value, Line: k.Line, Val: Resolve(n.Content[i+1])})
	}
	return m, nil
}

// LineOf is n's line, or fallback when n is nil or has none (--set values).
func LineOf(n *yaml.Node, fallback int) int {
	if n != nil && n.Line > 0 {
		return n.Line
	}
	return fallback
}

// Contains reports whether s is in list.
func Contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Text is any non-null scalar, as written.
func Text(field string, e *Entry, what string) (string, error) {
	if e.Val.Kind != yaml.ScalarNode || IsNull(e.Val) {
		return "", Errorf(LineOf(e.Val, e.Line), field, "expected %s (got %s)", what, Describe(e.Val))
	}
	return e.Val.Value, nil
}

// Name is a non-empty scalar.
func Name(field string, e *Entry, what string) (string, error) {
	s, err := Text(field, e, what)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(s) == "" {
		return "", Errorf(LineOf(e.Val, e.Line), field, "expected %s (got an empty string)", what)
	}
	return s, nil
}

// IntAtLeast is an integer >= lo.
func IntAtLeast(field string, e *Entry, lo int64) (int64, error) {
	var v int64
	if e.Val.Kind != yaml.ScalarNode || e.Val.ShortTag() != "!!int" || e.Val.Decode(&v) != nil || v < lo {
		return 0, Errorf(LineOf(e.Val, e.Line), field, "expected an integer >= %d (got %s)", lo, Describe(e.Val))
	}
	return v, nil
}

// IntRange is an integer in [lo, hi].
func IntRange(field string, e *Entry, lo, hi int64) (int64, error) {
	v, err := IntAtLeast(field, e, lo)
	if err != nil {
		return 0, err
	}
	if v > hi {
		return 0, Errorf(LineOf(e.Val, e.Line), field, "expected an integer <= %d (got %s)", hi, Describe(e.Val))
	}
	return v, nil
}

// Uint is an integer in [0, 2^64).
func UintVal(field string, e *Entry) (uint64, error) {
	var v uint64
	if e.Val.Kind != yaml.ScalarNode || e.Val.ShortTag() != "!!int" || e.Val.Decode(&v) != nil {
		return 0, Errorf(LineOf(e.Val, e.Line), field, "expected an integer >= 0 (got %s)", Describe(e.Val))
	}
	return v, nil
}

// Number is a finite integer or float.
func Number(field string, e *Entry) (float64, error) {
	var v float64
	tag := e.Val.ShortTag()
	if e.Val.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") || e.Val.Decode(&v) != nil ||
		math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, Errorf(LineOf(e.Val, e.Line), field, "expected a finite number (got %s)", Describe(e.Val))
	}
	return v, nil
}

// Bool is true or false.
func BoolVal(field string, e *Entry) (bool, error) {
	var v bool
	if e.Val.Kind != yaml.ScalarNode || e.Val.ShortTag() != "!!bool" || e.Val.Decode(&v) != nil {
		return false, Errorf(LineOf(e.Val, e.Line), field, "expected true or false (got %s)", Describe(e.Val))
	}
	return v, nil
}

// Enum is one of allowed; what names the kind of value in messages.
func Enum(field string, e *Entry, what string, allowed []string) (string, error) {
	s, err := Text(field, e, "one of "+strings.Join(allowed, ", "))
	if err != nil {
		return "", err
	}
	if !Contains(allowed, s) {
		return "", Errorf(LineOf(e.Val, e.Line), field, "%s", UnknownMsg(what, s, allowed))
	}
	return s, nil
}
