// Package emulator is the emulated device ("gpu-emulated"): the very same
// CUDA kernel sources (exec/gpu/kernels, through host.h) compiled for the
// CPU by cgo in emulator.cc, one OS thread per thread of a block, device
// memory in the C heap, streams as goroutines. It proves the kernels'
// logic on any machine, never their speed, and InjectError makes it fail
// as a real device does, for tests. Device implements device.Device.
package emulator
