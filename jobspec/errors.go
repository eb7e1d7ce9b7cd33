package jobspec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Error is a job-file error: the file, the 1-based line (0 when unknown or
// when the value came from a --set override), the dotted field path
// ("split.ratios") and what is wrong and what is allowed. Every error from
// Load and Parse is an *Error.
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string
}

// Error formats the error as "file:line: field: msg", leaving out the line
// when it is 0 and the field when it is empty.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errorf builds an *Error; the planner uses it to report schema problems at
// the line of the field that caused them (Feature.Line, Field.Line, ...).
func Errorf(file string, line int, field, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

var (
	yamlLineRE   = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)
)

// yamlParserProblems start the messages of gopkg.in/yaml.v3's parser (as
// opposed to its scanner) errors. For those it prints the 0-based line of
// the problem (or of the enclosing collection), so yamlError adds one.
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

// yamlError turns a gopkg.in/yaml.v3 syntax error for data into an *Error
// with a 1-based line. yaml.v3 leaves the line out of syntax errors on the
// first line; an unknown alias is placed at its first use.
func yamlError(file string, data []byte, err error) *Error {
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
	return &Error{File: file, Line: line, Msg: "invalid YAML: " + msg}
}
