package gpu

import (
	"fmt"
	"github.com/sluice-ml/sluice/exec/gpu/aggregate"
	"github.com/sluice-ml/sluice/exec/gpu/cuda"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
	"github.com/sluice-ml/sluice/exec/gpu/filter"
	"github.com/sluice-ml/sluice/exec/gpu/transform"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/cpu/groupby"
	"github.com/sluice-ml/sluice/exec/cpu/stats"
	"github.com/sluice-ml/sluice/expr"
	"github.com/sluice-ml/sluice/hashing"

	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

// Benchmarks run each kernel on the real GPU (SLUICE_GPU_REAL=1, as
// bench/gpu-run.sh sets) beside the CPU engine on the same data, so
// ratios come from one run; each reports bytes of input per op. Without a
// GPU the device side is skipped ("no GPU on this machine"), unless
// SLUICE_BENCH_EMULATED=1 asks for the emulated device's (not GPU) timings.

const benchRows = 1 << 20

func benchKernels(b *testing.B) *launch.Kernels {
	b.Helper()
	if os.Getenv("SLUICE_GPU_REAL") == "1" {
		dev, err := cuda.Open(0)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { dev.Close() })
		return launch.NewKernels(dev)
	}
	if os.Getenv("SLUICE_BENCH_EMULATED") != "1" {
		b.Skip("no GPU on this machine (SLUICE_BENCH_EMULATED=1 times the emulated device, which says nothing about GPU speed)")
	}
	emu := emulator.New(0)
	b.Cleanup(func() { emu.Close() })
	b.Log("emulated device: timings prove nothing about GPU speed")
	return launch.NewKernels(emu)
}

func BenchmarkHashColumn(b *testing.B) {
	g := newGen(1, memory.DefaultAllocator)
	col := g.int64s(benchRows, 0.1, false, 1<<40)
	defer col.Release()
	out := make([]uint64, benchRows)
	b.Run("cpu", func(b *testing.B) {
		b.SetBytes(benchRows * 8)
		for range b.N {
			if err := hashing.Column(col, out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("device", func(b *testing.B) {
		k := benchKernels(b)
		b.SetBytes(benchRows * 8)
		for range b.N {
			if err := k.HashColumn(col, out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkApplyZScore(b *testing.B) {
	g := newGen(2, memory.DefaultAllocator)
	col := g.float64s(benchRows, 0.1, false, false)
	defer col.Release()
	f := &feature.Fitted{Transform: "zscore", Mean: 1000, Std: 300}
	run := func(b *testing.B, apply func() error) {
		b.SetBytes(benchRows * 8)
		for range b.N {
			if err := apply(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("cpu", func(b *testing.B) {
		run(b, func() error {
			_, a, err := feature.Apply("x", f, col, memory.DefaultAllocator)
			if err == nil {
				a[0].Release()
			}
			return err
		})
	})
	b.Run("device", func(b *testing.B) {
		k := benchKernels(b)
		run(b, func() error {
			_, a, err := transform.Apply(k, "x", f, col, memory.DefaultAllocator)
			if err == nil {
				a[0].Release()
			}
			return err
		})
	})
}

func BenchmarkMoments(b *testing.B) {
	g := newGen(3, memory.DefaultAllocator)
	col := g.float64s(benchRows, 0.1, false, false)
	defer col.Release()
	b.Run("cpu", func(b *testing.B) {
		b.SetBytes(benchRows * 8)
		for range b.N {
			var m stats.Moments
			if err := m.Update(col, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("device", func(b *testing.B) {
		k := benchKernels(b)
		b.SetBytes(benchRows * 8)
		for range b.N {
			if _, err := aggregate.Moments(k, col, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGroupCount(b *testing.B) {
	g := newGen(4, memory.DefaultAllocator)
	col := g.int64s(benchRows, 0.01, false, 5000)
	defer col.Release()
	b.Run("device", func(b *testing.B) {
		k := benchKernels(b)
		b.SetBytes(benchRows * 8)
		for range b.N {
			if _, err := aggregate.GroupCount(k, col); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCompact(b *testing.B) {
	g := newGen(5, memory.DefaultAllocator)
	mask := g.bools(benchRows, 0.1, false)
	defer mask.Release()
	b.Run("device", func(b *testing.B) {
		k := benchKernels(b)
		b.SetBytes(benchRows / 8)
		out := make([]int32, 0, benchRows)
		for range b.N {
			var err error
			if out, err = k.Compact(mask, out[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkHashStrings(b *testing.B) {
	g := newGen(6, memory.DefaultAllocator)
	pool := g.words(1000)
	col := g.strs(benchRows, pool, false, false)
	defer col.Release()
	out := make([]uint64, benchRows)
	b.Run("cpu", func(b *testing.B) {
		for range b.N {
			if err := hashing.Column(col, out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("device", func(b *testing.B) {
		k := benchKernels(b)
		for range b.N {
			if err := k.HashColumn(col, out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkVocabDict(b *testing.B) {
	g := newGen(7, memory.DefaultAllocator)
	pool := g.words(5000)
	col := g.dictStrs(benchRows, pool, false)
	defer col.Release()
	var vocab []column.Value
	for _, s := range pool[:1000] {
		vocab = append(vocab, column.Value{Kind: column.KindString, S: s})
	}
	f := &feature.Fitted{Transform: "vocab", Vocab: vocab}
	b.Run("cpu", func(b *testing.B) {
		for range b.N {
			_, a, err := feature.Apply("x", f, col, memory.DefaultAllocator)
			if err != nil {
				b.Fatal(err)
			}
			a[0].Release()
		}
	})
	b.Run("device", func(b *testing.B) {
		k := benchKernels(b)
		for range b.N {
			_, a, err := transform.Apply(k, "x", f, col, memory.DefaultAllocator)
			if err != nil {
				b.Fatal(err)
			}
			a[0].Release()
		}
	})
}

func BenchmarkValueCounts(b *testing.B) {
	g := newGen(8, memory.DefaultAllocator)
	col := g.int64s(benchRows, 0.01, false, 5000)
	defer col.Release()
	b.Run("cpu", func(b *testing.B) {
		for range b.N {
			var v stats.ValueCounts
			if err := v.Update(col, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("device", func(b *testing.B) {
		k := benchKernels(b)
		for range b.N {
			if _, err := aggregate.ValueCounts(k, col, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkFilter(b *testing.B) {
	batch := filterBatch(rand.New(rand.NewPCG(9, 9)), memory.DefaultAllocator, benchRows)
	defer batch.Release()
	e, err := expr.Parse("(i > 0 and f <= 3.5) or (g is null and not b)")
	if err != nil {
		b.Fatal(err)
	}
	bd, err := expr.Bind(e, batch.Schema())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("cpu", func(b *testing.B) {
		for range b.N {
			m, err := bd.Eval(batch, memory.DefaultAllocator)
			if err != nil {
				b.Fatal(err)
			}
			f, err := expr.Filter(batch, m.(*array.Boolean), memory.DefaultAllocator)
			if err != nil {
				b.Fatal(err)
			}
			f.Release()
			m.Release()
		}
	})
	b.Run("device", func(b *testing.B) {
		k := benchKernels(b)
		p, err := filter.Compile(e, batch.Schema())
		if err != nil {
			b.Fatal(err)
		}
		out := make([]int32, 0, benchRows)
		for range b.N {
			if out, err = filter.Run(k, p, batch, out[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGroupAggregate: the partial aggregation of one batch (benchRows
// rows, int64 key) with every device aggregate, on the CPU engine and the
// device, with 5000 and with 1 distinct keys (one group: a single device
// thread folds every row, the price of bit-identical floats).
func BenchmarkGroupAggregate(b *testing.B) {
	for _, distinct := range []int{5000, 1} {
		g := newGen(11, memory.DefaultAllocator)
		batch := gaBatch(g, benchRows, distinct, false, false)
		defer batch.Release()
		keys := []string{"k"}
		b.Run(fmt.Sprintf("groups=%d/cpu", distinct), func(b *testing.B) {
			b.SetBytes(benchRows * 32)
			for range b.N {
				gb, err := groupby.NewGroupBy(keys, gaAggs, batch.Schema())
				if err != nil {
					b.Fatal(err)
				}
				if err := gb.Update(batch); err != nil {
					b.Fatal(err)
				}
				pb, err := gb.PartialBatch(memory.DefaultAllocator)
				if err != nil {
					b.Fatal(err)
				}
				pb.Release()
			}
		})
		b.Run(fmt.Sprintf("groups=%d/device", distinct), func(b *testing.B) {
			k := benchKernels(b)
			b.SetBytes(benchRows * 32)
			for range b.N {
				pb, err := aggregate.GroupAggregate(k, memory.DefaultAllocator, batch, keys, gaAggs)
				if err != nil {
					b.Fatal(err)
				}
				pb.Release()
			}
		})
	}
}
