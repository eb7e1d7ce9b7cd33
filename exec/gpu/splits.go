package gpu

import (
	"fmt"
	"math"

	"github.com/sluice-ml/sluice/exec/split"
)

// cutTable is a boundary table laid out for the device: group g's cuts
// are (h, r)[off[g]:off[g+1]], ascending; -inf is (0, 0), +inf dropped.
type cutTable struct {
	h, r []uint64
	off  []int32
}

func compileCuts(b *split.Boundaries) (cutTable, error) {
	per := b.PerGroup()
	t := cutTable{off: make([]int32, len(per)+1)}
	for g, cuts := range per {
		for _, c := range cuts {
			switch c.Kind {
			case split.MinusInf:
				t.h, t.r = append(t.h, 0), append(t.r, 0)
			case split.Finite:
				t.h, t.r = append(t.h, c.Key.H), append(t.r, c.Key.RowID)
			}
		}
		if len(t.h) > math.MaxInt32 {
			return t, fmt.Errorf("gpu: split: %d cut points: at most %d allowed", len(t.h), math.MaxInt32)
		}
		t.off[g+1] = int32(len(t.h))
	}
	return t, nil
}

// AssignSplits is split.Boundaries.AssignInt32 on the device: out[i] = the
// number of cuts of group[i] that are <= Key{h[i], rowid[i]} (a nil group
// is group 0 for every row). It fails, as the CPU does, when the lengths
// differ or a row's group is outside the table.
func (k *Kernels) AssignSplits(b *split.Boundaries, group []int32, h, rowid []uint64, out []int32) error {
	n := len(h)
	if len(rowid) != n || len(out) != n || (group != nil && len(group) != n) {
		return fmt.Errorf("gpu: split: Assign: lengths differ: group %d, h %d, rowid %d, out %d", len(group), n, len(rowid), len(out))
	}
	t, err := compileCuts(b)
	if err != nil {
		return err
	}
	ng := len(t.off) - 1
	if n > 0 && ng == 0 {
		return fmt.Errorf("split: Assign: rows in group 0, but the table has no groups")
	}
	return k.chunked("gpu: split", n, func(bf *buffers, lo, hi int) error {
		m := hi - lo
		var gp DevPtr
		if group != nil {
			if gp, err = bf.in(asBytes(group[lo:hi])); err != nil {
				return err
			}
		}
		hp, err := bf.in(asBytes(h[lo:hi]))
		if err != nil {
			return err
		}
		rp, err := bf.in(asBytes(rowid[lo:hi]))
		if err != nil {
			return err
		}
		// Tables with no cuts still need valid pointers for the kernel.
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
		return k.dev.CopyOut(asBytes(out[lo:hi]), o)
	})
}
