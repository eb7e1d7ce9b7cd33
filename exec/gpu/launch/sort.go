package launch

import (
	"errors"
	"fmt"
	"math"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// The sort's launch shape (kernels/sort.cu): a block of at most
// sortMaxBlock threads (SORT_MAX_BLOCK: the per-thread digit counts live
// in shared memory) owns tiles of block*per rows, per consecutive rows a
// thread; the prefix sum of the digit counts runs in segments of
// block*scanPer entries. block*per stays below 65536 (uint16 counts).
const (
	sortMaxBlock = 64
	sortRadix    = 256 // SORT_RADIX: 8-bit digits
)

// sortShape is the block and the rows per thread of the sort kernels and
// the entries per thread of its prefix sum. On a GPU a tile is 4,096 rows
// (64 threads of 64 rows: many tiles keep every SM busy, and a thread's
// run stays in its SM's cache). The emulated device, where every launch
// starts a thread per thread of the block and a block barrier is an OS
// thread wake-up, takes blocks of 8 threads over tiles of 16,384 rows
// (2,048 a thread) and scan segments of 512 entries, so that a batch of
// 70,001 rows spans several tiles and one of a million several scan
// segments there too.
func (k *Kernels) sortShape() (block, per, scanPer int) {
	block, _ = k.dev.Shape()
	if k.dev.Emulated() {
		return min(block, 8), 2048, 64
	}
	return min(block, sortMaxBlock), 64, 64
}

// sortPass is one stable pass of the radix sort: the byte at shift of the
// tie (tie true) or of the key.
type sortPass struct {
	tie   bool
	shift int
}

// sortPasses lists the passes, least significant first: the tie's bytes
// (unless no tie, or every row's tie equals its key, when ordering by the
// key alone gives the same order), then the key's, skipping the bytes in
// which no row differs from the first (varying as k_sort_bits writes it).
// With every row equal it is one pass (the identity permutation).
func sortPasses(varying [3]uint64, hasTie bool) []sortPass {
	var ps []sortPass
	if hasTie && varying[2] != 0 {
		for s := 0; s < 64; s += 8 {
			if varying[1]>>s&0xff != 0 {
				ps = append(ps, sortPass{tie: true, shift: s})
			}
		}
	}
	for s := 0; s < 64; s += 8 {
		if varying[0]>>s&0xff != 0 {
			ps = append(ps, sortPass{shift: s})
		}
	}
	if len(ps) == 0 {
		ps = []sortPass{{}}
	}
	return ps
}

// SortPerm is exec/cpu/perm SortPerm on the device: out[j] = the row at
// position j when the rows are ordered by (keys[i], tie[i]) ascending,
// equal pairs in row order (tie nil: by keys alone, stable). The whole
// batch is one device sort (an LSD radix sort over the bytes that vary,
// each pass a histogram, a prefix sum and a scatter per tile of rows);
// the keys go up through the page-locked staging buffer of a stream and
// only the permutation comes back. A batch that does not fit in device
// memory answers device.ErrFallback.
func (k *Kernels) SortPerm(keys, tie []uint64, out []int32) error {
	n := len(keys)
	if len(out) != n || (tie != nil && len(tie) != n) {
		return fmt.Errorf("gpu: sort: lengths differ: keys %d, tie %d, out %d", n, len(tie), len(out))
	}
	if n > math.MaxInt32 {
		return fmt.Errorf("gpu: sort: %d rows: at most %d allowed (int32 positions)", n, math.MaxInt32)
	}
	if tie != nil && n > 0 && &tie[0] == &keys[0] {
		tie = nil // ordering by (key, key) is ordering by key
	}
	if n < 2 {
		for i := range out {
			out[i] = int32(i)
		}
		return nil
	}
	pool, err := k.Pool()
	if err != nil {
		return NoPool("gpu: sort", err)
	}
	ps, err := k.getPipes()
	if err != nil {
		return fmt.Errorf("gpu: sort: %w", err)
	}
	defer k.putPipes(ps)
	sl := &ps.slots[0]
	io := func(_, _ int) (ins, outs [][]byte) {
		return [][]byte{device.AsBytes(keys), device.AsBytes(tie)}, [][]byte{device.AsBytes(out)}
	}
	err = sl.start(k.dev, &Buffers{dev: k.dev, pool: pool}, io, func(s device.Stream, b *Buffers, in, o []device.DevPtr, _, _ int) error {
		return k.sortOn(s, b, in[0], in[1], o[0], n)
	}, 0, n)
	if ferr := sl.finish(); err == nil {
		err = ferr
	}
	if errors.Is(err, device.ErrOutOfMemory) {
		return fmt.Errorf("gpu: sort: %d rows: %w (%v)", n, device.ErrFallback, err)
	}
	if err != nil {
		return fmt.Errorf("gpu: sort: %w", err)
	}
	return nil
}

// sortOn queues the sort of n >= 2 rows already queued for upload to key
// and tie (0: none) on s; the permutation lands in perm (uint32). It reads
// back which bits vary (one wait), then queues every pass. The key and tie
// buffers are overwritten (they are the second half of the ping-pong).
func (k *Kernels) sortOn(s device.Stream, b *Buffers, key, tie, perm device.DevPtr, n int) error {
	scanBlock, maxGrid := k.dev.Shape()
	block, per, scanPer := k.sortShape()
	vary, err := b.Alloc(3 * 8)
	if err != nil {
		return err
	}
	if err := s.Launch("k_fill_u64", 1, 1, uint64(vary), 0, 3); err != nil {
		return err
	}
	if err := k.LaunchOn(s, "k_sort_bits", n, uint64(key), uint64(tie), uint64(n), uint64(vary)); err != nil {
		return err
	}
	if err := s.Sync(); err != nil {
		return err
	}
	var v [3]uint64
	if err := k.dev.CopyOut(device.AsBytes(v[:]), vary); err != nil {
		return err
	}
	passes := sortPasses(v, tie != 0)

	tile, seg := block*per, block*scanPer
	tiles := (n + tile - 1) / tile
	grid := min(tiles, maxGrid)
	m := sortRadix * tiles
	nseg := (m + seg - 1) / seg
	hist, err := b.Alloc(m * 4)
	if err != nil {
		return err
	}
	sums, err := b.Alloc(nseg * 4)
	if err != nil {
		return err
	}
	if nseg == 1 { // one segment: its offset is 0, and no pass scans the sums
		if err := s.Launch("k_fill_u64", 1, 1, uint64(sums), 0, 1); err != nil {
			return err
		}
	}
	// Pass p writes its keys to keyBuf[p&1] and reads the previous
	// pass's (the input for pass 0); the same for the ties, and the
	// row indices alternate so that the last pass writes perm.
	var keyBuf, tieBuf, idxBuf [2]device.DevPtr
	keyBuf[1], tieBuf[1] = key, tie
	last := len(passes) - 1
	lastTie := -1
	for i, p := range passes {
		if p.tie {
			lastTie = i
		}
	}
	if last > 0 {
		if keyBuf[0], err = b.Alloc(n * 8); err != nil {
			return err
		}
		if idxBuf[0], err = b.Alloc(n * 4); err != nil {
			return err
		}
	}
	if lastTie > 0 {
		if tieBuf[0], err = b.Alloc(n * 8); err != nil {
			return err
		}
	}
	srcKey, srcTie, srcIdx := key, tie, device.DevPtr(0)
	for i, p := range passes {
		var okey, otie device.DevPtr
		if i < last {
			okey = keyBuf[i&1]
		}
		if i < lastTie {
			otie = tieBuf[i&1]
		}
		oidx := perm
		if (last-i)&1 == 1 {
			oidx = idxBuf[0]
		}
		sel := device.Bool(p.tie)
		if err := s.Launch("k_sort_hist", grid, block, uint64(srcKey), uint64(srcTie), sel, uint64(p.shift),
			uint64(n), uint64(per), uint64(hist), uint64(tiles)); err != nil {
			return err
		}
		if nseg > 1 {
			if err := s.Launch("k_sort_scan_up", min(nseg, maxGrid), block, uint64(hist), uint64(m), uint64(scanPer), uint64(sums), uint64(nseg)); err != nil {
				return err
			}
			if err := s.Launch("k_scan_u32", 1, scanBlock, uint64(sums), uint64(nseg)); err != nil {
				return err
			}
		}
		if err := s.Launch("k_sort_scan_down", min(nseg, maxGrid), block, uint64(hist), uint64(m), uint64(scanPer), uint64(sums), uint64(nseg)); err != nil {
			return err
		}
		if err := s.Launch("k_sort_scatter", grid, block, uint64(srcKey), uint64(srcTie), uint64(srcIdx), sel, uint64(p.shift),
			uint64(n), uint64(per), uint64(hist), uint64(tiles), uint64(okey), uint64(otie), uint64(oidx)); err != nil {
			return err
		}
		srcKey, srcIdx = okey, oidx
		if otie != 0 {
			srcTie = otie
		}
	}
	return nil
}
