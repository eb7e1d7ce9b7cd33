package budget

import (
	"bytes"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/internal/uninit"
)

func TestClassSize(t *testing.T) {
	for _, size := range []int{minPooled, minPooled + 1, 100_000, 1 << 20, 1<<20 + 1, 3_000_000, 1<<30 - 7} {
		n := classSize(size)
		if n < size || float64(n) > 1.25*float64(size) {
			t.Errorf("classSize(%d) = %d: want in [size, 1.25 size]", size, n)
		}
		if !isClass(n) || classSize(n) != n {
			t.Errorf("classSize(%d) = %d is not a class of its own", size, n)
		}
		if n%64 != 0 {
			t.Errorf("classSize(%d) = %d: not a multiple of 64", size, n)
		}
	}
	// Between 1 MiB and 2 MiB the classes are the quarters.
	var got []int
	for c := classSize(1<<20 + 1); c <= 2<<20; c = classSize(c + 1) {
		got = append(got, c)
	}
	want := []int{1<<20 + 1<<18, 1<<20 + 2<<18, 1<<20 + 3<<18, 2 << 20}
	if len(got) != len(want) {
		t.Fatalf("classes in (1 MiB, 2 MiB]: %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("classes in (1 MiB, 2 MiB]: %v, want %v", got, want)
		}
	}
	if isClass(1000) || isClass(minPooled-64) || isClass(1<<20+1) {
		t.Error("isClass accepts a size that is not a class")
	}
}

func first(b []byte) *byte { return &b[:1][0] }

func TestAllocatorReusesFreedBuffers(t *testing.T) {
	b := New(256 << 20)
	b.pool.poison = false
	mem := b.Allocator(nil)
	x := mem.Allocate(1 << 20)
	if len(x) != 1<<20 || cap(x) != 1<<20 {
		t.Fatalf("len %d cap %d, want 1 MiB both", len(x), cap(x))
	}
	for i := range x {
		x[i] = byte(i)
	}
	mem.Free(x)
	if b.Used() != 0 {
		t.Fatalf("used %d after free, want 0", b.Used())
	}
	// A smaller request of the class above or the same class gets it back,
	// zeroed.
	y := mem.Allocate(1<<20 - 1000)
	if first(y) != first(x) {
		t.Fatal("a freed 1 MiB buffer was not reused for the next request of its class")
	}
	if !bytes.Equal(y, make([]byte, len(y))) {
		t.Fatal("a reused buffer is not zeroed")
	}
	if b.Used() != int64(len(y)) {
		t.Fatalf("used %d, want %d", b.Used(), len(y))
	}
	hits, misses := b.PoolStats()
	if hits != 1 || misses != 1 {
		t.Fatalf("pool stats hits %d misses %d, want 1 and 1", hits, misses)
	}
	// Small buffers are not pooled.
	s := mem.Allocate(1000)
	if cap(s) == classSize(1000) && isClass(cap(s)) {
		t.Fatal("a small buffer came from the pool")
	}
	mem.Free(s)
	mem.Free(y)
}

func TestReallocateZeroesAndCopies(t *testing.T) {
	b := New(0)
	b.pool.poison = false
	mem := b.Allocator(nil)
	x := mem.Allocate(minPooled)
	for i := range x {
		x[i] = 7
	}
	mem.Free(x) // kept with its sevens
	y := mem.Allocate(minPooled / 2)
	for i := range y {
		y[i] = 1
	}
	// Grows into a new pooled buffer: the old bytes copied, the rest zero.
	z := mem.Reallocate(minPooled, y)
	if len(z) != minPooled {
		t.Fatalf("len %d", len(z))
	}
	for i, v := range z {
		if want := byte(0); i < minPooled/2 && v != 1 || i >= minPooled/2 && v != want {
			t.Fatalf("byte %d = %d after growing", i, v)
		}
	}
	// Shrinks and grows back within its capacity: the regrown bytes are
	// zero, as a fresh allocation's would be.
	z = mem.Reallocate(100_000, z)
	for i := range z {
		z[i] = 9
	}
	z = mem.Reallocate(80_000, z)
	z = mem.Reallocate(100_000, z)
	for i := 80_000; i < 100_000; i++ {
		if z[i] != 0 {
			t.Fatalf("byte %d = %d after growing within the capacity", i, z[i])
		}
	}
	if b.Used() != 100_000 {
		t.Fatalf("used %d, want 100000", b.Used())
	}
	mem.Free(z)
	if b.Used() != 0 {
		t.Fatalf("used %d after free, want 0", b.Used())
	}
}

func TestPoolBoundAndEviction(t *testing.T) {
	b := New(32 << 20) // keeps at most 4 MiB
	mem := b.Allocator(nil)
	var bufs [][]byte
	for range 8 {
		bufs = append(bufs, mem.Allocate(1<<20))
	}
	for _, x := range bufs {
		mem.Free(x)
	}
	if b.pool.held > PoolLimit(32<<20) {
		t.Fatalf("pool holds %d bytes, limit %d", b.pool.held, PoolLimit(32<<20))
	}
	if b.pool.held != 4<<20 {
		t.Fatalf("pool holds %d bytes, want 4 MiB", b.pool.held)
	}
	// The last four freed are kept; the first four were dropped.
	kept := map[*byte]bool{}
	for range 4 {
		kept[first(mem.Allocate(1<<20))] = true
	}
	for i, x := range bufs {
		if kept[first(x)] != (i >= 4) {
			t.Fatalf("buffer %d kept %v, want the last four freed kept", i, kept[first(x)])
		}
	}
	// A buffer larger than the pool is not kept.
	big := mem.Allocate(8 << 20)
	mem.Free(big)
	if b.pool.held != 0 {
		t.Fatalf("pool holds %d bytes after a buffer larger than it was freed", b.pool.held)
	}
}

func TestPoisonAndDoubleFree(t *testing.T) {
	b := New(0)
	b.pool.poison = true
	mem := b.Allocator(nil)
	x := mem.Allocate(200_000)
	x[0] = 1
	mem.Free(x)
	if x[0] != poisonByte || x[len(x)-1] != poisonByte {
		t.Fatal("a kept buffer is not poisoned: a use after free would read its old values")
	}
	mem.Free(x) // freed twice: kept once
	p, q := mem.Allocate(200_000), mem.Allocate(200_000)
	if first(p) == first(q) {
		t.Fatal("a buffer freed twice was handed out twice")
	}
	if p[0] != 0 || q[0] != 0 {
		t.Fatal("a reused poisoned buffer is not zeroed")
	}
}

// TestPooledArrays builds and releases Arrow arrays through the pool from
// several goroutines, checking every array's values against the ones
// appended (run with -race).
func TestPooledArrays(t *testing.T) {
	b := New(64 << 20)
	mem := memory.NewCheckedAllocator(b.Allocator(nil))
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 50 {
				n := 10_000 + r.IntN(300_000)
				bld := array.NewInt64Builder(mem)
				want := make([]int64, n)
				for i := range want {
					want[i] = r.Int64()
					if i%7 == 3 {
						bld.AppendNull()
						continue
					}
					bld.Append(want[i])
				}
				a := bld.NewInt64Array()
				bld.Release()
				for i := range want {
					if i%7 == 3 {
						if a.IsValid(i) {
							errs <- "a null row reads valid"
							return
						}
					} else if !a.IsValid(i) || a.Value(i) != want[i] {
						errs <- "a value differs from the one appended"
						return
					}
				}
				a.Release()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	mem.AssertSize(t, 0)
	if b.Used() != 0 {
		t.Fatalf("used %d after every array was released", b.Used())
	}
	if hits, _ := b.PoolStats(); hits == 0 {
		t.Fatal("no allocation reused a freed buffer")
	}
}

// TestAllocateUninit checks that a buffer handed out for overwriting keeps
// a reused buffer's bytes (no zeroing), is charged and freed like any
// other, and that uninit.Buffer over the allocator frees it on release;
// over an allocator without the method it is zeroed.
func TestAllocateUninit(t *testing.T) {
	b := New(0)
	b.pool.poison = false
	mem := b.Allocator(nil)
	x := mem.Allocate(1 << 20)
	for i := range x {
		x[i] = 7
	}
	mem.Free(x)
	buf := uninit.Buffer(mem, 1<<20-64)
	y := buf.Bytes()
	if len(y) != 1<<20-64 || first(y) != first(x) {
		t.Fatalf("uninit.Buffer: %d bytes at a new address, want the kept 1 MiB buffer's first %d", len(y), 1<<20-64)
	}
	if y[0] != 7 || y[len(y)-1] != 7 {
		t.Fatal("a buffer for overwriting was zeroed")
	}
	if b.Used() != int64(len(y)) {
		t.Fatalf("used %d, want %d", b.Used(), len(y))
	}
	buf.Release()
	if b.Used() != 0 {
		t.Fatalf("used %d after release, want 0", b.Used())
	}
	if z := mem.Allocate(1 << 20); first(z) != first(x) || z[0] != 0 || z[len(z)-1] != 0 {
		t.Fatal("the released buffer was not kept, or Allocate did not zero it")
	}
	plain := memory.NewCheckedAllocator(memory.NewGoAllocator())
	pb := uninit.Buffer(plain, 100)
	if !bytes.Equal(pb.Bytes(), make([]byte, 100)) {
		t.Fatal("uninit.Buffer over an allocator without AllocateUninit is not zeroed")
	}
	pb.Release()
	plain.AssertSize(t, 0)
}
