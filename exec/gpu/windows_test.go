package gpu

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
	"github.com/sluice-ml/sluice/exec/gpu/launch"
	"github.com/sluice-ml/sluice/exec/split"
)

// collectOracle is the plain oracle of a window collection: for every
// window, in the caller's order, the rows of its group below Lo and the
// keys of those inside [Lo, Hi], in row order (a nil group: every row in
// group 0).
func collectOracle(ws []split.Window, group []int32, h, rowid []uint64) split.Partial {
	p := split.Partial{Below: make([]int64, len(ws)), Rows: make([][]split.Key, len(ws))}
	for w, win := range ws {
		if win.Lo > win.Hi {
			continue
		}
		for i, x := range h {
			g := int32(0)
			if group != nil {
				g = group[i]
			}
			if g != win.Target.Group {
				continue
			}
			if x < win.Lo {
				p.Below[w]++
			}
			if win.Lo <= x && x <= win.Hi {
				p.Rows[w] = append(p.Rows[w], split.Key{H: x, RowID: rowid[i]})
			}
		}
	}
	return p
}

// windowCase draws n rows over 5 groups (and some rows of groups without
// windows: -1, 9) and windows per group: none for group 1, overlapping
// narrow ones, one over the whole range, an empty one, and one on a hash
// many rows share; perGroup more windows in group 4.
func windowCase(r *rand.Rand, n, perGroup int) (ws []split.Window, group []int32, h, rowid []uint64) {
	group, h, rowid = make([]int32, n), make([]uint64, n), make([]uint64, n)
	shared := uint64(1) << 63
	for i := range n {
		group[i] = int32(r.IntN(5))
		if r.IntN(50) == 0 {
			group[i] = []int32{-1, 9}[r.IntN(2)]
		}
		h[i], rowid[i] = r.Uint64(), uint64(r.Int64N(1<<40))
		if r.IntN(10) == 0 {
			h[i] = shared
		}
	}
	win := func(g int32, lo, hi uint64) {
		ws = append(ws, split.Window{Target: split.Target{Group: g, Rank: 1, N: 2}, Lo: lo, Hi: hi})
	}
	win(3, 1, 0) // empty
	win(0, 1<<62, 1<<62+1<<56)
	win(2, 0, math.MaxUint64)
	win(0, 1<<62+1<<55, 1<<62+1<<57) // overlaps the first
	win(3, shared-1<<50, shared)
	win(4, shared, shared+1<<58)
	win(2, 5<<60, 5<<60+1<<57)
	for range perGroup {
		lo := r.Uint64()
		win(4, lo, lo+min(math.MaxUint64-lo, 1<<56))
	}
	return ws, group, h, rowid
}

// The device's window collection (StageKernels.CollectWindows) leaves a
// collector exactly as Collector.Add and the plain oracle do: below
// counts and kept keys in row order, per window, for one row to several
// tiles and pieces, with and without a group column, and with more
// windows than a block counts in shared memory.
func TestConformanceCollectWindows(t *testing.T) {
	for _, d := range devicesUnderTest(t) {
		sk := NewStageKernels(d.k)
		for _, tc := range []struct{ n, extra int }{{0, 0}, {1, 0}, {4097, 0}, {70001, 3}, {30001, 2100}} {
			for _, nilGroup := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/n=%d/windows+%d/nil-group=%v", d.name, tc.n, tc.extra, nilGroup), func(t *testing.T) {
					ws, group, h, rowid := windowCase(rand.New(rand.NewPCG(uint64(tc.n), 14)), tc.n, tc.extra)
					if nilGroup {
						group = nil
					}
					dc, err := split.NewCollector(ws)
					if err != nil {
						t.Fatal(err)
					}
					cc, _ := split.NewCollector(ws)
					before, ran := WindowBatches(), int64(0)
					// Two batches into one collector: the counts add up.
					half := tc.n / 2
					for _, part := range [][2]int{{0, half}, {half, tc.n}} {
						if part[1] > part[0] {
							ran++ // a batch without rows has no device work
						}
						var g []int32
						if group != nil {
							g = group[part[0]:part[1]]
						}
						if err := sk.CollectWindows(dc, g, h[part[0]:part[1]], rowid[part[0]:part[1]]); err != nil {
							t.Fatal(err)
						}
						if err := (cpu.StageKernels{}).CollectWindows(cc, g, h[part[0]:part[1]], rowid[part[0]:part[1]]); err != nil {
							t.Fatal(err)
						}
					}
					if WindowBatches() != before+ran {
						t.Fatal("the device did not count the batches")
					}
					got, want, oracle := dc.Result(), cc.Result(), collectOracle(ws, group, h, rowid)
					if !reflect.DeepEqual(want, oracle) {
						t.Fatal("Collector.Add differs from the oracle")
					}
					kept := 0
					for w := range ws {
						if got.Below[w] != want.Below[w] {
							t.Fatalf("window %d: device below %d, cpu %d", w, got.Below[w], want.Below[w])
						}
						if !reflect.DeepEqual(got.Rows[w], want.Rows[w]) {
							t.Fatalf("window %d: device kept %d rows, cpu %d (or another order)", w, len(got.Rows[w]), len(want.Rows[w]))
						}
						kept += len(want.Rows[w])
					}
					if tc.n >= 4097 && kept*200 < tc.n {
						t.Fatalf("only %d rows kept: the case does not test picks", kept)
					}
				})
			}
		}
	}
}

// Under memory pressure the batch runs in pieces (the picks' row numbers
// offset by the piece); with no memory at all it answers ErrFallback and
// leaves the collector untouched.
func TestCollectWindowsUnderPressure(t *testing.T) {
	ws, group, h, rowid := windowCase(rand.New(rand.NewPCG(7, 14)), 40000, 0)
	for _, pool := range []int64{160 << 10, 1 << 10} {
		emu := emulator.New(pool)
		k := launch.NewKernelsWith(emu, launch.Options{PoolBytes: pool})
		dc, _ := split.NewCollector(ws)
		err := NewStageKernels(k).CollectWindows(dc, group, h, rowid)
		got := dc.Result()
		k.Close()
		emu.Close()
		if pool < 4<<10 {
			if !errors.Is(err, exec.ErrFallback) {
				t.Fatalf("pool %d: want ErrFallback, got %v", pool, err)
			}
			if !reflect.DeepEqual(got, split.Partial{Below: make([]int64, len(ws)), Rows: make([][]split.Key, len(ws))}) {
				t.Fatal("a failed collection changed the collector")
			}
			continue
		}
		if err != nil {
			t.Fatalf("pool %d: %v", pool, err)
		}
		if want := collectOracle(ws, group, h, rowid); !reflect.DeepEqual(got, want) {
			t.Fatalf("pool %d: the pieces' collection differs from the oracle", pool)
		}
	}
}
