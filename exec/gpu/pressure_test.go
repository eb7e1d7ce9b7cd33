package gpu

import (
	"errors"
	"github.com/sluice-ml/sluice/exec/gpu/transform"
	"slices"
	"testing"

	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/cpu/stats"
	"github.com/sluice-ml/sluice/exec/gpu/aggregate"
	"github.com/sluice-ml/sluice/hashing"

	"github.com/sluice-ml/sluice/exec/gpu/launch"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// On every device under test (the real GPU too, under bench/gpu-run.sh):
// a pool far smaller than the batch halves the pipeline's pieces and
// still equals the CPU; a pool too small for the smallest piece answers
// device.ErrFallback, never a crash; pieces alternate between both streams.
func TestDevicePoolPressure(t *testing.T) {
	n := 40000
	if l := lengths[len(lengths)-1]; l > n {
		n = l
	}
	mem := newCheckedMem(t)
	g := newGen(21, mem)
	col := g.int64s(n, 0.1, false, 1000)
	defer col.Release()
	want := make([]uint64, n)
	if err := hashing.Column(col, want); err != nil {
		t.Fatal(err)
	}
	for _, d := range devicesUnderTest(t) {
		dev := d.k.Device()
		// A piece of n/8 rows needs ~17 bytes a row: the pool holds about
		// two pieces' worth, so the first pieces do not fit.
		small := launch.NewKernelsWith(dev, launch.Options{PoolBytes: int64(n) * 17 / 8, ChunkRows: n / 2})
		got := make([]uint64, n)
		if err := small.HashColumn(col, got); err != nil {
			t.Fatalf("%s: small pool: %v", d.name, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: small pool: hashes differ from the CPU", d.name)
		}
		if p, _ := small.Pool(); p.InUse() != 0 || p.Peak() > p.Size() {
			t.Fatalf("%s: pool in use %d, peak %d of %d", d.name, p.InUse(), p.Peak(), p.Size())
		}
		small.Close()
		tiny := launch.NewKernelsWith(dev, launch.Options{PoolBytes: 1024})
		if err := tiny.HashColumn(col, got); !errors.Is(err, device.ErrFallback) {
			t.Fatalf("%s: tiny pool: %v", d.name, err)
		}
		if _, _, err := transform.Apply(tiny, "x", &feature.Fitted{Transform: "zscore", Std: 1}, col, mem); !errors.Is(err, device.ErrFallback) {
			t.Fatalf("%s: tiny pool apply: %v", d.name, err)
		}
		tiny.Close()
	}
}

// A pool too small for the whole batch cuts the moments into chunks of
// whole tiles, so the partial keeps the CPU engine's bits.
func TestMomentsPoolPressure(t *testing.T) {
	n := 5*stats.MomentsTile + 77
	mem := newCheckedMem(t)
	g := newGen(22, mem)
	col := g.float64s(n, 0.1, true, true)
	defer col.Release()
	var want stats.Moments
	if err := want.Update(col, nil); err != nil {
		t.Fatal(err)
	}
	for _, d := range devicesUnderTest(t) {
		// About two and a half tiles of values and validity: the first
		// pieces do not fit, and halving must keep tiles whole.
		small := launch.NewKernelsWith(d.k.Device(), launch.Options{PoolBytes: int64(stats.MomentsTile) * 5 / 2 * 9})
		got, err := aggregate.Moments(small, col, nil)
		if err != nil {
			t.Fatalf("%s: small pool: %v", d.name, err)
		}
		if p, _ := small.Pool(); p.Peak() >= int64(n)*8 {
			t.Fatalf("%s: pool peak %d: the batch was not cut into chunks", d.name, p.Peak())
		}
		checkMoments(t, d.name+": small pool", got, want)
		small.Close()
	}
}
