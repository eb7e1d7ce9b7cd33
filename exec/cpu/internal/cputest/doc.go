// Package cputest generates the random columns and batches that the CPU
// kernels' tests check against plain Go reference implementations: each
// Col carries its Arrow array and the same values as Go slices.
package cputest
