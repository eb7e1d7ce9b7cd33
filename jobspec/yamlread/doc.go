// Package yamlread reads a YAML document into checked values that keep
// their positions: Decode (one document, syntax errors with a 1-based
// line), ApplySets (--set key.path=value overrides put into the tree),
// Mapping (unique plain keys from an allowed list, with "did you mean"
// suggestions), and typed scalars (text, names, bounded integers, finite
// numbers, bools, enums). Every error is an *Error naming the line and the
// dotted field path; package jobspec, which knows what a job file's
// sections mean, adds the file name.
package yamlread
