package gpu

import (
	"fmt"
	"math"

	"github.com/sluice-ml/sluice/exec/split"
)

// HashAndAssign is RowHashes followed by AssignSplits with the hashes kept
// on the device between the two kernels: the keys, groups and row ids go in
// once, and only what the caller needs comes back (h when not nil, h2 when
// not nil, and the split of every row in out). Results equal the two calls.
func (k *Kernels) HashAndAssign(seed uint64, b *split.Boundaries, keys []uint64, group []int32, rowid []uint64, h, h2 []uint64, out []int32) error {
	n := len(keys)
	if len(rowid) != n || len(out) != n || (group != nil && len(group) != n) || (h != nil && len(h) != n) || (h2 != nil && len(h2) != n) {
		return fmt.Errorf("gpu: hash and assign: lengths differ: keys %d, group %d, rowid %d, h %d, h2 %d, out %d",
			n, len(group), len(rowid), len(h), len(h2), len(out))
	}
	t, err := compileCuts(b)
	if err != nil {
		return err
	}
	ng := len(t.off) - 1
	if n > 0 && ng == 0 {
		return fmt.Errorf("split: Assign: rows in group 0, but the table has no groups")
	}
	return k.chunked("gpu: hash and assign", n, func(bf *buffers, lo, hi int) error {
		m := hi - lo
		kp, err := bf.in(asBytes(keys[lo:hi]))
		if err != nil {
			return err
		}
		hp, err := bf.alloc(m * 8)
		if err != nil {
			return err
		}
		var h2p DevPtr
		if h2 != nil {
			if h2p, err = bf.alloc(m * 8); err != nil {
				return err
			}
		}
		if err := k.launchRows("k_seeded2", m, seed, uint64(kp), uint64(hp), uint64(h2p), uint64(m)); err != nil {
			return err
		}
		var gp DevPtr
		if group != nil {
			if gp, err = bf.in(asBytes(group[lo:hi])); err != nil {
				return err
			}
		}
		rp, err := bf.in(asBytes(rowid[lo:hi]))
		if err != nil {
			return err
		}
		ch, err := bf.in(asBytes(append(t.h[:len(t.h):len(t.h)], 0)))
		if err != nil {
			return err
		}
		cr, err := bf.in(asBytes(append(t.r[:len(t.r):len(t.r)], 0)))
		if err != nil {
			return err
		}
		op, err := bf.in(asBytes(t.off))
		if err != nil {
			return err
		}
		o, err := bf.alloc(m * 4)
		if err != nil {
			return err
		}
		bad := []uint64{math.MaxUint64}
		bp, err := bf.in(asBytes(bad))
		if err != nil {
			return err
		}
		// The split kernel reads the hashes where the hash kernel left them.
		if err := k.launchRows("k_assign", m, uint64(gp), uint64(hp), uint64(rp), uint64(ch), uint64(cr), uint64(op), uint64(ng), uint64(o), uint64(m), uint64(bp)); err != nil {
			return err
		}
		if err := k.dev.CopyOut(asBytes(bad), bp); err != nil {
			return err
		}
		if bad[0] != math.MaxUint64 {
			i := lo + int(bad[0])
			return fmt.Errorf("split: Assign: row %d has group %d, the table has groups 0..%d", i, group[i], ng-1)
		}
		if h != nil {
			if err := k.dev.CopyOut(asBytes(h[lo:hi]), hp); err != nil {
				return err
			}
		}
		if h2 != nil {
			if err := k.dev.CopyOut(asBytes(h2[lo:hi]), h2p); err != nil {
				return err
			}
		}
		return k.dev.CopyOut(asBytes(out[lo:hi]), o)
	})
}
