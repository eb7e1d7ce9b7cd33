package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/exec/gpu/device"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
)

// The example job on the emulated GPU under engine.fallback: error plans
// (host I/O and operators without a device kernel are no fallback), runs,
// and writes the CPU engine's bytes.
func TestExampleJobFallbackError(t *testing.T) {
	src, err := os.ReadFile("../examples/citibike.yaml")
	if err != nil {
		t.Fatal(err)
	}
	job := string(src)
	for _, r := range [][2]string{{"rows: 2000000", "rows: 30000"}, {"path: out/citibike", "path: OUT"}, {"fallback: allow", "fallback: error"}} {
		if !strings.Contains(job, r[0]) {
			t.Fatalf("the example no longer has %q", r[0])
		}
		job = strings.Replace(job, r[0], r[1], 1)
	}
	var sums [2][]string
	for i, eng := range []string{"cpu", emulator.Name} {
		out := filepath.Join(t.TempDir(), "out")
		res, err := Run(context.Background(), parseJob(t, job, out), Options{Local: 2, Engine: eng, WorkDir: t.TempDir()})
		if err != nil {
			t.Fatalf("%s: %v", eng, err)
		}
		sums[i] = outputSums(t, out)
		if eng == emulator.Name {
			onDev := 0
			for _, p := range res.Manifest.Engine.Placement {
				if p.Engine == emulator.Name {
					onDev++
				}
			}
			if onDev < 4 || res.Manifest.Engine.FellBack != nil {
				t.Errorf("%d operators on the device, fell back %v", onDev, res.Manifest.Engine.FellBack)
			}
			for _, f := range res.Manifest.Engine.Fallbacks {
				if strings.Contains(f, " Scan:") || strings.Contains(f, "Write:") || strings.Contains(f, "Read:") {
					t.Errorf("host I/O listed as a fallback: %s", f)
				}
			}
		}
	}
	if len(sums[0]) == 0 || strings.Join(sums[0], "\n") != strings.Join(sums[1], "\n") {
		t.Fatalf("gpu-emulated shards differ from cpu:\n%v\n%v", sums[0], sums[1])
	}
}

// useDevice makes every Engines call of the test return dev's engine.
func useDevice(t *testing.T, dev device.Device) {
	eng := gpu.NewEngineOn(dev)
	testEngines = func(choice string) ([]exec.Engine, error) {
		if choice != emulator.Name {
			return []exec.Engine{cpu.Engine{}}, nil
		}
		return []exec.Engine{eng, cpu.Engine{}}, nil
	}
	t.Cleanup(func() { testEngines = nil; eng.Close() })
}

// A sticky device error (CUDA_ERROR_ILLEGAL_ADDRESS) mid-job marks the GPU
// unhealthy: the rest of the job runs on the CPU, the shards are the CPU
// engine's bytes, the manifest counts the batches, and one clear message
// says so. Under engine.fallback: error the job fails naming the error.
func TestStickyErrorRunsRestOnCPU(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Run(context.Background(), parseJob(t, numericJob, out), Options{Local: 2, Engine: "cpu", WorkDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	want := outputSums(t, out)

	emu := emulator.New(0)
	emu.InjectError("", 700) // the device's first launch
	useDevice(t, emu)
	out = filepath.Join(t.TempDir(), "out")
	var progress bytes.Buffer
	res, err := Run(context.Background(), parseJob(t, numericJob, out), Options{Local: 2, Engine: emulator.Name, WorkDir: t.TempDir(), Progress: &progress})
	if err != nil {
		t.Fatalf("the job failed instead of running on the CPU: %v", err)
	}
	if got := outputSums(t, out); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("shards after the sticky error differ from cpu:\n%v\n%v", got, want)
	}
	if len(res.Manifest.Engine.FellBack) == 0 {
		t.Errorf("no fallen-back batches counted in the manifest")
	}
	lost := 0
	for _, w := range res.Warnings {
		if strings.Contains(w, "sticky error") {
			lost++
			if !strings.Contains(w, "CUDA_ERROR_ILLEGAL_ADDRESS") || !strings.Contains(w, "runs on the CPU engine") {
				t.Errorf("unclear message: %s", w)
			}
		}
	}
	if lost != 1 || strings.Count(progress.String(), "CUDA_ERROR_ILLEGAL_ADDRESS") != 1 {
		t.Errorf("%d device-lost warnings, want 1:\n%s", lost, progress.String())
	}

	emu = emulator.New(0)
	emu.InjectError("", 719)
	useDevice(t, emu)
	job := strings.Replace(numericJob, "output:", "engine: {fallback: error}\noutput:", 1)
	_, err = Run(context.Background(), parseJob(t, job, filepath.Join(t.TempDir(), "out")), Options{Local: 2, Engine: emulator.Name, WorkDir: t.TempDir(), MaxAttempts: 2})
	if err == nil || !strings.Contains(err.Error(), "CUDA_ERROR_LAUNCH_FAILED") || !strings.Contains(err.Error(), "engine.fallback is error") {
		t.Fatalf("fallback error policy: %v", err)
	}
}

// engine.fallback: warn prints each planned and each run-time fallback
// once, however many tasks and batches fall back.
func TestWarnPrintsEachFallbackOnce(t *testing.T) {
	useDevice(t, emulator.New(1<<10)) // no kernel's buffers fit
	job := strings.Replace(numericJob, "output:", "engine: {fallback: warn}\noutput:", 1)
	var progress bytes.Buffer
	res, err := Run(context.Background(), parseJob(t, job, filepath.Join(t.TempDir(), "out")), Options{Local: 2, Engine: emulator.Name, WorkDir: t.TempDir(), Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	text := progress.String()
	for op, n := range res.Manifest.Engine.FellBack {
		line := "fallback: " + op + " ran batches on the CPU engine"
		if n <= 1 {
			t.Errorf("%s fell back %d batches; the test wants several", op, n)
		}
		if c := strings.Count(text, line); c != 1 {
			t.Errorf("%q shown %d times, want once:\n%s", line, c, text)
		}
	}
	if len(res.Manifest.Engine.FellBack) == 0 {
		t.Fatal("nothing fell back")
	}
	for _, f := range res.Manifest.Engine.Fallbacks {
		if c := strings.Count(text, "fallback: "+f); c != 1 {
			t.Errorf("planned fallback %q shown %d times", f, c)
		}
	}
}
