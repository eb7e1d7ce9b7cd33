package aggregate

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/stats"

	"github.com/sluice-ml/sluice/exec/gpu/device"

	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

// groupEmpty marks a free slot of the device hash table (its key is
// counted apart).
const groupEmpty = uint64(1) << 63

// GroupCounts is the result of GroupCount: the distinct non-null keys in
// ascending order with their row counts, and the number of null rows.
type GroupCounts = cpu.GroupCounts

// GroupCount counts the rows of each distinct value of an int64 (or
// timestamp[us]) key column with a global-memory hash table filled by
// atomics. The counts are exact.
func GroupCount(k *launch.Kernels, col arrow.Array) (GroupCounts, error) {
	return groupCount(k, col, nil)
}

// groupCount is GroupCount over the selected rows (sel nil: every row;
// sel ascending, inside the column).
func groupCount(k *launch.Kernels, col arrow.Array, sel []int32) (GroupCounts, error) {
	var res GroupCounts
	c, err := launch.ColumnOf("group count", col)
	if err != nil {
		return res, err
	}
	if c.Kind != launch.KindInt64 {
		return res, fmt.Errorf("group count: key type %s: %w because the GPU hash table takes int64 and timestamp keys", col.DataType(), device.ErrUnsupported)
	}
	if len(sel) > 0 && (sel[0] < 0 || int(sel[len(sel)-1]) >= c.N) {
		return res, fmt.Errorf("selection vector out of range: rows %d..%d for an array of %d rows", sel[0], sel[len(sel)-1], c.N)
	}
	rows := c.N
	if sel != nil {
		rows = len(sel)
	}
	counts := map[int64]int64{}
	err = k.Chunked("group count", rows, func(b *launch.Buffers, lo, hi int) error {
		// With a selection the column is uploaded whole and the selection
		// is split; without, the column is.
		p := c
		var sp device.DevPtr
		var err error
		if sel != nil {
			if sp, err = b.In(device.AsBytes(sel[lo:hi])); err != nil {
				return err
			}
		} else {
			p = c.Part(lo, hi)
		}
		vals, valid, err := p.Upload(b)
		if err != nil {
			return err
		}
		m := hi - lo
		slots := 1 << bits.Len(uint(2*m)) // a power of two above 2m
		tk, err := b.Alloc(slots * 8)
		if err != nil {
			return err
		}
		tc, err := b.Alloc(slots * 8)
		if err != nil {
			return err
		}
		special := []uint64{0, 0}
		spc, err := b.In(device.AsBytes(special))
		if err != nil {
			return err
		}
		if err := k.LaunchRows("k_fill_u64", slots, uint64(tk), groupEmpty, uint64(slots)); err != nil {
			return err
		}
		if err := k.LaunchRows("k_fill_u64", slots, uint64(tc), 0, uint64(slots)); err != nil {
			return err
		}
		if err := k.LaunchRows("k_groupcount", m, uint64(vals), uint64(valid), uint64(p.NOff), uint64(sp), uint64(m), uint64(tk), uint64(tc), uint64(slots-1), uint64(spc)); err != nil {
			return err
		}
		keys := make([]uint64, slots)
		cnts := make([]uint64, slots)
		if err := k.Device().CopyOut(device.AsBytes(keys), tk); err != nil {
			return err
		}
		if err := k.Device().CopyOut(device.AsBytes(cnts), tc); err != nil {
			return err
		}
		if err := k.Device().CopyOut(device.AsBytes(special), spc); err != nil {
			return err
		}
		for s, key := range keys {
			if key != groupEmpty {
				counts[int64(key)] += int64(cnts[s])
			}
		}
		if special[1] > 0 {
			counts[math.MinInt64] += int64(special[1])
		}
		res.Nulls += int64(special[0])
		return nil
	})
	if err != nil {
		return GroupCounts{}, err
	}
	res.Keys = make([]int64, 0, len(counts))
	for key := range counts {
		res.Keys = append(res.Keys, key)
	}
	slices.Sort(res.Keys)
	res.Counts = make([]int64, len(res.Keys))
	for i, key := range res.Keys {
		res.Counts[i] = counts[key]
	}
	return res, nil
}

// ValueCounts is stats.ValueCounts.Update on the device for int64 and
// timestamp[us] columns (the vocabulary fit's counts): the counts of the
// selected rows (sel nil: every row) per distinct value from the global
// hash table, and the null rows. The counts are exact; merge the result
// into a running stats.ValueCounts with Merge. Other column types give an
// device.ErrUnsupported error.
func ValueCounts(k *launch.Kernels, col arrow.Array, sel []int32) (*stats.ValueCounts, error) {
	kind := column.KindInt64
	switch t := col.DataType().(type) {
	case *arrow.Int64Type:
	case *arrow.TimestampType:
		if t.Unit != arrow.Microsecond {
			return nil, fmt.Errorf("value counts: column type %s: %w because the engine's timestamps are timestamp[us]", col.DataType(), device.ErrUnsupported)
		}
		kind = column.KindTimestamp
	default:
		return nil, fmt.Errorf("value counts: column type %s: %w because the GPU hash table counts int64 and timestamp[us] values", col.DataType(), device.ErrUnsupported)
	}
	g, err := groupCount(k, col, sel)
	if err != nil {
		return nil, err
	}
	v := &stats.ValueCounts{Kind: kind, Ints: make(map[int64]int64, len(g.Keys)), Nulls: g.Nulls}
	for i, key := range g.Keys {
		v.Ints[key] = g.Counts[i]
	}
	return v, nil
}
