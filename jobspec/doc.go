// Package jobspec parses and validates sluice job files: what each section
// (input, filter, columns, features, label, keep, split, aggregates,
// output, engine, slices, expect) may hold, its defaults, and the checks
// across sections; the result is a Job. Every error names the file, line
// and field and says what is allowed; see Error. Reading the YAML itself
// (one document, --set overrides, unique keys, typed scalars with their
// positions) is package jobspec/yamlread.
package jobspec
