// Package csvscan reads CSV input files: Schema infers a dataset's column
// types from the first rows of every file (or takes them from input.csv
// types) and unifies them; a Reader parses one file's rows into batches
// in canonical types, one typed loop per column and batch.
//
// Errors name the file and line, and for a bad value the column and the
// type it should have. Row numbers count data rows only, from 0 (the
// header line is not counted). A Reader lends each batch until the next
// call to Next or Close; Close is idempotent.
package csvscan
