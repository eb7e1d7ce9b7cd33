// Package perm reorders batches: SortPerm is an LSD radix sort of uint64
// keys (ties broken by a second key, then by row) to a permutation, and
// Take gathers every column of a batch through a permutation, typed per
// column (+1).
package perm
