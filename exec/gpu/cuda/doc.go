// Package cuda drives a real NVIDIA GPU: the CUDA driver API bound with
// cgo and opened at run time with dlopen (libcuda.so.1; no CUDA toolkit
// at build time), the embedded PTX modules (exec/gpu/kernels) loaded on
// the device's primary context, every driver call made on one goroutine
// locked to the OS thread that holds the context (the call loop), and
// NVML detection of the GPUs and their memory (Detect, MemoryUsage).
// Device implements device.Device.
package cuda
