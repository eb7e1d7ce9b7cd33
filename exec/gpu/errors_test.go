package gpu

import (
	"errors"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/hashing"

	"github.com/sluice-ml/sluice/exec/gpu/launch"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// rowHashCase is a batch of keys and the CPU's hashes of them (the oracle).
func rowHashCase(n int) (keys, want []uint64) {
	r := rand.New(rand.NewPCG(3, 4))
	keys = make([]uint64, n)
	want = make([]uint64, n)
	for i := range keys {
		keys[i] = r.Uint64()
		want[i] = hashing.Seeded(77, keys[i])
	}
	return keys, want
}

func equalU64(t *testing.T, what string, got, want []uint64) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: row %d: %#x, want %#x", what, i, got[i], want[i])
		}
	}
}

// A sticky error (CUDA_ERROR_ILLEGAL_ADDRESS) marks the device unhealthy:
// that batch and every later one run on the CPU through the fallback
// wrapper, counted, with the driver's error name in the reason; the
// engine then declines every operator as unavailable.
func TestStickyErrorFallsBackToCPU(t *testing.T) {
	emu := emulator.New(0)
	eng := NewEngineOn(emu)
	defer eng.Close()
	keys, want := rowHashCase(3000)
	var counts kernel.Counts
	k := kernel.WithFallback(eng.StageKernels(), "scan/RowKey", &counts)
	got := make([]uint64, len(keys))
	if err := k.RowHashes(77, keys, got, nil); err != nil {
		t.Fatalf("healthy device: %v", err)
	}
	equalU64(t, "healthy", got, want)
	if counts.Map() != nil {
		t.Fatalf("healthy device fell back: %v", counts.Map())
	}

	emu.InjectError("k_seeded2", 700)
	for round := 1; round <= 2; round++ {
		clear(got)
		if err := k.RowHashes(77, keys, got, nil); err != nil {
			t.Fatalf("round %d: the wrapper did not fall back: %v", round, err)
		}
		equalU64(t, "after the sticky error", got, want)
		if n := counts.Map()["scan/RowKey"]; n != int64(round) {
			t.Fatalf("round %d: %d batches counted", round, n)
		}
	}
	why := counts.Reasons()["scan/RowKey"]
	for _, s := range []string{"CUDA_ERROR_ILLEGAL_ADDRESS (700)", "an illegal memory access was encountered", "cuLaunchKernel k_seeded2", "sticky"} {
		if !strings.Contains(why, s) {
			t.Errorf("reason %q lacks %q", why, s)
		}
	}
	if counts.DeviceLost() == "" {
		t.Errorf("device lost not reported")
	}
	bad := eng.Unhealthy()
	var de *device.DriverError
	if !errors.As(bad, &de) || de.Code != 700 || !de.Sticky() {
		t.Fatalf("Unhealthy() = %v", bad)
	}
	if s := eng.Supports(exec.OpHash, nil); s.OK || !s.Unavailable || !strings.Contains(s.Reason, "CUDA_ERROR_ILLEGAL_ADDRESS") {
		t.Errorf("Supports after the sticky error: %+v", s)
	}
	// Under engine.fallback: error the same batch fails, naming the cause.
	strict := kernel.WithPolicy(eng.StageKernels(), "scan/RowKey", &counts, kernel.PolicyError)
	err := strict.RowHashes(77, keys, got, nil)
	if err == nil || !strings.Contains(err.Error(), "engine.fallback is error") || !strings.Contains(err.Error(), "CUDA_ERROR_ILLEGAL_ADDRESS") {
		t.Errorf("error policy: %v", err)
	}
}

// A non-sticky driver error is the call's error, named; the device stays
// healthy and the next call runs on it.
func TestDriverErrorNamed(t *testing.T) {
	emu := emulator.New(0)
	eng := NewEngineOn(emu)
	defer eng.Close()
	keys, want := rowHashCase(100)
	var counts kernel.Counts
	k := kernel.WithFallback(eng.StageKernels(), "scan/RowKey", &counts)
	got := make([]uint64, len(keys))
	emu.InjectError("", 1)
	err := k.RowHashes(77, keys, got, nil)
	if err == nil || !strings.Contains(err.Error(), "CUDA_ERROR_INVALID_VALUE (1): invalid argument") {
		t.Fatalf("err = %v", err)
	}
	if eng.Unhealthy() != nil || counts.Map() != nil {
		t.Fatalf("a non-sticky error made the device unhealthy (%v) or fell back (%v)", eng.Unhealthy(), counts.Map())
	}
	if err := k.RowHashes(77, keys, got, nil); err != nil {
		t.Fatal(err)
	}
	equalU64(t, "after the error", got, want)
	if n := device.Opens(); n < 1 {
		t.Errorf("DeviceOpens = %d", n)
	}
}

// A memory pool that cannot be allocated answers a typed fallback on every
// call (RowHashes, HashAndAssign, FileRows, hashes), which the wrapper
// runs on the CPU: no task fails.
func TestPoolFailureFallsBack(t *testing.T) {
	eng := NewEngineWith(emulator.New(4096), launch.Options{PoolBytes: 1 << 20})
	defer eng.Close()
	keys, want := rowHashCase(500)
	var counts kernel.Counts
	k := kernel.WithFallback(eng.StageKernels(), "scan/RowKey", &counts)
	got := make([]uint64, len(keys))
	if err := k.RowHashes(77, keys, got, nil); err != nil {
		t.Fatal(err)
	}
	equalU64(t, "row hashes", got, want)
	rows := make([]uint64, 300)
	if err := k.FileRows(9, 1000, rows); err != nil {
		t.Fatal(err)
	}
	for i, h := range rows {
		if h != hashing.FileRow(9, 1000+int64(i)) {
			t.Fatalf("file rows: row %d differs", i)
		}
	}
	if n := counts.Map()["scan/RowKey"]; n != 2 {
		t.Errorf("%d batches counted, want 2", n)
	}
	if why := counts.Reasons()["scan/RowKey"]; !strings.Contains(why, "no device memory pool") {
		t.Errorf("reason %q", why)
	}
}
