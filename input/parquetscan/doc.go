// Package parquetscan reads Parquet input files: Describe reads a file's
// footer (canonical schema, row counts per row group) and a Reader reads
// some of its row groups as batches in canonical types, skipping those that
// prune ranges exclude. Strings are read as dictionaries.
//
// Errors name the file and the row group. A Reader lends each batch until
// the next call to Next or Close; Close is idempotent.
package parquetscan
