package placement

import (
	"sync"
	"testing"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/exec/gpu/cuda"
	"github.com/sluice-ml/sluice/exec/gpu/device"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
)

// However many executors and slots of a process ask for the GPU engine,
// the process opens one device: one context, one kernel set, one pool.
func TestOneDevicePerProcess(t *testing.T) {
	t.Cleanup(func() { gpu.CloseShared() })
	before := device.Opens()
	const callers = 16
	got := make([][]exec.Engine, callers)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := Engines(emulator.Name)
			if err != nil {
				t.Error(err)
			}
			got[i] = e
		}()
	}
	wg.Wait()
	if n := device.Opens() - before; n != 1 {
		t.Fatalf("%d callers opened %d devices, want 1", callers, n)
	}
	first, ok := got[0][0].(*gpu.Engine)
	if !ok {
		t.Fatalf("first engine %T", got[0][0])
	}
	for i, e := range got {
		g, ok := e[0].(*gpu.Engine)
		if !ok || g != first || g.Kernels() != first.Kernels() {
			t.Fatalf("caller %d got another engine or kernel set", i)
		}
		if Kernels(e, emulator.Name) != first.StageKernels() {
			t.Fatalf("caller %d: other stage kernels", i)
		}
	}
	p1, err := first.Kernels().Pool()
	if err != nil {
		t.Fatal(err)
	}
	if p2, _ := got[callers-1][0].(*gpu.Engine).Kernels().Pool(); p1 != p2 {
		t.Fatalf("two memory pools")
	}
	// Closed at exit, a later call opens afresh (once).
	if err := gpu.CloseShared(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := Engines(emulator.Name); err != nil {
			t.Fatal(err)
		}
	}
	if n := device.Opens() - before; n != 2 {
		t.Fatalf("after CloseShared: %d opens, want 2", n)
	}
}

// --gpu-memory caps the shared pool; it cannot change once the device is
// open, and a negative size is refused with the allowed range.
func TestSharedMemoryLimit(t *testing.T) {
	t.Cleanup(func() { gpu.CloseShared(); gpu.SetMemoryLimit(0) })
	gpu.CloseShared()
	if err := gpu.SetMemoryLimit(-1); err == nil {
		t.Fatal("negative limit accepted")
	}
	if err := gpu.SetMemoryLimit(3 << 20); err != nil {
		t.Fatal(err)
	}
	e, err := Engines(emulator.Name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e[0].(*gpu.Engine).Kernels().Pool()
	if err != nil {
		t.Fatal(err)
	}
	if p.Size() != 3<<20 {
		t.Errorf("pool of %d bytes, want %d", p.Size(), 3<<20)
	}
	if err := gpu.SetMemoryLimit(5 << 20); err == nil {
		t.Errorf("limit changed with the device open")
	}
}

// Without a driver, "gpu" declines every operator as unavailable (so
// engine.fallback: error refuses the plan) and never emulates.
func TestNoDriverUnavailable(t *testing.T) {
	if _, err := cuda.Detect(); err == nil {
		t.Skip("this machine has an NVIDIA driver")
	}
	e, err := Engines("gpu")
	if err != nil {
		t.Fatal(err)
	}
	s := e[0].Supports(exec.OpHash, nil)
	if s.OK || !s.Unavailable || e[0].Name() != "gpu" {
		t.Fatalf("gpu without a driver: %s %+v", e[0].Name(), s)
	}
	if a, _ := Engines("auto"); len(a) != 1 || a[0].Name() != "cpu" {
		t.Fatalf("auto without a driver: %v", a)
	}
}
