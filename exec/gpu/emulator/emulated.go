package emulator

/*
#cgo CXXFLAGS: -std=c++17 -O2
#cgo LDFLAGS: -lpthread
#include <stdlib.h>
#include <string.h>
#include "emulator.h"

static void emu_free(uint64_t p) { free((void*)(uintptr_t)p); }
static void emu_copy_in(uint64_t dst, const void* src, size_t n) { memcpy((void*)(uintptr_t)dst, src, n); }
static void emu_copy_out(void* dst, uint64_t src, size_t n) { memcpy(dst, (const void*)(uintptr_t)src, n); }
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/sluice-ml/sluice/exec/gpu/device"
	// The kernel sources emulator.cc compiles: editing one changes this
	// package's build.
	_ "github.com/sluice-ml/sluice/exec/gpu/kernels"
)

// Name is the engine and device name of the emulated device.
const Name = "gpu-emulated"

// emulatedBlock and emulatedGrid keep launches small: one OS thread per
// thread of a block.
const (
	emulatedBlock = 32
	emulatedGrid  = 8
)

// Device is the emulated device: the kernels of kernels/*.cu compiled for
// the CPU (emulator.cc) with one OS thread per thread of a block, and
// device memory in C heap memory. It proves the kernels' logic, never
// their speed.
type Device struct {
	mu     sync.Mutex
	limit  int64 // bytes; 0 = no limit
	used   int64
	allocs map[device.DevPtr]int
	host   map[unsafe.Pointer]int // page-locked (here: C heap) host buffers
	closed bool
	copies Transfers
	inject map[string]int      // kernel ("" = any) -> CUDA error code of its next launch
	sticky *device.DriverError // a sticky injected error: every later call fails
}

// Transfers counts host⇄device copies (synchronous and asynchronous).
type Transfers struct {
	In, Out           int64 // copies host to device, device to host
	BytesIn, BytesOut int64
}

var _ device.Device = (*Device)(nil)

// New returns an emulated device. memoryLimit > 0 caps its memory
// (Alloc then fails with device.ErrOutOfMemory, as a full GPU does).
func New(memoryLimit int64) *Device {
	device.Opened()
	return &Device{limit: memoryLimit, allocs: map[device.DevPtr]int{}, host: map[unsafe.Pointer]int{}}
}

// Name implements device.Device.
func (e *Device) Name() string { return Name }

// Describe implements device.Device.
func (e *Device) Describe() string {
	return fmt.Sprintf("emulated GPU (CUDA kernels on CPU threads, block %d; not a GPU, timings are not GPU timings)", emulatedBlock)
}

// Emulated implements device.Device.
func (e *Device) Emulated() bool { return true }

// Shape implements device.Device.
func (e *Device) Shape() (int, int) { return emulatedBlock, emulatedGrid }

// Alloc implements device.Device.
func (e *Device) Alloc(bytes int) (device.DevPtr, error) {
	if bytes < 0 {
		return 0, fmt.Errorf("gpu-emulated: Alloc of %d bytes", bytes)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return 0, fmt.Errorf("gpu-emulated: device is closed")
	}
	if e.sticky != nil {
		return 0, device.NewDriverError("cuMemAlloc", e.sticky.Code, nil)
	}
	if e.limit > 0 && e.used+int64(bytes) > e.limit {
		return 0, fmt.Errorf("gpu-emulated: %d bytes with %d of %d in use: %w", bytes, e.used, e.limit, device.ErrOutOfMemory)
	}
	p := C.malloc(C.size_t(max(bytes, 1)))
	if p == nil {
		return 0, fmt.Errorf("gpu-emulated: %d bytes: %w", bytes, device.ErrOutOfMemory)
	}
	d := device.DevPtr(uintptr(p))
	e.allocs[d] = bytes
	e.used += int64(bytes)
	return d, nil
}

// Free implements device.Device.
func (e *Device) Free(p device.DevPtr) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	n, ok := e.allocs[p]
	if !ok {
		return fmt.Errorf("gpu-emulated: Free of %#x, which Alloc did not return", uint64(p))
	}
	delete(e.allocs, p)
	e.used -= int64(n)
	C.emu_free(C.uint64_t(p))
	return nil
}

// check verifies that [p, p+n) lies inside one allocation.
func (e *Device) check(p device.DevPtr, n int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for base, size := range e.allocs {
		if p >= base && uint64(p)+uint64(n) <= uint64(base)+uint64(size) {
			return nil
		}
	}
	return fmt.Errorf("gpu-emulated: %d bytes at %#x are outside every allocation", n, uint64(p))
}

// CopyIn implements device.Device.
func (e *Device) CopyIn(dst device.DevPtr, src []byte) error {
	if len(src) == 0 {
		return nil
	}
	if err := e.failure("cuMemcpyHtoD", ""); err != nil {
		return err
	}
	if err := e.check(dst, len(src)); err != nil {
		return err
	}
	e.count(true, len(src))
	C.emu_copy_in(C.uint64_t(dst), unsafe.Pointer(&src[0]), C.size_t(len(src)))
	return nil
}

// CopyOut implements device.Device.
func (e *Device) CopyOut(dst []byte, src device.DevPtr) error {
	if len(dst) == 0 {
		return nil
	}
	if err := e.failure("cuMemcpyDtoH", ""); err != nil {
		return err
	}
	if err := e.check(src, len(dst)); err != nil {
		return err
	}
	e.count(false, len(dst))
	C.emu_copy_out(unsafe.Pointer(&dst[0]), C.uint64_t(src), C.size_t(len(dst)))
	return nil
}

// InjectError makes the next launch of kernel ("" = of any kernel) fail
// with CUDA error code, named as the driver names it. After a sticky code
// (CUDA_ERROR_ILLEGAL_ADDRESS, CUDA_ERROR_LAUNCH_FAILED, ...) every later
// call of the device fails with it, as a real context does.
func (e *Device) InjectError(kernel string, code int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.inject == nil {
		e.inject = map[string]int{}
	}
	e.inject[kernel] = code
}

// failure is the injected error of a call, if any (kernel "" for calls
// that are not launches).
func (e *Device) failure(call, kernel string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sticky != nil {
		return device.NewDriverError(call, e.sticky.Code, nil)
	}
	if kernel == "" {
		return nil
	}
	code, ok := e.inject[kernel]
	if !ok {
		code, ok = e.inject[""]
		kernel = ""
	}
	if !ok {
		return nil
	}
	delete(e.inject, kernel)
	err := device.NewDriverError(call, code, nil)
	if err.Sticky() {
		e.sticky = err
	}
	return err
}

// Launch implements device.Device.
func (e *Device) Launch(kernel string, grid, block int, args ...uint64) error {
	if err := e.failure("cuLaunchKernel "+kernel, kernel); err != nil {
		return err
	}
	name := C.CString(kernel)
	defer C.free(unsafe.Pointer(name))
	var ap *C.uint64_t
	if len(args) > 0 {
		ap = (*C.uint64_t)(unsafe.Pointer(&args[0]))
	}
	switch rc := C.sluice_emu_launch(name, C.int64_t(grid), C.int64_t(block), ap, C.int64_t(len(args))); rc {
	case 0:
		return nil
	case -1:
		return fmt.Errorf("gpu-emulated: no kernel %q", kernel)
	case -2:
		return fmt.Errorf("gpu-emulated: kernel %s: wrong number of arguments (%d)", kernel, len(args))
	case -3:
		return fmt.Errorf("gpu-emulated: kernel %s: bad launch shape grid %d block %d (block: a power of two up to 256)", kernel, grid, block)
	default:
		return fmt.Errorf("gpu-emulated: kernel %s failed (%d)", kernel, int(rc))
	}
}

func (e *Device) count(in bool, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if in {
		e.copies.In++
		e.copies.BytesIn += int64(n)
	} else {
		e.copies.Out++
		e.copies.BytesOut += int64(n)
	}
}

// Transfers returns the host⇄device copies made so far.
func (e *Device) Transfers() Transfers {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.copies
}

// MemInfo implements device.Device: the limit (or 1 GiB) less what is allocated.
func (e *Device) MemInfo() (free, total int64, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	total = e.limit
	if total <= 0 {
		total = device.EmulatedMemory
	}
	return max(total-e.used, 0), total, nil
}

// AllocHost implements device.Device (C heap memory stands in for pinned memory).
func (e *Device) AllocHost(bytes int) ([]byte, error) {
	if bytes <= 0 {
		return nil, fmt.Errorf("gpu-emulated: AllocHost of %d bytes", bytes)
	}
	p := C.malloc(C.size_t(bytes))
	if p == nil {
		return nil, fmt.Errorf("gpu-emulated: AllocHost of %d bytes failed", bytes)
	}
	e.mu.Lock()
	e.host[p] = bytes
	e.mu.Unlock()
	return unsafe.Slice((*byte)(p), bytes), nil
}

// FreeHost implements device.Device.
func (e *Device) FreeHost(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.host[p]; !ok {
		return fmt.Errorf("gpu-emulated: FreeHost of memory AllocHost did not return")
	}
	delete(e.host, p)
	C.free(p)
	return nil
}

// NewStream implements device.Device: a goroutine runs the stream's queue in
// order, concurrently with the caller and other streams.
func (e *Device) NewStream() (device.Stream, error) {
	s := &emuStream{dev: e, q: make(chan func() error, 64)}
	s.idle.L = &s.mu
	go s.run()
	return s, nil
}

// emuStream is a stream of the emulated device.
type emuStream struct {
	dev     *Device
	q       chan func() error
	mu      sync.Mutex
	idle    sync.Cond
	pending int
	err     error
	closed  bool
}

func (s *emuStream) run() {
	for f := range s.q {
		err := f()
		s.mu.Lock()
		if err != nil && s.err == nil {
			s.err = err
		}
		s.pending--
		if s.pending == 0 {
			s.idle.Broadcast()
		}
		s.mu.Unlock()
	}
}

func (s *emuStream) enqueue(f func() error) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("gpu-emulated: stream is closed")
	}
	s.pending++
	s.mu.Unlock()
	s.q <- f
	return nil
}

// CopyInAsync implements device.Stream.
func (s *emuStream) CopyInAsync(dst device.DevPtr, src []byte) error {
	return s.enqueue(func() error { return s.dev.CopyIn(dst, src) })
}

// CopyOutAsync implements device.Stream.
func (s *emuStream) CopyOutAsync(dst []byte, src device.DevPtr) error {
	return s.enqueue(func() error { return s.dev.CopyOut(dst, src) })
}

// Launch implements device.Stream.
func (s *emuStream) Launch(kernel string, grid, block int, args ...uint64) error {
	args = append([]uint64(nil), args...)
	return s.enqueue(func() error { return s.dev.Launch(kernel, grid, block, args...) })
}

// Sync implements device.Stream.
func (s *emuStream) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.pending > 0 {
		s.idle.Wait()
	}
	err := s.err
	s.err = nil
	return err
}

// Close implements device.Stream.
func (s *emuStream) Close() error {
	err := s.Sync()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.q)
	}
	return err
}

// InUse is the device memory currently allocated, in bytes.
func (e *Device) InUse() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.used
}

// Close implements device.Device: it frees whatever is still allocated.
func (e *Device) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for p := range e.allocs {
		C.emu_free(C.uint64_t(p))
	}
	for p := range e.host {
		C.free(p)
	}
	clear(e.allocs)
	clear(e.host)
	e.used = 0
	e.closed = true
	return nil
}
