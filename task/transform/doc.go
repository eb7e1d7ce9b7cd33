// Package transform turns cached rows into output rows: Output.Columns
// applies a job's fitted feature transforms (through the kernels given,
// CPU or device), fills the label's nulls and carries the keep columns,
// followed by the internal __h2 and __rowid columns the shard writer
// orders by; Output.Schema is the schema that gives.
package transform
