// Package kernels holds the GPU engine's CUDA C kernels (*.cu, with the
// shared device code in prelude.h, hashfn.h and log1p.h), the PTX they
// compile to (committed, *.ptx), and PTX, which returns the embedded PTX
// modules by name for the real device to load (exec/gpu/cuda). host.h
// compiles the same sources for CPU threads: the emulated device
// (exec/gpu/emulator) includes it, and so does the ThreadSanitizer
// harness of the tests (testdata/tsan_harness.cc).
//
// Regenerate the PTX after editing a kernel with
// `go generate ./exec/gpu/kernels/` (needs clang-14, no CUDA toolkit);
// TestPTXCurrent fails when the committed PTX is stale.
package kernels

//go:generate sh gen.sh .
