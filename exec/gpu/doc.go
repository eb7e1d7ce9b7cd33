// Package gpu is sluice's GPU engine: Engine places the operators its
// kernels implement on a device and answers "unsupported because ..." for
// the rest (Supports; Capabilities answers the same without a device),
// StageKernels is its implementation of the kernels a stage runs, and
// Acquire shares one engine per device among every executor, slot and job
// of a process (one primary context, one kernel set, one memory pool
// capped by SetMemoryLimit; CloseShared at exit).
//
// The engine is built from these packages, from the metal up:
//
//	kernels    the CUDA C kernels, their committed PTX (go generate)
//	device     the Device and Stream interfaces, errors, Guard, the memory Pool
//	cuda       a real GPU: the driver API (dlopen, cgo), module loading, NVML
//	emulator   the emulated device: the same kernel sources on CPU threads
//	launch     Kernels: buffers, chunking, two-stream pipelines, resident
//	           batches; row hashes, split (and shard) assignment, compaction,
//	           the shard sort (a stable radix sort to a permutation), split
//	           window collection
//	transform  fitted feature transforms (Apply)
//	filter     filter programs (Compile, Run)
//	aggregate  moments, group and value counts, group-by partials
//
// Results: integer results (hashes, split indices, bucket ids, group
// counts, compaction indices, shard indices, sort permutations) equal the
// CPU engine's exactly; float32
// transform outputs are bit-identical to exec/cpu Apply except that every
// NaN is written as the canonical quiet NaN 0x7fc00000 (x86 and PTX
// disagree on NaN payloads and signs); moments and group-by partials as
// exec/gpu/aggregate says. What stays on the CPU engine, with
// Engine.Supports or an ErrUnsupported reason: fitting (moments round
// differently), group-by over several or non-integer keys,
// count_distinct, the final merge of partial aggregates, the sort of the
// uniqueness check, the hash
// transform of strings, filters outside the subset (arithmetic,
// functions, IN, string and timestamp comparisons).
//
// Out of memory halves a batch's pieces down to 256 rows, then answers
// ErrFallback and the caller runs the batch on the CPU (GroupAggregate
// never splits, since pieces would round floats differently, nor does
// SortPerm, which orders the whole batch: they answer ErrFallback at
// once). A sticky driver error (CUDA_ERROR_ILLEGAL_ADDRESS,
// CUDA_ERROR_LAUNCH_FAILED, ...) marks the device unhealthy: every later
// call answers ErrFallback wrapping ErrDeviceLost, so the rest of the
// work runs on the CPU, and the engine declines new plans as unavailable.
//
// The emulated device ("gpu-emulated") proves the kernels' logic, never
// their speed: it is only built when asked for by name, and its name says
// "emulated" wherever it is reported.
//
// This package's tests are the device conformance suite: every kernel
// against the CPU engine, on the emulated device and, with
// SLUICE_GPU_REAL=1, a real GPU (bench/gpu-run.sh runs them there).
package gpu
