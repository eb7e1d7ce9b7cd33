package gpu

import (
	"errors"
	"github.com/sluice-ml/sluice/exec/gpu/aggregate"
	"github.com/sluice-ml/sluice/exec/gpu/cuda"
	"github.com/sluice-ml/sluice/exec/gpu/device"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
	"github.com/sluice-ml/sluice/exec/gpu/transform"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/hashing"

	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

func TestEngineNamesAndSupport(t *testing.T) {
	e, err := NewEngine(emulator.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Name() != "gpu-emulated" || !strings.Contains(e.Describe(), "emulated") {
		t.Fatalf("name %q, describe %q", e.Name(), e.Describe())
	}
	i64, str := arrow.PrimitiveTypes.Int64, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	cases := []struct {
		op     exec.OpKind
		in     []arrow.DataType
		ok     bool
		reason string
	}{
		{exec.OpTransform, []arrow.DataType{arrow.PrimitiveTypes.Float64}, true, ""},
		{exec.OpTransform, []arrow.DataType{str}, true, ""},
		{exec.OpTransform, []arrow.DataType{arrow.BinaryTypes.Binary}, false, "not binary"},
		{exec.OpHash, []arrow.DataType{arrow.BinaryTypes.String}, true, ""},
		{exec.OpHash, []arrow.DataType{str, i64}, true, ""},
		{exec.OpHash, []arrow.DataType{&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}}, false, "dictionary<int32, utf8>"},
		{exec.OpHash, []arrow.DataType{arrow.PrimitiveTypes.Int32}, false, "not int32"},
		{exec.OpGroupCount, []arrow.DataType{i64}, true, ""},
		{exec.OpGroupCount, []arrow.DataType{i64, i64}, false, "one int64 key column, not 2"},
		{exec.OpSplit, nil, true, ""},
		{exec.OpShardAssign, []arrow.DataType{arrow.PrimitiveTypes.Uint64, i64}, true, ""},
		{exec.OpShardSort, []arrow.DataType{arrow.PrimitiveTypes.Uint64, i64}, true, ""},
		{exec.OpFilter, []arrow.DataType{arrow.FixedWidthTypes.Boolean, i64, arrow.PrimitiveTypes.Float64}, true, ""},
		{exec.OpFilter, []arrow.DataType{i64, arrow.BinaryTypes.String}, false, "not utf8"},
		{exec.OpSink, nil, false, "sink is file and network I/O"},
		{exec.OpAggregate, []arrow.DataType{i64}, true, ""},
		{exec.OpAggregate, []arrow.DataType{&arrow.TimestampType{Unit: arrow.Microsecond}, arrow.PrimitiveTypes.Float64, i64}, true, ""},
		{exec.OpAggregate, nil, false, "needs a group-by key"},
		{exec.OpAggregate, []arrow.DataType{arrow.PrimitiveTypes.Float64, i64}, false, "int64 or timestamp[us] key, not float64"},
		{exec.OpAggregate, []arrow.DataType{i64, arrow.FixedWidthTypes.Boolean}, false, "not bool"},
		{exec.OpSort, nil, false, "no GPU kernel for sort"},
		{"mystery", nil, false, `operator "mystery"`},
	}
	for _, c := range cases {
		s := e.Supports(c.op, c.in)
		if s.OK != c.ok || (!c.ok && (!strings.HasPrefix(s.Reason, "unsupported because ") || !strings.Contains(s.Reason, c.reason))) {
			t.Errorf("%s %v: %+v", c.op, c.in, s)
		}
	}
	if _, err := NewEngine("tpu"); err == nil || !strings.Contains(err.Error(), "allowed: gpu, gpu-emulated") {
		t.Errorf("unknown engine: %v", err)
	}
}

// Without a driver, "gpu" fails with the clear error and never emulates.
func TestNoDriver(t *testing.T) {
	if _, err := os.Stat("/dev/nvidiactl"); err == nil || os.Getenv("SLUICE_GPU_REAL") == "1" {
		t.Skip("an NVIDIA device is present")
	}
	_, err := cuda.Detect()
	if !errors.Is(err, device.ErrNoDriver) || !strings.Contains(err.Error(), "no NVIDIA driver: CPU engine") {
		t.Fatalf("Detect: %v", err)
	}
	if _, err := NewEngine("gpu"); !errors.Is(err, device.ErrNoDriver) {
		t.Fatalf("NewEngine(gpu): %v", err)
	}
	if _, err := cuda.Open(0); !errors.Is(err, device.ErrNoDriver) {
		t.Fatalf("OpenCUDA: %v", err)
	}
}

// A device with little memory splits the batch and still gives the CPU's
// answer; with almost none the error says to fall back to the CPU.
func TestOutOfMemorySplitsThenFallsBack(t *testing.T) {
	mem := newCheckedMem(t)
	g := newGen(5, mem)
	col := g.int64s(5000, 0.1, true, 1000)
	defer col.Release()
	want := make([]uint64, 5000)
	if err := hashing.Column(col, want); err != nil {
		t.Fatal(err)
	}
	small := emulator.New(20_000) // the whole batch needs ~80 kB
	defer small.Close()
	ks := launch.NewKernels(small)
	got := make([]uint64, 5000)
	if err := ks.HashColumn(col, got); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("row %d: %x, want %x", i, got[i], want[i])
		}
	}
	f := &feature.Fitted{Transform: "zscore", Mean: 2, Std: 3}
	_, ga, err := transform.Apply(ks, "x", f, col, mem)
	if err != nil {
		t.Fatal(err)
	}
	_, wa, err := feature.Apply("x", f, col, mem)
	if err != nil {
		t.Fatal(err)
	}
	sameArrays(t, "zscore under memory pressure", ga[0], wa[0])
	ga[0].Release()
	wa[0].Release()
	pool, err := ks.Pool()
	if err != nil {
		t.Fatal(err)
	}
	if pool.Size() != 20_000&^(device.PoolAlign-1) || pool.InUse() != 0 || pool.Peak() > pool.Size() {
		t.Fatalf("pool of %d bytes: %d in use, peak %d", pool.Size(), pool.InUse(), pool.Peak())
	}
	if err := ks.Close(); err != nil || small.InUse() != 0 {
		t.Fatalf("close: %v; %d bytes left on the device", err, small.InUse())
	}
	tiny := emulator.New(100)
	defer tiny.Close()
	err = launch.NewKernels(tiny).HashColumn(col, got)
	if !errors.Is(err, device.ErrFallback) {
		t.Fatalf("tiny device: %v", err)
	}
}

func TestUnsupportedTransforms(t *testing.T) {
	mem := newCheckedMem(t)
	b := array.NewInt64Builder(mem)
	b.AppendValues([]int64{1, 2}, nil)
	col := b.NewArray()
	b.Release()
	defer col.Release()
	emu := emulator.New(0)
	defer emu.Close()
	k := launch.NewKernels(emu)
	sb := array.NewStringBuilder(mem)
	sb.Append("a")
	scol := sb.NewArray()
	sb.Release()
	defer scol.Release()
	if _, _, err := transform.Apply(k, "x", &feature.Fitted{Transform: "hash", Buckets: 4}, scol, mem); !errors.Is(err, device.ErrUnsupported) || !strings.Contains(err.Error(), "because string hash buckets") {
		t.Errorf("string hash transform: %v", err)
	}
	if _, _, err := transform.Apply(k, "x", &feature.Fitted{Transform: "warp"}, col, mem); err == nil || errors.Is(err, device.ErrUnsupported) {
		t.Errorf("unknown transform: %v", err)
	}
	if _, err := aggregate.GroupCount(k, arrayOfFloats(t, mem)); !errors.Is(err, device.ErrUnsupported) {
		t.Errorf("float keys: %v", err)
	}
	if err := emu.Launch("k_nope", 1, 64); err == nil || !strings.Contains(err.Error(), `no kernel "k_nope"`) {
		t.Errorf("unknown kernel: %v", err)
	}
	if err := emu.Launch("k_fill_u64", 1, 48, 0, 0, 0); err == nil || !strings.Contains(err.Error(), "bad launch shape") {
		t.Errorf("bad block: %v", err)
	}
	if err := emu.Launch("k_fill_u64", 1, 64, 0, 0); err == nil || !strings.Contains(err.Error(), "wrong number of arguments") {
		t.Errorf("bad args: %v", err)
	}
}

func arrayOfFloats(t *testing.T, mem memory.Allocator) arrow.Array {
	t.Helper()
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.Append(1.5)
	a := b.NewArray()
	t.Cleanup(a.Release)
	return a
}
