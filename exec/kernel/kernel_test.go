package kernel

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/hashing"
)

var _ Kernels = (*gpu.StageKernels)(nil)

// flaky is a device whose kernels answer ErrFallback on every other call
// (and write garbage first, as a device that failed half way may) and
// ErrUnsupported for GroupCount.
type flaky struct {
	Kernels
	calls int
}

func (f *flaky) RowHashes(seed uint64, key, h, h2 []uint64) error {
	f.calls++
	if f.calls%2 == 0 {
		for i := range h {
			h[i] = 0xdead
		}
		return fmt.Errorf("row hashes: %w", exec.ErrFallback)
	}
	return CPU.RowHashes(seed, key, h, h2)
}

func (f *flaky) GroupCount(col arrow.Array) (cpu.GroupCounts, error) {
	return cpu.GroupCounts{}, exec.ErrUnsupported
}

func (f *flaky) HashColumn(col arrow.Array, out []uint64) error {
	return errors.New("device lost")
}

func TestWithFallbackRunsTheBatchOnTheCPUAndCounts(t *testing.T) {
	var counts Counts
	k := WithFallback(&flaky{Kernels: CPU}, "scan/RowKey", &counts)
	key := []uint64{1, 2, 3, 4, 5}
	for batch := 0; batch < 4; batch++ {
		h, h2 := make([]uint64, len(key)), make([]uint64, len(key))
		if err := k.RowHashes(7, key, h, h2); err != nil {
			t.Fatal(err)
		}
		want, want2 := make([]uint64, len(key)), make([]uint64, len(key))
		hashing.SeededAll(7, key, want)
		hashing.SeededAll(7^hashing.ShardTag, key, want2)
		if !slices.Equal(h, want) || !slices.Equal(h2, want2) {
			t.Fatalf("batch %d: h %v h2 %v, want %v %v", batch, h, h2, want, want2)
		}
	}
	// Unsupported runs on the CPU without counting as a fallen-back batch.
	b := array.NewInt64Builder(memory.NewGoAllocator())
	b.AppendValues([]int64{3, 1, 3}, nil)
	b.AppendNull()
	col := b.NewArray()
	defer col.Release()
	gc, err := k.GroupCount(col)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gc.Keys, []int64{1, 3}) || !slices.Equal(gc.Counts, []int64{1, 2}) || gc.Nulls != 1 {
		t.Fatalf("group counts %+v", gc)
	}
	if got := counts.Map(); len(got) != 1 || got["scan/RowKey"] != 2 {
		t.Fatalf("counts %v, want scan/RowKey: 2", got)
	}
	// Any other error is the task's failure, never a silent CPU run.
	if err := k.HashColumn(col, make([]uint64, 4)); err == nil || err.Error() != "device lost" {
		t.Fatalf("HashColumn: %v, want the device's error", err)
	}
}

func TestWithFallbackOfTheCPUIsTheCPU(t *testing.T) {
	if k := WithFallback(CPU, "x", nil); k != CPU {
		t.Fatalf("got %T", k)
	}
}
