// Package placement is the GPU placement policy of a node: which engines an
// --engine choice opens (a GPU when asked for or, under "auto", when one is
// present; the CPU engine always, last), which operators a GPU engine must
// decline for a given job (a filter outside the device program, aggregates
// whose device partials would not merge to the CPU's exact bits), and the
// stage kernels of the engine the plan placed an operator on.
//
// The planner asks the engines this package returns; the executor runs the
// kernels it returns. Neither holds a GPU rule of its own.
package placement
