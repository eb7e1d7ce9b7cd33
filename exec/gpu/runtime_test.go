package gpu

import (
	"errors"
	"github.com/sluice-ml/sluice/exec/gpu/device"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
	"github.com/sluice-ml/sluice/exec/gpu/transform"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/hashing"

	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

func TestPoolAccounting(t *testing.T) {
	emu := emulator.New(4096)
	defer emu.Close()
	p, err := device.NewPool(emu, 0) // sized from the emulated device's limit
	if err != nil {
		t.Fatal(err)
	}
	if p.Size() != 4096 {
		t.Fatalf("pool size %d, want 4096", p.Size())
	}
	a, _ := p.Alloc(1)      // 256
	b, _ := p.Alloc(600)    // 768
	c, err := p.Alloc(3100) // 3328 > 4096-1024
	if !errors.Is(err, device.ErrOutOfMemory) || c != 0 {
		t.Fatalf("over-allocation: %v", err)
	}
	if p.InUse() != 1024 || b != a+256 {
		t.Fatalf("in use %d, a %#x b %#x", p.InUse(), a, b)
	}
	if err := p.Free(a); err != nil {
		t.Fatal(err)
	}
	if err := p.Free(a); err == nil {
		t.Fatal("double free accepted")
	}
	if err := p.Free(b); err != nil {
		t.Fatal(err)
	}
	// Freed neighbours merge: the whole arena is one range again.
	whole, err := p.Alloc(4096)
	if err != nil || whole != a {
		t.Fatalf("whole arena: %#x %v", whole, err)
	}
	if err := p.Free(whole); err != nil || p.Peak() != 4096 {
		t.Fatalf("free %v, peak %d", err, p.Peak())
	}
	if err := p.Close(); err != nil || emu.InUse() != 0 {
		t.Fatalf("close %v, device in use %d", err, emu.InUse())
	}
}

func TestStreamsRunInOrder(t *testing.T) {
	emu := emulator.New(0)
	defer emu.Close()
	s, err := emu.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	host, err := emu.AllocHost(64)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.FreeHost(host)
	p, err := emu.Alloc(64)
	if err != nil {
		t.Fatal(err)
	}
	in := []uint64{1, 2, 3, 4, 5, 6, 7, 8}
	copy(host, device.AsBytes(in))
	// copy in, overwrite on the device, copy out: in that order.
	if err := s.CopyInAsync(p, host); err != nil {
		t.Fatal(err)
	}
	if err := s.Launch("k_fill_u64", 1, 32, uint64(p), 9, 4); err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 64)
	copy(out, host)
	if err := s.CopyOutAsync(host, p); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	got := make([]uint64, 8)
	copy(device.AsBytes(got), host)
	if !slices.Equal(got, []uint64{9, 9, 9, 9, 5, 6, 7, 8}) {
		t.Fatalf("stream result %v", got)
	}
	if err := s.Launch("k_nope", 1, 32); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(); err == nil {
		t.Fatal("a failed launch on a stream must fail its Sync")
	}
}

// Small pieces: every pipelined kernel runs over many pieces alternating
// between two streams and still equals the CPU; each piece copies once
// in per input and once out per output.
func TestPipelinedPiecesEqualCPU(t *testing.T) {
	mem := newCheckedMem(t)
	g := newGen(11, mem)
	const n = 5000
	emu := emulator.New(0)
	defer emu.Close()
	k := launch.NewKernelsWith(emu, launch.Options{ChunkRows: 256, PoolBytes: 1 << 20})
	defer k.Close()
	col := g.float64s(n, 0.1, true, true)
	defer col.Release()
	before := emu.Transfers()
	got, want := make([]uint64, n), make([]uint64, n)
	if err := k.HashColumn(col, got); err != nil {
		t.Fatal(err)
	}
	after := emu.Transfers()
	pieces := int64((n + 255) / 256)
	if after.In-before.In != 2*pieces || after.Out-before.Out != pieces {
		t.Fatalf("%d pieces: %d copies in, %d out", pieces, after.In-before.In, after.Out-before.Out)
	}
	if err := hashing.Column(col, want); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatal("pipelined hashes differ")
	}
	for _, f := range fitted() {
		_, ga, err := transform.Apply(k, "x", f, col, mem)
		if err != nil {
			t.Fatal(err)
		}
		_, wa, err := feature.Apply("x", f, col, mem)
		if err != nil {
			t.Fatal(err)
		}
		sameArrays(t, f.Transform, ga[0], wa[0])
		ga[0].Release()
		wa[0].Release()
	}
	keys, rowid, group := make([]uint64, n), make([]uint64, n), make([]int32, n)
	for i := range keys {
		keys[i], rowid[i], group[i] = g.r.Uint64(), uint64(i), int32(g.r.IntN(2))
	}
	b, err := split.NewBoundaries([][]split.Bound{{{Key: split.Key{H: 1 << 63}}}, {{Kind: split.MinusInf}, {Key: split.Key{H: 1 << 62}}}})
	if err != nil {
		t.Fatal(err)
	}
	h, h2, out, wantOut := make([]uint64, n), make([]uint64, n), make([]int32, n), make([]int32, n)
	if err := k.HashAndAssign(3, b, keys, group, rowid, h, h2, out); err != nil {
		t.Fatal(err)
	}
	for i := range keys {
		want[i] = hashing.Seeded(3, keys[i])
	}
	if err := b.AssignInt32(group, want, rowid, wantOut); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h, want) || !slices.Equal(out, wantOut) {
		t.Fatal("pipelined hash and assign differ")
	}
	group[4321] = 7
	group[4500] = 9
	if err := k.AssignSplits(b, group, h, rowid, out); err == nil || err.Error() != "gpu: split: split: Assign: row 4321 has group 7, the table has groups 0..1" {
		t.Fatalf("bad group in a late piece: %v", err)
	}
	pool, _ := k.Pool()
	if pool.InUse() != 0 {
		t.Fatalf("%d pool bytes in use after the calls", pool.InUse())
	}
}

// A pool too small for a piece halves the pieces; one too small for the
// smallest piece answers device.ErrFallback.
func TestPipelineOutOfMemory(t *testing.T) {
	mem := newCheckedMem(t)
	g := newGen(12, mem)
	col := g.int64s(20000, 0.1, false, 100)
	defer col.Release()
	emu := emulator.New(0)
	defer emu.Close()
	want := make([]uint64, 20000)
	if err := hashing.Column(col, want); err != nil {
		t.Fatal(err)
	}
	small := launch.NewKernelsWith(emu, launch.Options{PoolBytes: 40 << 10, ChunkRows: 1 << 14})
	defer small.Close()
	got := make([]uint64, 20000)
	if err := small.HashColumn(col, got); err != nil || !slices.Equal(got, want) {
		t.Fatalf("small pool: %v", err)
	}
	tiny := launch.NewKernelsWith(emu, launch.Options{PoolBytes: 1024})
	defer tiny.Close()
	if err := tiny.HashColumn(col, got); !errors.Is(err, device.ErrFallback) {
		t.Fatalf("tiny pool: %v", err)
	}
	if _, _, err := transform.Apply(tiny, "x", &feature.Fitted{Transform: "zscore", Std: 1}, col, mem); !errors.Is(err, device.ErrFallback) {
		t.Fatalf("tiny pool apply: %v", err)
	}
}

// The chain row hash → split assignment → transform through a
// launch.DeviceBatch equals the CPU, with exactly the expected copies.
func TestDeviceBatchChain(t *testing.T) {
	mem := newCheckedMem(t)
	g := newGen(13, mem)
	const n = 3001
	emu := emulator.New(0)
	defer emu.Close()
	k := launch.NewKernels(emu)
	defer k.Close()
	feat := g.float64s(n, 0.1, true, true)
	defer feat.Release()
	keys, rowid, group := make([]uint64, n), make([]uint64, n), make([]int32, n)
	for i := range keys {
		keys[i], rowid[i], group[i] = g.r.Uint64(), uint64(i), int32(g.r.IntN(2))
	}
	b, err := split.NewBoundaries([][]split.Bound{{{Key: split.Key{H: 1 << 63}}}, {{Kind: split.MinusInf}, {Key: split.Key{H: 1 << 62}}}})
	if err != nil {
		t.Fatal(err)
	}
	f := &feature.Fitted{Transform: "zscore", Mean: 1000, Std: 300}
	before := emu.Transfers()
	db, err := k.NewDeviceBatch(n)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Release()
	for _, err := range []error{db.PutUint64("key", keys), db.PutUint64("rowid", rowid), db.PutInt32("group", group), db.PutColumn("x", feat),
		db.RowHashes(5, "key", "h", "h2"), db.AssignSplits(b, "group", "h", "rowid", "split")} {
		if err != nil {
			t.Fatal(err)
		}
	}
	_, ga, err := transform.ApplyResident(db, "x", f, "x", mem)
	if err != nil {
		t.Fatal(err)
	}
	defer ga[0].Release()
	splits, h2 := make([]int32, n), make([]uint64, n)
	if err := db.Int32("split", splits); err != nil {
		t.Fatal(err)
	}
	if err := db.Uint64("h2", h2); err != nil {
		t.Fatal(err)
	}
	got := emu.Transfers()
	// In: key, rowid, group, x values, x validity, 3 cut arrays. Out: the
	// split error slot, the transform, the splits, h2.
	if in, out := got.In-before.In, got.Out-before.Out; in != 8 || out != 4 {
		t.Fatalf("copies: %d in, %d out; want 8 in, 4 out", in, out)
	}
	if err := db.Release(); err != nil {
		t.Fatal(err)
	}
	// The CPU answers.
	wantH, wantH2, wantSplit := make([]uint64, n), make([]uint64, n), make([]int32, n)
	for i, key := range keys {
		wantH[i], wantH2[i] = hashing.Seeded(5, key), hashing.Seeded(5^hashing.ShardTag, key)
	}
	if err := b.AssignInt32(group, wantH, rowid, wantSplit); err != nil {
		t.Fatal(err)
	}
	_, wa, err := feature.Apply("x", f, feat, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer wa[0].Release()
	if !slices.Equal(splits, wantSplit) || !slices.Equal(h2, wantH2) {
		t.Fatal("device batch splits or hashes differ from the CPU")
	}
	sameArrays(t, "device batch zscore", ga[0], wa[0])
	pool, _ := k.Pool()
	if pool.InUse() != 0 {
		t.Fatalf("%d pool bytes in use after Release", pool.InUse())
	}
	// A pool too small for the batch: device.ErrFallback, never a crash.
	tiny := launch.NewKernelsWith(emu, launch.Options{PoolBytes: 4096})
	defer tiny.Close()
	tb, err := tiny.NewDeviceBatch(n)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Release()
	if err := tb.PutUint64("key", keys); !errors.Is(err, device.ErrFallback) {
		t.Fatalf("tiny pool: %v", err)
	}
	_ = array.NewInt64Builder
}
