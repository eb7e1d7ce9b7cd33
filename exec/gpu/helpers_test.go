package gpu

import (
	"github.com/sluice-ml/sluice/exec/gpu/cuda"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/gpu/launch"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// lengths are the odd batch lengths every conformance case runs with;
// SLUICE_GPU_ROWS=N adds N and N/3+1 rows (the device check runs millions:
// several pipeline pieces on both streams).
var lengths = withEnvRows([]int{0, 1, 3, 1000, 4097})

func withEnvRows(l []int) []int {
	n, err := strconv.Atoi(os.Getenv("SLUICE_GPU_ROWS"))
	if err != nil || n <= 0 {
		return l
	}
	return append(l, n/3+1, n)
}

// testDevice names a device under test.
type testDevice struct {
	name string
	k    *launch.Kernels
}

// devicesUnderTest returns the emulated device, and the real GPU when
// SLUICE_GPU_REAL=1 (bench/gpu-run.sh sets it; the test then fails if no
// GPU can be opened); SLUICE_GPU_ONLY=1 leaves the emulated device out.
// With SLUICE_GPU_ROWS set, each device also runs with a small memory
// pool (SLUICE_GPU_POOL bytes, default 8 MiB), so that large batches
// split under pressure.
func devicesUnderTest(t *testing.T) []testDevice {
	t.Helper()
	var devs []testDevice
	add := func(name string, dev device.Device) {
		devs = append(devs, testDevice{name, launch.NewKernels(dev)})
		if os.Getenv("SLUICE_GPU_ROWS") != "" {
			pool, err := strconv.ParseInt(os.Getenv("SLUICE_GPU_POOL"), 10, 64)
			if err != nil || pool <= 0 {
				pool = 8 << 20
			}
			k := launch.NewKernelsWith(dev, launch.Options{PoolBytes: pool})
			t.Cleanup(func() { k.Close() })
			devs = append(devs, testDevice{name + "-small-pool", k})
		}
	}
	if os.Getenv("SLUICE_GPU_ONLY") != "1" {
		emu := emulator.New(0)
		t.Cleanup(func() { emu.Close() })
		add(emulator.Name, emu)
	}
	if os.Getenv("SLUICE_GPU_REAL") == "1" {
		dev, err := sharedTestGPU()
		if err != nil {
			t.Fatalf("SLUICE_GPU_REAL=1 but the GPU does not open: %v", err)
		}
		add("gpu", dev)
	}
	return devs
}

// testGPU is the real GPU of the test process, opened once (the primary
// context is per process anyway).
var testGPU struct {
	once sync.Once
	dev  *cuda.Device
	err  error
}

func sharedTestGPU() (*cuda.Device, error) {
	testGPU.once.Do(func() { testGPU.dev, testGPU.err = cuda.Open(0) })
	return testGPU.dev, testGPU.err
}

// gen makes random columns with nulls; sliced ones start at an odd offset
// inside a longer array.
type gen struct {
	r   *rand.Rand
	mem memory.Allocator
}

func newGen(seed uint64, mem memory.Allocator) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, 99)), mem: mem}
}

// valid returns the validity of n rows with roughly the given null rate.
func (g *gen) valid(n int, nullRate float64) []bool {
	v := make([]bool, n)
	for i := range v {
		v[i] = g.r.Float64() >= nullRate
	}
	return v
}

// slice wraps a built array: when sliced, returns a slice at offset 3
// (the builder made n+5 rows); the result is +1.
func slice(a arrow.Array, n int, sliced bool) arrow.Array {
	if !sliced {
		return a
	}
	s := array.NewSlice(a, 3, int64(3+n))
	a.Release()
	return s
}

func extra(sliced bool) int {
	if sliced {
		return 5
	}
	return 0
}

func (g *gen) int64s(n int, nullRate float64, sliced bool, span int64) arrow.Array {
	m := n + extra(sliced)
	b := array.NewInt64Builder(g.mem)
	defer b.Release()
	vals := make([]int64, m)
	for i := range vals {
		vals[i] = g.r.Int64N(2*span+1) - span
	}
	b.AppendValues(vals, g.valid(m, nullRate))
	return slice(b.NewArray(), n, sliced)
}

func (g *gen) float64s(n int, nullRate float64, sliced bool, special bool) arrow.Array {
	m := n + extra(sliced)
	b := array.NewFloat64Builder(g.mem)
	defer b.Release()
	vals := make([]float64, m)
	for i := range vals {
		switch x := g.r.IntN(40); {
		case special && x == 0:
			vals[i] = math.NaN()
		case special && x == 1:
			vals[i] = math.Inf(1 - 2*g.r.IntN(2))
		case special && x == 2:
			vals[i] = -1
		case special && x == 3:
			vals[i] = -1.5
		case x < 8:
			vals[i] = g.r.Float64() * 1e-9
		default:
			vals[i] = g.r.NormFloat64()*300 + 1000
		}
	}
	b.AppendValues(vals, g.valid(m, nullRate))
	return slice(b.NewArray(), n, sliced)
}

func (g *gen) bools(n int, nullRate float64, sliced bool) arrow.Array {
	m := n + extra(sliced)
	b := array.NewBooleanBuilder(g.mem)
	defer b.Release()
	vals := make([]bool, m)
	for i := range vals {
		vals[i] = g.r.IntN(3) == 0
	}
	b.AppendValues(vals, g.valid(m, nullRate))
	return slice(b.NewArray(), n, sliced)
}

func (g *gen) timestamps(n int, nullRate float64, sliced bool) arrow.Array {
	m := n + extra(sliced)
	b := array.NewTimestampBuilder(g.mem, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
	defer b.Release()
	for i := 0; i < m; i++ {
		if g.r.Float64() < nullRate {
			b.AppendNull()
		} else {
			b.Append(arrow.Timestamp(1_600_000_000_000_000 + g.r.Int64N(1e12)))
		}
	}
	return slice(b.NewArray(), n, sliced)
}

// numericColumns returns one column of every numeric kind (+1 each).
func (g *gen) numericColumns(n int, sliced bool) map[string]arrow.Array {
	return map[string]arrow.Array{
		"int64":     g.int64s(n, 0.1, sliced, 1_000_000),
		"float64":   g.float64s(n, 0.1, sliced, true),
		"float64nn": g.float64s(n, 0, sliced, false),
		"bool":      g.bools(n, 0.1, sliced),
		"timestamp": g.timestamps(n, 0.1, sliced),
	}
}

// newCheckedMem returns a checked allocator asserted empty at cleanup.
func newCheckedMem(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}
