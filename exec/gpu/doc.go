// Package gpu is sluice's GPU engine: CUDA C kernels (kernels/*.cu)
// compiled to PTX with Debian's clang and embedded in the binary, a device
// runtime that loads them through the CUDA driver API opened at run time
// (libcuda.so.1, no CUDA toolkit at build time), an emulated device that
// runs the very same kernel sources on CPU threads for CI, and Kernels,
// the Go API with the semantics of the CPU engine's functions.
//
// Results: integer results (hashes, split indices, bucket ids, group
// counts, compaction indices) equal the CPU engine's exactly; float32
// transform outputs are bit-identical to exec/cpu Apply except that every
// NaN is written as the canonical quiet NaN 0x7fc00000 (x86 and PTX
// disagree on NaN payloads and signs); Moments counts, Min and Max are
// exact, Mean and M2 agree with cpu.Moments within a relative 1e-12 of
// the data's scale (a different, but fixed, summation tree).
// GroupAggregate's partial states are bit-identical to a cpu.GroupBy's
// PartialBatch of the same batch, floats included: atomics only place
// keys in the hash table and find each group's first row, a stable radix
// sort orders the rows by (group, row), and one thread per group folds
// its rows in row order with exec/cpu's loop (so a group's rows are
// folded serially: few large groups use few device threads).
//
// What runs on the device (Kernels): row and file hashes, value hashes of
// int64/timestamp/float64/bool and utf8/large_utf8/dictionary strings
// (xxHash64 on the device), split assignment, the numeric transforms,
// bucketize, hash buckets, vocab and onehot (numeric keys by binary
// search, dictionary strings by hash then bytes), moments, group and value
// counts on int64 keys (global-memory hash table), group-by partial
// aggregation on one int64/timestamp key (count, sum, mean, std, var of
// int64/float64, min and max also of timestamps), filter programs
// (CompileFilter: numeric comparisons, is null, and/or/not) with stream
// compaction. What stays on the CPU engine, with Engine.Supports or an
// ErrUnsupported reason: fitting (moments round differently), group-by
// over several or non-integer keys, count_distinct, the final merge of
// partial aggregates, sort, the hash transform of strings, filters
// outside the subset (arithmetic, functions, IN, string and timestamp
// comparisons).
//
// Runtime: Kernels allocate from a Pool (one arena sized from the
// device's free memory, or Options.PoolBytes) and stream batches in
// pieces through page-locked staging buffers on two streams, so the
// copies of one piece overlap the kernels of the other. Out of memory
// halves the pieces down to 256 rows, then answers ErrFallback and the
// caller runs the batch on the CPU (GroupAggregate never splits, since
// pieces would round floats differently: it answers ErrFallback at once). A DeviceBatch keeps columns on the
// device across the row-hash → split → transform chain.
//
// Devices and errors: a process opens each device once (Acquire: the
// primary context, one kernel set, one memory pool capped by
// SetMemoryLimit, shared by every executor, slot and job; CloseShared at
// exit). Driver errors carry the driver's name and description of the
// code (DriverError; a module load adds the JIT log). A sticky error
// (CUDA_ERROR_ILLEGAL_ADDRESS, CUDA_ERROR_LAUNCH_FAILED, ...) marks the
// device unhealthy: every later call answers ErrFallback wrapping
// ErrDeviceLost, so the rest of the work runs on the CPU, and the engine
// declines new plans as unavailable. Emulated.InjectError makes the
// emulated device fail like a real one, for tests.
//
// The emulated device ("gpu-emulated") proves the kernels' logic, never
// their speed: it is only built when asked for by name, and its name says
// "emulated" wherever it is reported.
//
// Regenerate the PTX after editing a kernel with `go generate ./exec/gpu/`
// (needs clang-14); TestPTXCurrent fails when the committed PTX is stale.
package gpu

//go:generate sh kernels/gen.sh kernels
