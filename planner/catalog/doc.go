// Package catalog knows the columns a plan can refer to (the input's, the
// job's derived columns and the hidden row-key columns the scan adds) and
// checks a job against them: every column the job names exists, and each
// use (feature transform, fill, label, aggregate, slice, expectation,
// filter) has a type it allows. Its errors are *jobspec.Error values
// naming the file, line and field, with a "did you mean" for near misses.
package catalog
