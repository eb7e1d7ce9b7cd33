package device

import (
	"errors"
	"math"
	"sync/atomic"
	"unsafe"

	"github.com/sluice-ml/sluice/exec"
)

// DevPtr is an address in a device's memory (0 is no buffer).
type DevPtr uint64

// Device is one accelerator (a real GPU, or the emulated device) that runs
// the kernels of kernels/*.cu. Kernel arguments are 8-byte words: device
// pointers, integers (two's complement) and float64 bits (F64).
// Implementations are safe for concurrent use.
type Device interface {
	// Name is "gpu-emulated" for the emulated device, "gpu" for a real one.
	Name() string
	// Describe says what the device is, for reports ("emulated" included).
	Describe() string
	// Emulated reports whether kernels run on CPU threads.
	Emulated() bool
	// Shape is the block size to launch with and the largest useful grid
	// for grid-stride kernels.
	Shape() (block, maxGrid int)
	// Alloc reserves bytes of device memory; ErrOutOfMemory when it cannot.
	Alloc(bytes int) (DevPtr, error)
	// Free returns memory from Alloc.
	Free(p DevPtr) error
	// CopyIn copies src to device memory at dst.
	CopyIn(dst DevPtr, src []byte) error
	// CopyOut copies device memory at src to dst.
	CopyOut(dst []byte, src DevPtr) error
	// Launch runs a kernel on grid blocks of block threads and waits.
	Launch(kernel string, grid, block int, args ...uint64) error
	// MemInfo reports the device memory that is free and the total, in
	// bytes (Kernels sizes its memory pool from the free memory).
	MemInfo() (free, total int64, err error)
	// AllocHost returns bytes of page-locked host memory, the staging of
	// asynchronous copies; FreeHost returns it.
	AllocHost(bytes int) ([]byte, error)
	// FreeHost releases memory from AllocHost.
	FreeHost(b []byte) error
	// NewStream returns a new stream: an ordered queue of copies and
	// launches that runs concurrently with other streams.
	NewStream() (Stream, error)
	// Close releases the device; it is idempotent.
	Close() error
}

// Stream is an ordered queue of asynchronous device work. Operations
// return once queued; Sync waits for all of them and returns the first
// error. Host memory passed to the async copies must come from AllocHost
// and stay untouched until Sync returns.
type Stream interface {
	// CopyInAsync queues a copy of src to device memory at dst.
	CopyInAsync(dst DevPtr, src []byte) error
	// CopyOutAsync queues a copy of device memory at src to dst.
	CopyOutAsync(dst []byte, src DevPtr) error
	// Launch queues a kernel launch.
	Launch(kernel string, grid, block int, args ...uint64) error
	// Sync waits until everything queued has run.
	Sync() error
	// Close syncs and releases the stream.
	Close() error
}

// Launcher is what runs a kernel: a Device (synchronously) or a Stream.
type Launcher interface {
	Launch(kernel string, grid, block int, args ...uint64) error
}

// Errors callers classify with errors.Is.
var (
	// ErrOutOfMemory: the device could not allocate a buffer.
	ErrOutOfMemory = errors.New("gpu: out of device memory")
	// ErrFallback: the GPU could not run this batch even after splitting
	// it; the caller runs it on the CPU engine (exec.ErrFallback).
	ErrFallback = exec.ErrFallback
	// ErrUnsupported: the GPU kernels do not implement this operation or
	// type; the caller places it on the CPU engine (exec.ErrUnsupported).
	ErrUnsupported = exec.ErrUnsupported
	// ErrDeviceLost: a sticky error made the device unusable
	// (exec.ErrDeviceLost).
	ErrDeviceLost = exec.ErrDeviceLost
	// ErrNoDriver: no NVIDIA driver on this machine.
	ErrNoDriver = errors.New("no NVIDIA driver: CPU engine")
)

// F64 passes a float64 kernel argument.
func F64(x float64) uint64 { return math.Float64bits(x) }

// Bool passes a bool kernel argument (1 or 0).
func Bool(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// I64 passes an int64 kernel argument.
func I64(x int64) uint64 { return uint64(x) }

// AsBytes views a slice of fixed-width values as bytes.
func AsBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(z)))
}

// opens counts the devices this process opened (real and emulated).
var opens atomic.Int64

// Opened counts one more device opened by this process.
func Opened() { opens.Add(1) }

// Opens is how many devices (CUDA contexts, emulated devices) the process
// has opened so far.
func Opens() int64 { return opens.Load() }
