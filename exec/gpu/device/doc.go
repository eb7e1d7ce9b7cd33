// Package device is what the GPU engine's kernels run on: the Device and
// Stream interfaces that the real GPU (exec/gpu/cuda) and the emulated
// device (exec/gpu/emulator) implement, kernel arguments (F64, I64,
// Bool), the errors callers tell apart (ErrOutOfMemory, ErrFallback,
// ErrDeviceLost, DriverError with the driver's name for its code), Guard,
// which turns a sticky driver error into a fallback to the CPU for the
// rest of the process, and Pool, the device memory arena every kernel
// call allocates from.
package device
