package jobspec

import (
	"fmt"
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
