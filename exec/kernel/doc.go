// Package kernel is the one interface through which a stage runs its
// kernels, whichever device runs them: row keys and hashes, split and shard
// assignment, group counts, partial aggregates, transforms and the filter.
// cpu.StageKernels and gpu.StageKernels implement it.
//
// A device kernel that cannot run one batch answers an error wrapping
// exec.ErrFallback (or exec.ErrUnsupported when it never can). WithFallback
// is the one place that handles that answer: it runs the batch on the CPU
// kernels instead and counts the fallen-back batches per operator, which
// the driver reports in the manifest. Both devices give identical bits, so
// a fallback never changes the output.
package kernel
