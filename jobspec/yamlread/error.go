package yamlread

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Error is a problem at a line (0 when unknown or when the value came
// from a --set override) and dotted field path of the document. It names
// no file: package jobspec adds the job file's name.
type Error struct {
	Line  int
	Field string
	Msg   string
}

// Error formats the error as "line: field: msg", leaving out what is
// unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errorf builds an *Error.
func Errorf(line int, field, format string, args ...any) *Error {
	return &Error{Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

var (
	yamlLineRE   = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)
)

// yamlParserProblems start the messages of gopkg.in/yaml.v3's parser (as
// opposed to its scanner) errors. For those it prints the 0-based line of
// the problem (or of the enclosing collection), so SyntaxError adds one.
var yamlParserProblems = []string{
	"did not find expected <document start>",
	"did not find expected <stream-start>",
	"did not find expected node content",
	"did not find expected key",
	"did not find expected '-' indicator",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found duplicate %TAG directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

// SyntaxError turns a gopkg.in/yaml.v3 syntax error for data into an *Error
// with a 1-based line. yaml.v3 leaves the line out of syntax errors on the
// first line; an unknown alias is placed at its first use.
func SyntaxError(data []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		for _, pp := range yamlParserProblems {
			if strings.HasPrefix(msg, pp) {
				line++
				break
			}
		}
	} else if m := yamlAnchorRE.FindStringSubmatch(msg); m != nil {
		line = 0
		for i, l := range strings.Split(string(data), "\n") {
			if strings.Contains(l, "*"+m[1]) {
				line = i + 1
				break
			}
		}
	}
	return &Error{Line: line, Msg: "invalid YAML: " + msg}
}
