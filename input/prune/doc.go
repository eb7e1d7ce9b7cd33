// Package prune decides which Parquet row groups a scan may skip: a Range
// is a predicate hint on one numeric column, and SkipRowGroup tests a row
// group's min/max and null-count statistics against ranges bound to the
// file's leaf columns. Missing or unusable statistics never skip; callers
// still filter every row.
package prune
