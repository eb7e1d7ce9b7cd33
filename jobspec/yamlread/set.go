package yamlread

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// ApplySets applies --set overrides to the top-level mapping root, in order.
// A missing key along the path is created as a mapping; a null value is
// replaced by one. Nodes that come from an override have line 0, so their
// errors print without a line.
func ApplySets(root *yaml.Node, sets []string) error {
	for _, s := range sets {
		key, value, ok := strings.Cut(s, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return &Error{Field: "--set", Msg: fmt.Sprintf("expected key.path=value, e.g. output.overwrite=true (got %q)", s)}
		}
		parts := strings.Split(key, ".")
		for _, part := range parts {
			if part == "" {
				return &Error{Field: "--set", Msg: fmt.Sprintf("key %q has an empty part; write it like input.generate.rows", key)}
			}
		}
		val, err := setValue(key, value)
		if err != nil {
			return err
		}
		cur := root
		for i, part := range parts[:len(parts)-1] {
			next := lookup(cur, part)
			if next == nil || IsNull(Resolve(next)) {
				m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				put(cur, part, m)
				cur = m
				continue
			}
			target := Resolve(next)
			if target == nil || target.Kind != yaml.MappingNode {
				at := strings.Join(parts[:i+1], ".")
				return &Error{Line: LineOf(target, 0), Field: at, Msg: fmt.Sprintf("--set %s: %s is %s, not a mapping", key, at, Describe(target))}
			}
			if next != target {
				// An alias: copy the mapping so the override does not also
				// change the anchor and its other uses.
				cp := *target
				cp.Anchor = ""
				cp.Content = append([]*yaml.Node(nil), target.Content...)
				put(cur, part, &cp)
				target = &cp
			}
			cur = target
		}
		put(cur, parts[len(parts)-1], val)
	}
	return nil
}

// setValue parses an override value as YAML; an empty value is "".
func setValue(key, value string) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(value), &doc); err != nil {
		e := SyntaxError([]byte(value), err)
		return nil, &Error{Field: key, Msg: fmt.Sprintf("--set %s: value %q is not valid YAML: %s", key, value, strings.TrimPrefix(e.Msg, "invalid YAML: "))}
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}, nil
	}
	n := doc.Content[0]
	clearPositions(n, 0)
	return n, nil
}

// clearPositions zeroes the line and column of n and its children.
func clearPositions(n *yaml.Node, depth int) {
	if n == nil || depth > 64 {
		return
	}
	n.Line, n.Column = 0, 0
	for _, c := range n.Content {
		clearPositions(c, depth+1)
	}
}

// lookup returns the value node of key in mapping m, or nil.
func lookup(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := Resolve(m.Content[i]); k != nil && k.Kind == yaml.ScalarNode && k.Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// put sets key to val in mapping m, replacing an existing value.
func put(m *yaml.Node, key string, val *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := Resolve(m.Content[i]); k != nil && k.Kind == yaml.ScalarNode && k.Value == key {
			m.Content[i+1] = val
			return
		}
	}
	m.Content = append(m.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key},
		val)
}
