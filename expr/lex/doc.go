// Package lex is the tokenizer of the expression language (package expr):
// Lex splits an expression into identifiers, quoted column names, numbers,
// strings, operators and keywords (lower-cased; IsKeyword lists them),
// each with its byte offset, and reports malformed input as an *Error at
// the offending byte.
package lex
