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
//
// The emulated device ("gpu-emulated") proves the kernels' logic, never
// their speed: it is only built when asked for by name, and its name says
// "emulated" wherever it is reported.
//
// Regenerate the PTX after editing a kernel with `go generate ./exec/gpu/`
// (needs clang-14); TestPTXCurrent fails when the committed PTX is stale.
package gpu

//go:generate sh kernels/gen.sh kernels
