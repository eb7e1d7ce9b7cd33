package device

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// DriverError is a CUDA driver API call that failed: the call, the
// driver's code, and its name and description (cuGetErrorName,
// cuGetErrorString), plus the JIT compiler's log when a module failed to
// load. Both the real device and the emulated one (for injected errors)
// answer with it.
type DriverError struct {
	Call string // "cuMemAlloc", "cuLaunchKernel k_seeded2"
	Code int    // the CUresult
	Name string // "CUDA_ERROR_ILLEGAL_ADDRESS"
	Desc string // "an illegal memory access was encountered"
	Log  string // the JIT error log of a module load, when any
}

// CUDA driver error codes the runtime tells apart.
const (
	CodeOutOfMemory = 2
	CodeNoDevice    = 100
)

func (e *DriverError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gpu: %s: %s (%d)", e.Call, e.Name, e.Code)
	if e.Desc != "" {
		b.WriteString(": " + e.Desc)
	}
	if e.Sticky() {
		b.WriteString(" [sticky: the device context is unusable]")
	}
	if e.Log != "" {
		b.WriteString("\nJIT log:\n" + strings.TrimRight(e.Log, "\n"))
	}
	return b.String()
}

// Is makes errors.Is(err, ErrOutOfMemory) true for CUDA_ERROR_OUT_OF_MEMORY.
func (e *DriverError) Is(target error) bool {
	return target == ErrOutOfMemory && e.Code == CodeOutOfMemory
}

// stickyCodes are the CUDA errors after which the context is corrupt:
// every later call of the process on that context fails.
var stickyCodes = map[int]bool{
	700: true, // CUDA_ERROR_ILLEGAL_ADDRESS
	702: true, // CUDA_ERROR_LAUNCH_TIMEOUT
	710: true, // CUDA_ERROR_ASSERT
	714: true, // CUDA_ERROR_HARDWARE_STACK_ERROR
	715: true, // CUDA_ERROR_ILLEGAL_INSTRUCTION
	716: true, // CUDA_ERROR_MISALIGNED_ADDRESS
	717: true, // CUDA_ERROR_INVALID_ADDRESS_SPACE
	718: true, // CUDA_ERROR_INVALID_PC
	719: true, // CUDA_ERROR_LAUNCH_FAILED
}

// Sticky reports whether the error leaves the device's context unusable.
func (e *DriverError) Sticky() bool { return stickyCodes[e.Code] }

// knownErrors names the CUDA errors for a device that cannot ask the
// driver (the emulated one) and for a driver that lacks cuGetErrorName.
var knownErrors = map[int][2]string{
	1:   {"CUDA_ERROR_INVALID_VALUE", "invalid argument"},
	2:   {"CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
	3:   {"CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
	100: {"CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
	200: {"CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
	218: {"CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
	700: {"CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"},
	701: {"CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many resources requested for launch"},
	702: {"CUDA_ERROR_LAUNCH_TIMEOUT", "the launch timed out and was terminated"},
	710: {"CUDA_ERROR_ASSERT", "device-side assert triggered"},
	714: {"CUDA_ERROR_HARDWARE_STACK_ERROR", "hardware stack error"},
	715: {"CUDA_ERROR_ILLEGAL_INSTRUCTION", "an illegal instruction was encountered"},
	716: {"CUDA_ERROR_MISALIGNED_ADDRESS", "misaligned address"},
	717: {"CUDA_ERROR_INVALID_ADDRESS_SPACE", "operation not supported on global/shared address space"},
	718: {"CUDA_ERROR_INVALID_PC", "invalid program counter"},
	719: {"CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
}

// NewDriverError names code from the table (namer nil or failing).
func NewDriverError(call string, code int, namer func(int) (string, string, bool)) *DriverError {
	e := &DriverError{Call: call, Code: code}
	if namer != nil {
		if n, d, ok := namer(code); ok {
			e.Name, e.Desc = n, d
			return e
		}
	}
	if k, ok := knownErrors[code]; ok {
		e.Name, e.Desc = k[0], k[1]
	} else {
		e.Name = fmt.Sprintf("CUDA error %d", code)
	}
	return e
}

// ErrUnhealthy: an earlier sticky error made the device unusable; the
// process runs the rest of its work on the CPU engine.
var ErrUnhealthy = errors.New("gpu: the device is unhealthy after a sticky CUDA error; the rest of the job runs on the CPU engine")

// Guarded is a Device that turns sticky driver errors into a fallback:
// the first sticky error marks the device unhealthy, and that call and
// every later one answer an error wrapping ErrFallback and ErrUnhealthy
// (and exec.ErrDeviceLost), so the fallback wrapper runs the work on the
// CPU. Other errors pass through.
type Guarded struct {
	Device
	mu  sync.Mutex
	bad error // the sticky error, once one happened
}

// Guard wraps dev (a Guarded device is returned as is).
func Guard(dev Device) *Guarded {
	if g, ok := dev.(*Guarded); ok {
		return g
	}
	return &Guarded{Device: dev}
}

// Unhealthy returns the sticky error that made the device unusable, or nil.
func (g *Guarded) Unhealthy() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.bad
}

func (g *Guarded) lost() error {
	return fmt.Errorf("%s: %w: %w: %w (%v)", g.Device.Name(), ErrFallback, ErrDeviceLost, ErrUnhealthy, g.bad)
}

// check answers the fallback once the device is unhealthy.
func (g *Guarded) check() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.bad != nil {
		return g.lost()
	}
	return nil
}

// note marks the device unhealthy on a sticky error.
func (g *Guarded) note(err error) error {
	var de *DriverError
	if err == nil || !errors.As(err, &de) || !de.Sticky() {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.bad == nil {
		g.bad = err
	}
	return g.lost()
}

func (g *Guarded) Alloc(bytes int) (DevPtr, error) {
	if err := g.check(); err != nil {
		return 0, err
	}
	p, err := g.Device.Alloc(bytes)
	return p, g.note(err)
}

func (g *Guarded) Free(p DevPtr) error {
	if g.check() != nil {
		return nil // the context is gone; so is the memory
	}
	return g.note(g.Device.Free(p))
}

func (g *Guarded) CopyIn(dst DevPtr, src []byte) error {
	if err := g.check(); err != nil {
		return err
	}
	return g.note(g.Device.CopyIn(dst, src))
}

func (g *Guarded) CopyOut(dst []byte, src DevPtr) error {
	if err := g.check(); err != nil {
		return err
	}
	return g.note(g.Device.CopyOut(dst, src))
}

func (g *Guarded) Launch(kernel string, grid, block int, args ...uint64) error {
	if err := g.check(); err != nil {
		return err
	}
	return g.note(g.Device.Launch(kernel, grid, block, args...))
}

func (g *Guarded) MemInfo() (int64, int64, error) {
	if err := g.check(); err != nil {
		return 0, 0, err
	}
	f, t, err := g.Device.MemInfo()
	return f, t, g.note(err)
}

func (g *Guarded) AllocHost(bytes int) ([]byte, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	b, err := g.Device.AllocHost(bytes)
	return b, g.note(err)
}

func (g *Guarded) NewStream() (Stream, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	s, err := g.Device.NewStream()
	if err != nil {
		return nil, g.note(err)
	}
	return &guardedStream{s: s, g: g}, nil
}

// guardedStream is a stream of a Guarded device.
type guardedStream struct {
	s Stream
	g *Guarded
}

func (s *guardedStream) CopyInAsync(dst DevPtr, src []byte) error {
	if err := s.g.check(); err != nil {
		return err
	}
	return s.g.note(s.s.CopyInAsync(dst, src))
}

func (s *guardedStream) CopyOutAsync(dst []byte, src DevPtr) error {
	if err := s.g.check(); err != nil {
		return err
	}
	return s.g.note(s.s.CopyOutAsync(dst, src))
}

func (s *guardedStream) Launch(kernel string, grid, block int, args ...uint64) error {
	if err := s.g.check(); err != nil {
		return err
	}
	return s.g.note(s.s.Launch(kernel, grid, block, args...))
}

// Sync waits even on an unhealthy device, so that host buffers of queued
// copies are no longer in use when it returns.
func (s *guardedStream) Sync() error { return s.g.note(s.s.Sync()) }

func (s *guardedStream) Close() error { return s.g.note(s.s.Close()) }
