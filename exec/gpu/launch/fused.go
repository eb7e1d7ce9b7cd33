package launch

import (
	"fmt"

	"github.com/sluice-ml/sluice/exec/split"

	"github.com/sluice-ml/sluice/exec/gpu/device"
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
	var bad BadRows
	err = k.Pipelined("gpu: hash and assign", n, func(lo, hi int) (ins, outs [][]byte) {
		var g []byte
		if group != nil {
			g = device.AsBytes(group[lo:hi])
		}
		ins = append([][]byte{device.AsBytes(keys[lo:hi]), g, device.AsBytes(rowid[lo:hi])}, t.inputs()...)
		outs = [][]byte{device.AsBytes(out[lo:hi]), bad.Slot(lo), nil, nil}
		if h != nil {
			outs[2] = device.AsBytes(h[lo:hi])
		}
		if h2 != nil {
			outs[3] = device.AsBytes(h2[lo:hi])
		}
		return ins, outs
	}, func(s device.Stream, b *Buffers, in, o []device.DevPtr, lo, hi int) error {
		m := hi - lo
		hp := o[2]
		if hp == 0 { // the hashes stay on the device: a scratch buffer
			var err error
			if hp, err = b.Alloc(m * 8); err != nil {
				return err
			}
		}
		if err := k.LaunchOn(s, "k_seeded2", m, seed, uint64(in[0]), uint64(hp), uint64(o[3]), uint64(m)); err != nil {
			return err
		}
		// The split kernel reads the hashes where the hash kernel left them.
		return k.launchAssign(s, &t, [3]device.DevPtr{in[3], in[4], in[5]}, in[1], hp, in[2], o[0], o[1], m)
	})
	if err != nil {
		return err
	}
	if i := bad.First(); i >= 0 {
		return fmt.Errorf("gpu: hash and assign: split: Assign: row %d has group %d, the table has groups 0..%d", i, group[i], ng-1)
	}
	return nil
}
