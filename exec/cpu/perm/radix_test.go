package perm

import (
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/internal/cputest"
)

func TestSortPermAgainstSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, n := range []int{0, 1, 3, 1024, 5000, 70000} {
		// The last two: keys in a narrow range high up (as a shard's hashes
		// are), and a few widely spread clusters.
		for mi, mask := range []uint64{^uint64(0), 0xff00, 7, 0, 0xfffff, 0x3} {
			keys := make([]uint64, n)
			tie := make([]uint64, n)
			for i := range keys {
				keys[i] = rng.Uint64() & mask
				switch mi {
				case 4:
					keys[i] += 0xA000_0000_0000_0000
				case 5:
					keys[i] <<= 62
				}
				tie[i] = rng.Uint64() % 4
			}
			for _, tv := range [][]uint64{tie, nil} {
				want := make([]int32, n)
				for i := range want {
					want[i] = int32(i)
				}
				sort.SliceStable(want, func(a, b int) bool {
					ka, kb := keys[want[a]], keys[want[b]]
					if ka != kb {
						return ka < kb
					}
					return tv != nil && tv[want[a]] < tv[want[b]]
				})
				if got := SortPerm(keys, tv); !reflect.DeepEqual(got, want) {
					t.Fatalf("n=%d mask=%x tie=%v: permutation differs", n, mask, tv != nil)
				}
			}
		}
	}
}

func TestTake(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(19, 20))
	for _, n := range []int{0, 1, 3, 1024} {
		b := cputest.GenBatch(mem, rng, n)
		perm := make([]int32, n+n/2)
		for i := range perm {
			perm[i] = int32(rng.IntN(max(n, 1)))
		}
		if n == 0 {
			perm = nil
		}
		out, err := Take(b.RB, perm, mem)
		if err != nil {
			t.Fatal(err)
		}
		for c := range cputest.BatchTypes {
			oc := out.Column(c)
			if !arrow.TypeEqual(oc.DataType(), b.RB.Column(c).DataType()) {
				t.Fatalf("column %d type %s", c, oc.DataType())
			}
			if d, ok := oc.(*array.Dictionary); ok && !array.Equal(d.Dictionary(), b.RB.Column(c).(*array.Dictionary).Dictionary()) {
				t.Fatalf("column %d lost its dictionary", c)
			}
			for i, p := range perm {
				got := cputest.CellArr(oc, i)
				want := cputest.CellOf(b.Cols[c], int(p))
				if got != want {
					t.Fatalf("n=%d column %d row %d: %v want %v", n, c, i, got, want)
				}
			}
		}
		out.Release()
		if _, err := Take(b.RB, []int32{int32(n)}, mem); err == nil {
			t.Fatal("out-of-range perm should fail")
		}
		b.RB.Release()
	}
}
