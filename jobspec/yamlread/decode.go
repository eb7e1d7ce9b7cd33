package yamlread

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

// Decode parses exactly one YAML document and returns its top-level node,
// alias-resolved, or nil for a document with no content (or null). Errors
// are *Error.
func Decode(data []byte) (top *yaml.Node, err error) {
	defer func() {
		// yaml.v3 is not known to panic on any input since v3.0.0; this keeps
		// a parser bug in that dependency from crashing the driver.
		if r := recover(); r != nil {
			top, err = nil, &Error{Msg: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, SyntaxError(data, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, &Error{Line: extra.Line, Msg: "only one YAML document is allowed (found a second after ---)"}
	case !errors.Is(err, io.EOF):
		return nil, SyntaxError(data, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	top = Resolve(doc.Content[0])
	if IsNull(top) {
		return nil, nil
	}
	return top, nil
}
