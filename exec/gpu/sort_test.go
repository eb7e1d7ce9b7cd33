package gpu

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/cpu/perm"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

// stableOrder is the plain oracle of the shard sort: the rows' indices
// sorted by (key, tie) with sort.SliceStable (tie nil: by key alone).
func stableOrder(keys, tie []uint64) []int32 {
	idx := make([]int32, len(keys))
	for i := range idx {
		idx[i] = int32(i)
	}
	sort.SliceStable(idx, func(a, b int) bool {
		i, j := idx[a], idx[b]
		if keys[i] != keys[j] {
			return keys[i] < keys[j]
		}
		return tie != nil && tie[i] < tie[j]
	})
	return idx
}

// sortCase draws n rows as a shard-write task sorts them: keys are
// shard-order hashes, a quarter of them shared by many rows (as rows
// with a null split key share one) and some on the extremes; ties are
// row ids, a fifth of them repeated so that equal (key, tie) pairs must
// keep their row order.
func sortCase(r *rand.Rand, n int) (keys, tie []uint64) {
	keys, tie = make([]uint64, n), make([]uint64, n)
	dup := []uint64{0, 1, 42, 1 << 32, math.MaxUint64 / 3, math.MaxUint64}
	for i := range n {
		keys[i] = r.Uint64()
		if r.IntN(4) == 0 {
			keys[i] = dup[r.IntN(len(dup))]
		}
		tie[i] = uint64(r.Int64N(1 << 36))
		if r.IntN(5) == 0 && i > 0 {
			tie[i] = tie[r.IntN(i)]
		}
	}
	return keys, tie
}

// sortBytes is about what the device sort of n rows holds at once (keys
// and ties twice, the row indices and the permutation; the digit
// histograms and the pool's rounding within the slack).
func sortBytes(n int) int64 { return int64(n)*40 + 1<<20 }

// smallPool is the pool of devicesUnderTest's "-small-pool" devices.
func smallPool() int64 {
	pool, err := strconv.ParseInt(os.Getenv("SLUICE_GPU_POOL"), 10, 64)
	if err != nil || pool <= 0 {
		pool = 8 << 20
	}
	return pool
}

// The device sort (StageKernels.SortPerm) gives exactly the permutation of
// perm.SortPerm and of a stable comparison sort, for batches from no row
// to about a million (many tiles, several segments of the prefix sum, all
// eight key bytes and five tie bytes), with ties, without, and with the
// tie the key itself (the order of a shard written without shuffle).
func TestConformanceSortPerm(t *testing.T) {
	for _, d := range devicesUnderTest(t) {
		sk := NewStageKernels(d.k)
		for _, n := range withEnvRows([]int{0, 1, 2, 4097, 70001, 1<<20 + 3}) {
			keys, tie := sortCase(rand.New(rand.NewPCG(uint64(n), 13)), n)
			narrow := make([]uint64, n) // keys within a small range: few varying bytes
			for i := range narrow {
				narrow[i] = 1<<40 + keys[i]%1000
			}
			for _, c := range []struct {
				name      string
				keys, tie []uint64
			}{{"key+rowid", keys, tie}, {"key", keys, nil}, {"rowid+rowid", tie, tie}, {"narrow+rowid", narrow, tie}} {
				if n > 100000 && c.name != "key+rowid" {
					continue // the large batch runs the full case only
				}
				t.Run(fmt.Sprintf("%s/%s/n=%d", d.name, c.name, n), func(t *testing.T) {
					got := make([]int32, n)
					for i := range got {
						got[i] = -7 // every position must be written
					}
					before := SortedBatches()
					err := sk.SortPerm(c.keys, c.tie, got)
					if strings.HasSuffix(d.name, "-small-pool") && errors.Is(err, exec.ErrFallback) && sortBytes(n) > smallPool() {
						return // too large for the small pool: the CPU sorts it
					}
					if err != nil {
						t.Fatal(err)
					}
					if SortedBatches() != before+1 {
						t.Fatal("the device did not count the batch")
					}
					want := perm.SortPerm(c.keys, c.tie)
					oracle := stableOrder(c.keys, c.tie)
					if !slices.Equal(want, oracle) {
						t.Fatal("perm.SortPerm differs from the stable comparison sort")
					}
					if i := firstDiff(got, want); i >= 0 {
						t.Fatalf("position %d: device row %d, cpu row %d (of %d)", i, got[i], want[i], n)
					}
					cpuOut := make([]int32, n)
					if err := (cpu.StageKernels{}).SortPerm(c.keys, c.tie, cpuOut); err != nil || !slices.Equal(cpuOut, want) {
						t.Fatalf("cpu.StageKernels.SortPerm: %v", err)
					}
				})
			}
		}
	}
}

func firstDiff(a, b []int32) int {
	for i := range a {
		if i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return len(a)
	}
	return -1
}

// A sort that does not fit in the device's memory answers ErrFallback
// (the engine sorts the batch on the CPU), and mismatched lengths fail.
func TestSortPermOutOfMemoryFallsBack(t *testing.T) {
	emu := emulator.New(1 << 20)
	defer emu.Close()
	k := launch.NewKernelsWith(emu, launch.Options{PoolBytes: 1 << 20})
	defer k.Close()
	keys, tie := sortCase(rand.New(rand.NewPCG(5, 13)), 100000)
	out := make([]int32, len(keys))
	if err := NewStageKernels(k).SortPerm(keys, tie, out); !errors.Is(err, exec.ErrFallback) {
		t.Fatalf("want ErrFallback, got %v", err)
	}
	// What fits still sorts on that device.
	small := make([]int32, 3000)
	if err := NewStageKernels(k).SortPerm(keys[:3000], tie[:3000], small); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(small, perm.SortPerm(keys[:3000], tie[:3000])) {
		t.Fatal("the small batch sorted differently")
	}
	err := NewStageKernels(k).SortPerm(keys, tie[:10], out)
	if err == nil || err.Error() != "gpu: sort: lengths differ: keys 100000, tie 10, out 100000" {
		t.Fatalf("lengths: %v", err)
	}
}
