package aggregate

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/exec/cpu/groupby"
	"github.com/sluice-ml/sluice/vocab"

	"github.com/sluice-ml/sluice/exec/gpu/device"

	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

// Aggregate ops of k_groupagg_reduce (match kernels/groupagg.cu).
const (
	gaCountStar = 0
	gaCount     = 1
	gaSum       = 2
	gaMoments   = 3
	gaMin       = 4
	gaMax       = 5
)

// Radix sort shape (match kernels/groupagg.cu).
const (
	gaRadixBits = 8
	gaRadix     = 1 << gaRadixBits
	gaTile      = 256
)

// gaMaxRows bounds a batch so that slot numbers (up to 4n+2) fit the
// kernels' uint32 slot and row indices.
const gaMaxRows = 1 << 29

// gaPlan is one checked GroupAggregate call: the key column, and per
// aggregate its op and value column (-1 for count()).
type gaPlan struct {
	partial *arrow.Schema
	key     int
	ops     []int64
	cols    []int
}

// GroupAggregateSupport reports whether GroupAggregate runs keys and aggs
// over batches of schema on the device: nil, or an error wrapping
// device.ErrUnsupported that says why (the engine then aggregates on the CPU).
// Errors of the specification itself (an unknown column) are the errors
// groupby.NewGroupBy gives.
func GroupAggregateSupport(keys []string, aggs []groupby.AggSpec, schema *arrow.Schema) error {
	_, err := planGroupAgg(keys, aggs, schema)
	return err
}

func planGroupAgg(keys []string, aggs []groupby.AggSpec, schema *arrow.Schema) (*gaPlan, error) {
	g, err := groupby.NewGroupBy(keys, aggs, schema)
	if err != nil {
		return nil, err
	}
	if len(keys) != 1 {
		return nil, fmt.Errorf("group aggregate: %d key columns: %w because the GPU hash table takes one int64 or timestamp[us] key", len(keys), device.ErrUnsupported)
	}
	p := &gaPlan{partial: g.PartialSchema(), key: schema.FieldIndices(keys[0])[0]}
	if r := KeyReason(schema.Field(p.key).Type); r != "" {
		return nil, fmt.Errorf("group aggregate: key %q: %w because %s", keys[0], device.ErrUnsupported, r)
	}
	for _, a := range aggs {
		if a.Column == "" { // count(); NewGroupBy checked the function
			p.ops, p.cols = append(p.ops, gaCountStar), append(p.cols, -1)
			continue
		}
		c := schema.FieldIndices(a.Column)[0]
		dt := schema.Field(c).Type
		var op int64
		switch a.Func {
		case vocab.AggCount:
			op = gaCount
		case vocab.AggSum:
			op = gaSum
		case vocab.AggMean, vocab.AggStd, vocab.AggVar:
			op = gaMoments
		case vocab.AggMin:
			op = gaMin
		case vocab.AggMax:
			op = gaMax
		default:
			return nil, fmt.Errorf("group aggregate: %s(%s): %w because the device has no distinct-value sets (count_distinct runs on the CPU engine)", a.Func, a.Column, device.ErrUnsupported)
		}
		if r := ValueReason(dt); r != "" {
			return nil, fmt.Errorf("group aggregate: %s(%s): %w because %s", a.Func, a.Column, device.ErrUnsupported, r)
		}
		p.ops, p.cols = append(p.ops, op), append(p.cols, c)
	}
	return p, nil
}

// KeyReason is "" for the key types of the device hash table.
func KeyReason(dt arrow.DataType) string {
	switch t := dt.(type) {
	case *arrow.Int64Type:
		return ""
	case *arrow.TimestampType:
		if t.Unit == arrow.Microsecond {
			return ""
		}
	}
	return fmt.Sprintf("the GPU hash table takes one int64 or timestamp[us] key, not %s", dt)
}

// ValueReason is "" for the value types the device aggregates (sum and
// the moments of timestamps are refused earlier, by groupby.NewGroupBy).
func ValueReason(dt arrow.DataType) string {
	switch t := dt.(type) {
	case *arrow.Int64Type, *arrow.Float64Type:
		return ""
	case *arrow.TimestampType:
		if t.Unit == arrow.Microsecond {
			return ""
		}
	}
	return fmt.Sprintf("the device aggregates int64, float64 and timestamp[us] columns, not %s", dt)
}

// GroupAggregate is the partial side of a hash aggregation on the device
// for one batch: it returns (+1) exactly the batch that
//
//	g, _ := groupby.NewGroupBy(keys, aggs, batch.Schema())
//	g.Update(batch)
//	g.PartialBatch(mem)
//
// returns: schema g.PartialSchema(), one row per group in order of first
// appearance, a null key as its own group, every state bit for bit
// (integer sums wrap like Go's int64; float sums, means and M2 are folded
// in row order with exec/cpu's loop, so they are bit-identical; NaN is
// missing). Merge it like any CPU partial (groupby.GroupBy.MergePartial, or
// the exchange's final side).
//
// The device supports one int64 or timestamp[us] key and count(),
// count/sum/mean/std/var of int64 and float64 columns, count/min/max of
// int64, float64 and timestamp[us] columns; anything else gives an error
// wrapping device.ErrUnsupported (see GroupAggregateSupport). The batch is never
// split, because pieces would round floats differently: when it does not
// fit in device memory the error wraps device.ErrFallback and the caller runs it
// on the CPU (with the same result).
func GroupAggregate(k *launch.Kernels, mem memory.Allocator, batch arrow.RecordBatch, keys []string, aggs []groupby.AggSpec) (arrow.RecordBatch, error) {
	p, err := planGroupAgg(keys, aggs, batch.Schema())
	if err != nil {
		return nil, err
	}
	n := int(batch.NumRows())
	if n > gaMaxRows {
		return nil, fmt.Errorf("group aggregate: %d rows: %w (at most %d rows a batch)", n, device.ErrFallback, gaMaxRows)
	}
	res := gaResult{plan: p}
	if n > 0 {
		b, err := k.NewBuffers()
		if err != nil {
			return nil, launch.NoPool("group aggregate", err)
		}
		err = groupAggregate(k, b, batch, p, &res)
		if ferr := b.Free(); err == nil {
			err = ferr
		}
		if err != nil {
			return nil, gaError(err)
		}
	}
	return res.build(mem, batch)
}

// gaError classifies a device error: out of memory becomes device.ErrFallback.
func gaError(err error) error {
	if errors.Is(err, device.ErrOutOfMemory) {
		return fmt.Errorf("group aggregate: %w (%v)", device.ErrFallback, err)
	}
	return fmt.Errorf("group aggregate: %w", err)
}

// gaResult is the host side of a group aggregation: per group (in order of
// first appearance) the key and its validity, and per aggregate the
// kernel's output words.
type gaResult struct {
	plan     *gaPlan
	keys     []int64
	keyValid []bool
	outs     [][3][]uint64
}

// groupAggregate runs the kernels over the whole batch.
func groupAggregate(k *launch.Kernels, b *launch.Buffers, batch arrow.RecordBatch, p *gaPlan, res *gaResult) error {
	n := int(batch.NumRows())
	kc, err := launch.ColumnOf("group aggregate", batch.Column(p.key))
	if err != nil {
		return err
	}
	kv, kvalid, err := kc.Upload(b)
	if err != nil {
		return err
	}
	slots := 1 << bits.Len(uint(2*n)) // a power of two above 2n
	tk, err := b.Alloc(slots * 8)
	if err != nil {
		return err
	}
	tf, err := b.Alloc((slots + 2) * 8)
	if err != nil {
		return err
	}
	rowslot, err := b.Alloc(n * 4)
	if err != nil {
		return err
	}
	if err := k.LaunchRows("k_fill_u64", slots, uint64(tk), groupEmpty, uint64(slots)); err != nil {
		return err
	}
	if err := k.LaunchRows("k_fill_u64", slots+2, uint64(tf), ^uint64(0), uint64(slots+2)); err != nil {
		return err
	}
	if err := k.LaunchRows("k_groupagg_slots", n, uint64(kv), uint64(kvalid), uint64(kc.NOff), uint64(n), uint64(tk), uint64(tf), uint64(slots-1), uint64(rowslot)); err != nil {
		return err
	}
	// Number the groups in order of first row, as exec/cpu does.
	tkeys := make([]uint64, slots)
	first := make([]uint64, slots+2)
	if err := k.Device().CopyOut(device.AsBytes(tkeys), tk); err != nil {
		return err
	}
	if err := k.Device().CopyOut(device.AsBytes(first), tf); err != nil {
		return err
	}
	order := make([]uint64, 0, min(n, slots+2)) // first row << 32 | slot
	for s, f := range first {
		if f != ^uint64(0) {
			order = append(order, f<<32|uint64(s))
		}
	}
	slices.Sort(order)
	groups := len(order)
	slotgid := make([]uint32, slots+2)
	res.keys = make([]int64, groups)
	res.keyValid = make([]bool, groups)
	for g, o := range order {
		s := int(uint32(o))
		slotgid[s] = uint32(g)
		switch {
		case s < slots:
			res.keys[g], res.keyValid[g] = int64(tkeys[s]), true
		case s == slots+1:
			res.keys[g], res.keyValid[g] = math.MinInt64, true
		}
	}
	sg, err := b.In(device.AsBytes(slotgid))
	if err != nil {
		return err
	}
	gid, err := b.Alloc(n * 4)
	if err != nil {
		return err
	}
	if err := k.LaunchRows("k_groupagg_gids", n, uint64(rowslot), uint64(sg), uint64(n), uint64(gid)); err != nil {
		return err
	}
	perm, start, err := sortByGroup(k, b, gid, n, groups)
	if err != nil {
		return err
	}
	return reduceGroups(k, b, batch, p, perm, start, groups, res)
}

// sortByGroup returns the rows in (group, row) order (0: the identity,
// for one group) and start[0..groups], each group's first position.
func sortByGroup(k *launch.Kernels, b *launch.Buffers, gid device.DevPtr, n, groups int) (perm, start device.DevPtr, err error) {
	starts := make([]uint32, groups+1)
	starts[groups] = uint32(n)
	if groups == 1 {
		start, err = b.In(device.AsBytes(starts))
		return 0, start, err
	}
	tiles := (n + gaTile - 1) / gaTile
	hist, err := b.Alloc(gaRadix * tiles * 4)
	if err != nil {
		return 0, 0, err
	}
	var bufs [2]device.DevPtr
	for i := range bufs {
		if bufs[i], err = b.Alloc(n * 4); err != nil {
			return 0, 0, err
		}
	}
	block, _ := k.Device().Shape()
	in := device.DevPtr(0)
	for shift, pass := 0, 0; shift < bits.Len(uint(groups-1)); shift, pass = shift+gaRadixBits, pass+1 {
		out := bufs[pass&1]
		if err := k.LaunchRows("k_radix_hist", tiles, uint64(gid), uint64(in), uint64(n), uint64(shift), uint64(hist), uint64(tiles)); err != nil {
			return 0, 0, err
		}
		if err := k.Device().Launch("k_scan_u32", 1, block, uint64(hist), uint64(gaRadix*tiles)); err != nil {
			return 0, 0, err
		}
		if err := k.LaunchRows("k_radix_scatter", tiles, uint64(gid), uint64(in), uint64(n), uint64(shift), uint64(hist), uint64(tiles), uint64(out)); err != nil {
			return 0, 0, err
		}
		in = out
	}
	if start, err = b.In(device.AsBytes(starts)); err != nil {
		return 0, 0, err
	}
	if err := k.LaunchRows("k_seg_starts", n, uint64(gid), uint64(in), uint64(n), uint64(start)); err != nil {
		return 0, 0, err
	}
	return in, start, nil
}

// reduceGroups folds every aggregate's rows per group and copies the
// states back.
func reduceGroups(k *launch.Kernels, b *launch.Buffers, batch arrow.RecordBatch, p *gaPlan, perm, start device.DevPtr, groups int, res *gaResult) error {
	uploaded := map[int][3]device.DevPtr{} // column -> values, validity, kind
	res.outs = make([][3][]uint64, len(p.ops))
	for i, op := range p.ops {
		var vals, valid device.DevPtr
		var kind, noff int64
		if c := p.cols[i]; c >= 0 {
			col, err := launch.ColumnOf("group aggregate", batch.Column(c))
			if err != nil {
				return err
			}
			u, ok := uploaded[c]
			if !ok {
				if u[0], u[1], err = col.Upload(b); err != nil {
					return err
				}
				uploaded[c] = u
			}
			vals, valid, kind, noff = u[0], u[1], col.Kind, int64(col.NOff)
		}
		words := gaWords(op)
		var dev [3]device.DevPtr
		for w := 0; w < words; w++ {
			d, err := b.Alloc(groups * 8)
			if err != nil {
				return err
			}
			dev[w] = d
		}
		if err := k.LaunchRows("k_groupagg_reduce", groups, uint64(op), uint64(vals), uint64(kind), uint64(valid), uint64(noff),
			uint64(perm), uint64(start), uint64(groups), uint64(dev[0]), uint64(dev[1]), uint64(dev[2])); err != nil {
			return err
		}
		for w := 0; w < words; w++ {
			res.outs[i][w] = make([]uint64, groups)
			if err := k.Device().CopyOut(device.AsBytes(res.outs[i][w]), dev[w]); err != nil {
				return err
			}
		}
	}
	return nil
}

// gaWords is the number of output words per group of an op.
func gaWords(op int64) int {
	switch op {
	case gaCountStar, gaCount:
		return 1
	case gaMoments:
		return 3
	}
	return 2
}

// build makes the partial batch (+1) of the result, in the layout of
// groupby.GroupBy.PartialBatch.
func (r *gaResult) build(mem memory.Allocator, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
	schema := r.plan.partial
	groups := len(r.keys)
	var cols []arrow.Array
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	cols = append(cols, gaArray(mem, schema.Field(0).Type, r.keys, r.keyValid))
	for i, op := range r.plan.ops {
		var o [3][]uint64 // no rows: no groups, no outputs
		if groups > 0 {
			o = r.outs[i]
		}
		f := len(cols)
		switch op {
		case gaCountStar, gaCount:
			cols = append(cols, gaArray(mem, schema.Field(f).Type, o[0], nil))
		case gaSum:
			cols = append(cols, gaArray(mem, schema.Field(f).Type, o[0], nil), gaArray(mem, schema.Field(f+1).Type, o[1], nil))
		case gaMoments:
			for w := 0; w < 3; w++ {
				cols = append(cols, gaArray(mem, schema.Field(f+w).Type, o[w], nil))
			}
		default: // min, max: the value, null when the group has none
			set := make([]bool, groups)
			for g := range set {
				set[g] = o[1][g] != 0
			}
			cols = append(cols, gaArray(mem, schema.Field(f).Type, o[0], set))
		}
	}
	return array.NewRecordBatch(schema, cols, int64(groups)), nil
}

// gaArray copies 8-byte values (and valid, when not nil and with a
// false entry) into a new array of type dt (+1).
func gaArray[T int64 | uint64](mem memory.Allocator, dt arrow.DataType, vals []T, valid []bool) arrow.Array {
	n := len(vals)
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * 8)
	copy(buf.Bytes(), device.AsBytes(vals))
	var nb *memory.Buffer
	nulls := 0
	for _, v := range valid {
		if !v {
			nulls++
		}
	}
	if nulls > 0 {
		nb = memory.NewResizableBuffer(mem)
		nb.Resize(int(bitutil.BytesForBits(int64(n))))
		bm := nb.Bytes()
		clear(bm)
		for i, v := range valid {
			if v {
				bitutil.SetBit(bm, i)
			}
		}
	}
	data := array.NewData(dt, n, []*memory.Buffer{nb, buf}, nil, nulls, 0)
	buf.Release()
	if nb != nil {
		nb.Release()
	}
	defer data.Release()
	return array.MakeFromData(data)
}
