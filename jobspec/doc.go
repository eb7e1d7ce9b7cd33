// Package jobspec parses and validates sluice job files. Every error names
// the file, line and field and says what is allowed; see Error.
package jobspec
