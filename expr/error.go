package expr

import "fmt"

// Error is a parse or type error in an expression. Pos is the 0-based byte
// offset in the source; Error reports it as a 1-based column.
type Error struct {
	Pos int
	Msg string
}

// Error formats the error as "at column N: msg".
func (e *Error) Error() string { return fmt.Sprintf("at column %d: %s", e.Pos+1, e.Msg) }

func errorf(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
