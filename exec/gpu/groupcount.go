package gpu

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
)

// groupEmpty marks a free slot of the device hash table (its key is
// counted apart).
const groupEmpty = uint64(1) << 63

// GroupCounts is the result of GroupCount: the distinct non-null keys in
// ascending order with their row counts, and the number of null rows.
type GroupCounts struct {
	Keys   []int64
	Counts []int64
	Nulls  int64
}

// GroupCount counts the rows of each distinct value of an int64 (or
// timestamp[us]) key column with a global-memory hash table filled by
// atomics. The counts are exact.
func (k *Kernels) GroupCount(col arrow.Array) (GroupCounts, error) {
	var res GroupCounts
	c, err := columnOf("group count", col)
	if err != nil {
		return res, err
	}
	if c.kind != kindInt64 {
		return res, fmt.Errorf("group count: key type %s: %w because the GPU hash table takes int64 and timestamp keys", col.DataType(), ErrUnsupported)
	}
	counts := map[int64]int64{}
	err = k.chunked("group count", c.n, func(b *buffers, lo, hi int) error {
		p := c.part(lo, hi)
		vals, valid, err := p.upload(b)
		if err != nil {
			return err
		}
		slots := 1 << bits.Len(uint(2*p.n)) // a power of two above 2n
		tk, err := b.alloc(slots * 8)
		if err != nil {
			return err
		}
		tc, err := b.alloc(slots * 8)
		if err != nil {
			return err
		}
		special := []uint64{0, 0}
		sp, err := b.in(asBytes(special))
		if err != nil {
			return err
		}
		if err := k.launchRows("k_fill_u64", slots, uint64(tk), groupEmpty, uint64(slots)); err != nil {
			return err
		}
		if err := k.launchRows("k_fill_u64", slots, uint64(tc), 0, uint64(slots)); err != nil {
			return err
		}
		if err := k.launchRows("k_groupcount", p.n, uint64(vals), uint64(valid), uint64(p.noff), uint64(p.n), uint64(tk), uint64(tc), uint64(slots-1), uint64(sp)); err != nil {
			return err
		}
		keys := make([]uint64, slots)
		cnts := make([]uint64, slots)
		if err := k.dev.CopyOut(asBytes(keys), tk); err != nil {
			return err
		}
		if err := k.dev.CopyOut(asBytes(cnts), tc); err != nil {
			return err
		}
		if err := k.dev.CopyOut(asBytes(special), sp); err != nil {
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
