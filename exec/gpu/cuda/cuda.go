package cuda

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

// The CUDA driver API, declared here and resolved with dlsym at run time:
// no CUDA toolkit or libcuda is needed to build.
typedef int CUresult;
typedef int CUdevice;
typedef void* CUcontext;
typedef void* CUmodule;
typedef void* CUfunction;
typedef void* CUstream;
typedef unsigned long long CUdeviceptr;

typedef struct {
	void* lib;
	CUresult (*cuInit)(unsigned);
	CUresult (*cuDeviceGet)(CUdevice*, int);
	CUresult (*cuDevicePrimaryCtxRetain)(CUcontext*, CUdevice);
	CUresult (*cuDevicePrimaryCtxRelease)(CUdevice);
	CUresult (*cuCtxSetCurrent)(CUcontext);
	CUresult (*cuModuleLoadDataEx)(CUmodule*, const void*, unsigned, int*, void**);
	CUresult (*cuGetErrorName)(CUresult, const char**);
	CUresult (*cuGetErrorString)(CUresult, const char**);
	CUresult (*cuModuleGetFunction)(CUfunction*, CUmodule, const char*);
	CUresult (*cuMemAlloc_v2)(CUdeviceptr*, size_t);
	CUresult (*cuMemFree_v2)(CUdeviceptr);
	CUresult (*cuMemcpyHtoD_v2)(CUdeviceptr, const void*, size_t);
	CUresult (*cuMemcpyDtoH_v2)(void*, CUdeviceptr, size_t);
	CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void*, void**, void**);
	CUresult (*cuCtxSynchronize)(void);
	CUresult (*cuMemGetInfo_v2)(size_t*, size_t*);
	CUresult (*cuMemHostAlloc)(void**, size_t, unsigned);
	CUresult (*cuMemFreeHost)(void*);
	CUresult (*cuStreamCreate)(CUstream*, unsigned);
	CUresult (*cuStreamDestroy_v2)(CUstream);
	CUresult (*cuStreamSynchronize)(CUstream);
	CUresult (*cuMemcpyHtoDAsync_v2)(CUdeviceptr, const void*, size_t, CUstream);
	CUresult (*cuMemcpyDtoHAsync_v2)(void*, CUdeviceptr, size_t, CUstream);
} cuda_api;

// cuda_open fills api; 0 on success, 1 when libcuda.so.1 is missing, 2
// when a symbol is missing (*missing names it).
static int cuda_open(cuda_api* api, const char** missing) {
	api->lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!api->lib) return 1;
#define SYM(name) \
	*(void**)(&api->name) = dlsym(api->lib, #name); \
	if (!api->name) { *missing = #name; return 2; }
	SYM(cuInit) SYM(cuDeviceGet) SYM(cuDevicePrimaryCtxRetain) SYM(cuCtxSetCurrent)
	SYM(cuModuleLoadDataEx) SYM(cuGetErrorName) SYM(cuGetErrorString) SYM(cuModuleGetFunction) SYM(cuMemAlloc_v2) SYM(cuMemFree_v2)
	SYM(cuMemcpyHtoD_v2) SYM(cuMemcpyDtoH_v2) SYM(cuLaunchKernel) SYM(cuCtxSynchronize) SYM(cuMemGetInfo_v2)
	SYM(cuMemHostAlloc) SYM(cuMemFreeHost) SYM(cuStreamCreate) SYM(cuStreamDestroy_v2) SYM(cuStreamSynchronize)
	SYM(cuMemcpyHtoDAsync_v2) SYM(cuMemcpyDtoHAsync_v2)
#undef SYM
	// The _v2 release exists since CUDA 11; older drivers have the first.
	*(void**)(&api->cuDevicePrimaryCtxRelease) = dlsym(api->lib, "cuDevicePrimaryCtxRelease_v2");
	if (!api->cuDevicePrimaryCtxRelease) *(void**)(&api->cuDevicePrimaryCtxRelease) = dlsym(api->lib, "cuDevicePrimaryCtxRelease");
	if (!api->cuDevicePrimaryCtxRelease) { *missing = "cuDevicePrimaryCtxRelease"; return 2; }
	return 0;
}

static CUresult cu_init(cuda_api* a) { return a->cuInit(0); }
static CUresult cu_device_get(cuda_api* a, CUdevice* d, int ord) { return a->cuDeviceGet(d, ord); }
// The primary context: one per device and process, shared with every
// other user of the driver API in the process (retain counts it).
static CUresult cu_primary_retain(cuda_api* a, CUcontext* c, CUdevice d) {
	CUresult r = a->cuDevicePrimaryCtxRetain(c, d);
	if (r != 0) return r;
	return a->cuCtxSetCurrent(*c);
}
static CUresult cu_primary_release(cuda_api* a, CUdevice d) { return a->cuDevicePrimaryCtxRelease(d); }

// cu_module_load JIT-compiles PTX, with the compiler's error log in errlog
// (CU_JIT_ERROR_LOG_BUFFER = 5, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6).
static CUresult cu_module_load(cuda_api* a, CUmodule* m, const char* ptx, char* errlog, unsigned errsize) {
	int opts[2] = {5, 6};
	void* vals[2] = {errlog, (void*)(uintptr_t)errsize};
	return a->cuModuleLoadDataEx(m, ptx, 2, opts, vals);
}

// cu_error_text names a CUresult; 0 when the driver knows it.
static int cu_error_text(cuda_api* a, CUresult r, const char** name, const char** desc) {
	*name = NULL; *desc = NULL;
	if (a->cuGetErrorName(r, name) != 0 || *name == NULL) return 1;
	if (a->cuGetErrorString(r, desc) != 0) *desc = NULL;
	return 0;
}
static CUresult cu_get_function(cuda_api* a, CUfunction* f, CUmodule m, const char* name) { return a->cuModuleGetFunction(f, m, name); }
static CUresult cu_alloc(cuda_api* a, uint64_t* p, size_t n) { CUdeviceptr d = 0; CUresult r = a->cuMemAlloc_v2(&d, n); *p = d; return r; }
static CUresult cu_free(cuda_api* a, uint64_t p) { return a->cuMemFree_v2(p); }
static CUresult cu_htod(cuda_api* a, uint64_t dst, const void* src, size_t n) { return a->cuMemcpyHtoD_v2(dst, src, n); }
static CUresult cu_dtoh(cuda_api* a, void* dst, uint64_t src, size_t n) { return a->cuMemcpyDtoH_v2(dst, src, n); }
static CUresult cu_mem_info(cuda_api* a, size_t* free_b, size_t* total) { return a->cuMemGetInfo_v2(free_b, total); }

// CU_STREAM_NON_BLOCKING: the stream does not synchronise with stream 0.
static CUresult cu_host_alloc(cuda_api* a, void** p, size_t n) { return a->cuMemHostAlloc(p, n, 0); }
static CUresult cu_host_free(cuda_api* a, void* p) { return a->cuMemFreeHost(p); }
static CUresult cu_stream_create(cuda_api* a, CUstream* s) { return a->cuStreamCreate(s, 1); }
static CUresult cu_stream_destroy(cuda_api* a, CUstream s) { return a->cuStreamDestroy_v2(s); }
static CUresult cu_stream_sync(cuda_api* a, CUstream s) { return a->cuStreamSynchronize(s); }
static CUresult cu_htod_async(cuda_api* a, uint64_t dst, const void* src, size_t n, CUstream s) { return a->cuMemcpyHtoDAsync_v2(dst, src, n, s); }
static CUresult cu_dtoh_async(cuda_api* a, void* dst, uint64_t src, size_t n, CUstream s) { return a->cuMemcpyDtoHAsync_v2(dst, src, n, s); }

// cu_launch_on queues a launch on a stream (cuLaunchKernel copies the
// argument words before it returns).
static CUresult cu_launch_on(cuda_api* a, CUfunction f, unsigned grid, unsigned block, uint64_t* args, int nargs, CUstream s) {
	void* params[32];
	for (int i = 0; i < nargs && i < 32; i++) params[i] = &args[i];
	return a->cuLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, s, params, NULL);
}

// cu_launch passes every argument as an 8-byte word.
static CUresult cu_launch(cuda_api* a, CUfunction f, unsigned grid, unsigned block, uint64_t* args, int nargs) {
	void* params[32];
	for (int i = 0; i < nargs && i < 32; i++) params[i] = &args[i];
	CUresult r = a->cuLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, NULL, params, NULL);
	if (r != 0) return r;
	return a->cuCtxSynchronize();
}
*/
import "C"

import (
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/sluice-ml/sluice/exec/gpu/device"

	"github.com/sluice-ml/sluice/exec/gpu/kernels"
)

// realBlock and realGrid are the launch shape on a real GPU.
const (
	realBlock = 256
	realGrid  = 4096
)

// Device is a real GPU driven through the CUDA driver API (libcuda.so.1,
// opened at run time), on the device's primary context. Every driver call
// runs on one goroutine locked to its OS thread, which holds the context.
type Device struct {
	loop  callLoop
	api   C.cuda_api
	dev   C.CUdevice
	ctx   C.CUcontext
	funcs map[string]C.CUfunction
	desc  string
}

var _ device.Device = (*Device)(nil)

// Open retains GPU ordinal's primary context with the driver API and
// loads the embedded PTX (kernels.PTX). Without a driver it fails with an error wrapping
// device.ErrNoDriver. Processes open a device once (gpu.Acquire).
func Open(ordinal int) (*Device, error) {
	d := &Device{funcs: map[string]C.CUfunction{}}
	errc := make(chan error, 1)
	d.loop.start()
	go d.loop.run(func() error {
		err := d.init(ordinal)
		errc <- err
		return err
	}, func() {
		C.cu_primary_release(&d.api, d.dev)
	})
	if err := <-errc; err != nil {
		return nil, err
	}
	device.Opened()
	info, err := Detect()
	if err == nil && ordinal < len(info) {
		d.desc = info[ordinal].String()
	} else {
		d.desc = fmt.Sprintf("GPU %d", ordinal)
	}
	return d, nil
}

// jitLogBytes is the size of the JIT compiler's error log buffer.
const jitLogBytes = 16 << 10

func (d *Device) init(ordinal int) error {
	var missing *C.char
	switch C.cuda_open(&d.api, &missing) {
	case 1:
		return fmt.Errorf("gpu: libcuda.so.1 not found: %w", device.ErrNoDriver)
	case 2:
		return fmt.Errorf("gpu: libcuda.so.1 lacks %s: %w", C.GoString(missing), device.ErrNoDriver)
	}
	if r := C.cu_init(&d.api); r != 0 {
		return fmt.Errorf("%w: %w", d.err("cuInit", r), device.ErrNoDriver)
	}
	if r := C.cu_device_get(&d.api, &d.dev, C.int(ordinal)); r != 0 {
		return d.err(fmt.Sprintf("cuDeviceGet(%d)", ordinal), r)
	}
	if r := C.cu_primary_retain(&d.api, &d.ctx, d.dev); r != 0 {
		return d.err("cuDevicePrimaryCtxRetain", r)
	}
	errlog := (*C.char)(C.calloc(jitLogBytes, 1))
	defer C.free(unsafe.Pointer(errlog))
	for name, ptx := range kernels.PTX() {
		src := C.CString(ptx)
		var mod C.CUmodule
		r := C.cu_module_load(&d.api, &mod, src, errlog, jitLogBytes)
		C.free(unsafe.Pointer(src))
		if r != 0 {
			e := d.err(fmt.Sprintf("cuModuleLoadDataEx(%s.ptx)", name), r).(*device.DriverError)
			e.Log = C.GoString(errlog)
			C.cu_primary_release(&d.api, d.dev)
			return e
		}
		for _, fn := range kernelNames(ptx) {
			cn := C.CString(fn)
			var f C.CUfunction
			r := C.cu_get_function(&d.api, &f, mod, cn)
			C.free(unsafe.Pointer(cn))
			if r != 0 {
				C.cu_primary_release(&d.api, d.dev)
				return d.err(fmt.Sprintf("cuModuleGetFunction(%s)", fn), r)
			}
			d.funcs[fn] = f
		}
	}
	return nil
}

// kernelNames lists the .entry names of a PTX module.
func kernelNames(ptx string) []string {
	var names []string
	for _, line := range strings.Split(ptx, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), ".visible .entry "); ok {
			if i := strings.IndexByte(rest, '('); i > 0 {
				names = append(names, rest[:i])
			}
		}
	}
	return names
}

// do runs f on the context's thread.
func (d *Device) do(f func() error) error { return d.loop.call(f) }

// err is nil for CUDA_SUCCESS, else a *device.DriverError named by the driver
// (cuGetErrorName, cuGetErrorString).
func (d *Device) err(what string, r C.CUresult) error {
	if r == 0 {
		return nil
	}
	return device.NewDriverError(what, int(r), func(code int) (string, string, bool) {
		var name, desc *C.char
		if C.cu_error_text(&d.api, C.CUresult(code), &name, &desc) != 0 {
			return "", "", false
		}
		return C.GoString(name), C.GoString(desc), true
	})
}

// Name implements device.Device.
func (d *Device) Name() string { return "gpu" }

// Describe implements device.Device.
func (d *Device) Describe() string { return d.desc }

// Emulated implements device.Device.
func (d *Device) Emulated() bool { return false }

// Shape implements device.Device.
func (d *Device) Shape() (int, int) { return realBlock, realGrid }

// Alloc implements device.Device.
func (d *Device) Alloc(bytes int) (device.DevPtr, error) {
	var p C.uint64_t
	err := d.do(func() error { return d.err("cuMemAlloc", C.cu_alloc(&d.api, &p, C.size_t(max(bytes, 1)))) })
	return device.DevPtr(p), err
}

// Free implements device.Device.
func (d *Device) Free(p device.DevPtr) error {
	return d.do(func() error { return d.err("cuMemFree", C.cu_free(&d.api, C.uint64_t(p))) })
}

// CopyIn implements device.Device.
func (d *Device) CopyIn(dst device.DevPtr, src []byte) error {
	if len(src) == 0 {
		return nil
	}
	return d.do(func() error {
		return d.err("cuMemcpyHtoD", C.cu_htod(&d.api, C.uint64_t(dst), unsafe.Pointer(&src[0]), C.size_t(len(src))))
	})
}

// CopyOut implements device.Device.
func (d *Device) CopyOut(dst []byte, src device.DevPtr) error {
	if len(dst) == 0 {
		return nil
	}
	return d.do(func() error {
		return d.err("cuMemcpyDtoH", C.cu_dtoh(&d.api, unsafe.Pointer(&dst[0]), C.uint64_t(src), C.size_t(len(dst))))
	})
}

// Launch implements device.Device.
func (d *Device) Launch(kernel string, grid, block int, args ...uint64) error {
	f, ok := d.funcs[kernel]
	if !ok {
		return fmt.Errorf("gpu: no kernel %q in the embedded PTX", kernel)
	}
	if len(args) > 32 {
		return fmt.Errorf("gpu: kernel %s: %d arguments, at most 32", kernel, len(args))
	}
	// The words are copied to C memory: cuLaunchKernel takes pointers to them.
	cargs := (*C.uint64_t)(C.malloc(C.size_t(8 * max(len(args), 1))))
	defer C.free(unsafe.Pointer(cargs))
	copy(unsafe.Slice((*uint64)(unsafe.Pointer(cargs)), len(args)), args)
	return d.do(func() error {
		return d.err("cuLaunchKernel "+kernel, C.cu_launch(&d.api, f, C.uint(grid), C.uint(block), cargs, C.int(len(args))))
	})
}

// MemInfo implements device.Device (cuMemGetInfo_v2).
func (d *Device) MemInfo() (free, total int64, err error) { return d.FreeMemory() }

// AllocHost implements device.Device (cuMemHostAlloc: page-locked memory).
func (d *Device) AllocHost(bytes int) ([]byte, error) {
	if bytes <= 0 {
		return nil, fmt.Errorf("gpu: AllocHost of %d bytes", bytes)
	}
	var p unsafe.Pointer
	err := d.do(func() error { return d.err("cuMemHostAlloc", C.cu_host_alloc(&d.api, &p, C.size_t(bytes))) })
	if err != nil {
		return nil, err
	}
	return unsafe.Slice((*byte)(p), bytes), nil
}

// FreeHost implements device.Device (cuMemFreeHost).
func (d *Device) FreeHost(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	return d.do(func() error { return d.err("cuMemFreeHost", C.cu_host_free(&d.api, p)) })
}

// NewStream implements device.Device (cuStreamCreate, non-blocking).
func (d *Device) NewStream() (device.Stream, error) {
	s := &cudaStream{d: d}
	err := d.do(func() error { return d.err("cuStreamCreate", C.cu_stream_create(&d.api, &s.s)) })
	if err != nil {
		return nil, err
	}
	return s, nil
}

// cudaStream is a CUDA stream of a CUDA device.
type cudaStream struct {
	d    *Device
	s    C.CUstream
	once sync.Once
}

// CopyInAsync implements device.Stream (cuMemcpyHtoDAsync_v2).
func (s *cudaStream) CopyInAsync(dst device.DevPtr, src []byte) error {
	if len(src) == 0 {
		return nil
	}
	p := unsafe.Pointer(unsafe.SliceData(src))
	return s.d.do(func() error {
		return s.d.err("cuMemcpyHtoDAsync", C.cu_htod_async(&s.d.api, C.uint64_t(dst), p, C.size_t(len(src)), s.s))
	})
}

// CopyOutAsync implements device.Stream (cuMemcpyDtoHAsync_v2).
func (s *cudaStream) CopyOutAsync(dst []byte, src device.DevPtr) error {
	if len(dst) == 0 {
		return nil
	}
	p := unsafe.Pointer(unsafe.SliceData(dst))
	return s.d.do(func() error {
		return s.d.err("cuMemcpyDtoHAsync", C.cu_dtoh_async(&s.d.api, p, C.uint64_t(src), C.size_t(len(dst)), s.s))
	})
}

// Launch implements device.Stream (cuLaunchKernel on the stream).
func (s *cudaStream) Launch(kernel string, grid, block int, args ...uint64) error {
	f, ok := s.d.funcs[kernel]
	if !ok {
		return fmt.Errorf("gpu: no kernel %q in the embedded PTX", kernel)
	}
	if len(args) > 32 {
		return fmt.Errorf("gpu: kernel %s: %d arguments, at most 32", kernel, len(args))
	}
	cargs := (*C.uint64_t)(C.malloc(C.size_t(8 * max(len(args), 1))))
	defer C.free(unsafe.Pointer(cargs))
	copy(unsafe.Slice((*uint64)(unsafe.Pointer(cargs)), len(args)), args)
	return s.d.do(func() error {
		return s.d.err("cuLaunchKernel "+kernel, C.cu_launch_on(&s.d.api, f, C.uint(grid), C.uint(block), cargs, C.int(len(args)), s.s))
	})
}

// Sync implements device.Stream (cuStreamSynchronize).
func (s *cudaStream) Sync() error {
	return s.d.do(func() error { return s.d.err("cuStreamSynchronize", C.cu_stream_sync(&s.d.api, s.s)) })
}

// Close implements device.Stream (cuStreamDestroy_v2 after a sync).
func (s *cudaStream) Close() error {
	err := s.Sync()
	s.once.Do(func() {
		if derr := s.d.do(func() error { return s.d.err("cuStreamDestroy", C.cu_stream_destroy(&s.d.api, s.s)) }); err == nil {
			err = derr
		}
	})
	return err
}

// FreeMemory reports the device's free and total memory in bytes.
func (d *Device) FreeMemory() (free, total int64, err error) {
	var f, t C.size_t
	err = d.do(func() error { return d.err("cuMemGetInfo", C.cu_mem_info(&d.api, &f, &t)) })
	return int64(f), int64(t), err
}

// Close implements device.Device: it releases the primary context. It is
// idempotent and safe while other goroutines still call the device (they
// get "device is closed").
func (d *Device) Close() error {
	d.loop.close()
	return nil
}
