package shuffle

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// WriteOrdered keeps the caller's order inside each partition: the
// partition's rows read back in exactly the order of perm (oracle: the
// rows written one at a time with Write).
func TestWriteOrdered(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(9, 9))
	dir := t.TempDir()
	opt := WriterOptions{Partitions: 4, Codec: CodecNone, FlushBytes: 4 << 10}
	a, err := NewWriter(filepath.Join(dir, "a"), testSchema(), opt, mem)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewWriter(filepath.Join(dir, "b"), testSchema(), opt, mem)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range []int{1, 7, 1000, 333} {
		batch := genBatch(mem, rng, n, int64(i*10000), i)
		part := make([]int32, n)
		key := make([]int, n)
		perm := make([]int32, n)
		for j := range part {
			part[j] = int32(rng.IntN(opt.Partitions))
			key[j] = rng.IntN(1 << 20)
			perm[j] = int32(j)
		}
		// Sorted by (partition, key): grouped by partition, any order within.
		slices.SortFunc(perm, func(x, y int32) int {
			if part[x] != part[y] {
				return int(part[x] - part[y])
			}
			return key[x] - key[y]
		})
		if err := a.WriteOrdered(batch, perm, part); err != nil {
			t.Fatal(err)
		}
		for _, j := range perm {
			row := batch.NewSlice(int64(j), int64(j+1))
			if err := b.Write(int(part[j]), row); err != nil {
				t.Fatal(err)
			}
			row.Release()
		}
		// Bad orders are refused.
		if n > 1 {
			rev := slices.Clone(perm)
			slices.Reverse(rev)
			if part[rev[0]] != part[rev[n-1]] {
				if err := a.WriteOrdered(batch, rev, part); err == nil || !strings.Contains(err.Error(), "ascending partition order") {
					t.Errorf("descending partitions: err %v", err)
				}
			}
			dup := slices.Clone(perm)
			dup[1] = dup[0]
			if err := a.WriteOrdered(batch, dup, part); err == nil || !strings.Contains(err.Error(), "listed twice") {
				t.Errorf("a row listed twice: err %v", err)
			}
		}
		batch.Release()
	}
	for _, w := range []*Writer{a, b} {
		if _, err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	ra, err := OpenReader(filepath.Join(dir, "a"), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	rb, err := OpenReader(filepath.Join(dir, "b"), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer rb.Close()
	for p := 0; p < opt.Partitions; p++ {
		equalRows(t, "WriteOrdered vs Write", readAll(t, ra, p), readAll(t, rb, p))
	}
}
