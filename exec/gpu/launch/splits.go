package launch

import (
	"fmt"
	"math"

	"github.com/sluice-ml/sluice/exec/split"

	"github.com/sluice-ml/sluice/exec/gpu/device"
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

// BadRows records the error slot of every piece of a pipelined split
// assignment: the first row (in the piece) whose group is outside the
// table, MaxUint64 for none.
type BadRows struct {
	lo  []int
	bad [][]uint64
}

func (b *BadRows) Slot(lo int) []byte {
	v := []uint64{math.MaxUint64}
	b.lo, b.bad = append(b.lo, lo), append(b.bad, v)
	return device.AsBytes(v)
}

// First is the first bad row of the batch, or -1.
func (b *BadRows) First() int {
	row := -1
	for i, v := range b.bad {
		if v[0] != math.MaxUint64 && (row < 0 || b.lo[i]+int(v[0]) < row) {
			row = b.lo[i] + int(v[0])
		}
	}
	return row
}

// launchAssign queues the split kernel: the error slot reset, then k_assign.
func (k *Kernels) launchAssign(s device.Launcher, t *cutTable, cuts [3]device.DevPtr, group, h, rowid, out, bad device.DevPtr, m int) error {
	if err := s.Launch("k_fill_u64", 1, 1, uint64(bad), math.MaxUint64, 1); err != nil {
		return err
	}
	return k.LaunchOn(s, "k_assign", m, uint64(group), uint64(h), uint64(rowid), uint64(cuts[0]), uint64(cuts[1]), uint64(cuts[2]),
		uint64(len(t.off)-1), uint64(out), uint64(m), uint64(bad))
}

// cutInputs are the boundary table's device inputs (never empty).
func (t *cutTable) inputs() [][]byte {
	return [][]byte{device.AsBytes(append(t.h[:len(t.h):len(t.h)], 0)), device.AsBytes(append(t.r[:len(t.r):len(t.r)], 0)), device.AsBytes(t.off)}
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
	if n > 0 && len(t.off) == 1 {
		return fmt.Errorf("split: Assign: rows in group 0, but the table has no groups")
	}
	var bad BadRows
	err = k.Pipelined("gpu: split", n, func(lo, hi int) (ins, outs [][]byte) {
		var g []byte
		if group != nil {
			g = device.AsBytes(group[lo:hi])
		}
		return append([][]byte{g, device.AsBytes(h[lo:hi]), device.AsBytes(rowid[lo:hi])}, t.inputs()...),
			[][]byte{device.AsBytes(out[lo:hi]), bad.Slot(lo)}
	}, func(s device.Stream, b *Buffers, in, o []device.DevPtr, lo, hi int) error {
		return k.launchAssign(s, &t, [3]device.DevPtr{in[3], in[4], in[5]}, in[0], in[1], in[2], o[0], o[1], hi-lo)
	})
	if err != nil {
		return err
	}
	if i := bad.First(); i >= 0 {
		return fmt.Errorf("gpu: split: split: Assign: row %d has group %d, the table has groups 0..%d", i, group[i], len(t.off)-2)
	}
	return nil
}
