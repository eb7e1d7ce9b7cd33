// Package cputime reads the CPU time the process has used, the figure the
// executors report per task and the benchmarks report per operation.
package cputime
