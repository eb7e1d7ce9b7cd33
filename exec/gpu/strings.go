package gpu

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluice-ml/sluice/hashing"
)

// strColumn is a string column laid out for upload: n+1 offsets (int32,
// or int64 when wide) into data.
type strColumn struct {
	offs32 []int32
	offs64 []int64
	data   []byte
	n      int
}

func (s strColumn) wide() uint64 { return b2u(s.offs64 != nil) }

// span returns the offsets of rows [lo, hi] and the data they point into,
// with the offset of the data's first byte.
func (s strColumn) span(lo, hi int) (offs, data []byte, base int64) {
	var a, b int64
	if s.offs64 != nil {
		a, b = s.offs64[lo], s.offs64[hi]
		offs = asBytes(s.offs64[lo : hi+1])
	} else {
		a, b = int64(s.offs32[lo]), int64(s.offs32[hi])
		offs = asBytes(s.offs32[lo : hi+1])
	}
	return offs, s.data[a:b], a
}

// stringsOf lays out a utf8 or large_utf8 array (ok false for other types).
func stringsOf(col arrow.Array) (strColumn, bool) {
	s := strColumn{n: col.Len()}
	switch a := col.(type) {
	case *array.String:
		s.offs32 = a.ValueOffsets()
	case *array.LargeString:
		s.offs64 = a.ValueOffsets()
	default:
		return s, false
	}
	if bufs := col.Data().Buffers(); len(bufs) > 2 && bufs[2] != nil {
		s.data = bufs[2].Bytes()
	}
	return s, true
}

// dictStrings returns the int32 indices and the utf8 dictionary of a
// dictionary column; an error wrapping ErrUnsupported for other index or
// value types.
func dictStrings(what string, col arrow.Array) ([]int32, strColumn, error) {
	d, ok := col.(*array.Dictionary)
	if !ok {
		return nil, strColumn{}, fmt.Errorf("%s: column type %s: %w because it is not a dictionary", what, col.DataType(), ErrUnsupported)
	}
	idx, ok := d.Indices().(*array.Int32)
	dict, sok := stringsOf(d.Dictionary())
	if !ok || !sok || d.Dictionary().DataType().ID() != arrow.STRING {
		return nil, strColumn{}, fmt.Errorf("%s: column type %s: %w because the GPU kernels take dictionary<int32, utf8>", what, col.DataType(), ErrUnsupported)
	}
	return idx.Int32Values(), dict, nil
}

// isStringColumn reports whether col is utf8, large_utf8 or a dictionary.
func isStringColumn(col arrow.Array) bool {
	switch col.DataType().ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.DICTIONARY:
		return true
	}
	return false
}

// uploadStrings copies a whole string column to the device and hashes
// every entry there: the device buffer of n hashes (no nulls: the caller
// maps them).
func (k *Kernels) uploadHashes(b *buffers, s strColumn) (DevPtr, error) {
	out, err := b.alloc(max(s.n, 1) * 8)
	if err != nil || s.n == 0 {
		return out, err
	}
	offs, data, base := s.span(0, s.n)
	op, err := b.in(offs)
	if err != nil {
		return 0, err
	}
	dp, err := b.in(data)
	if err != nil {
		return 0, err
	}
	return out, k.launchRows("k_hash_strings", s.n, uint64(op), s.wide(), uint64(base), uint64(dp), 0, 0, uint64(out), uint64(s.n))
}

// hashStrings is HashColumn for string, large_string and dictionary columns.
func (k *Kernels) hashStrings(col arrow.Array, out []uint64) error {
	n := col.Len()
	var valid []byte
	noff := col.Data().Offset()
	if col.NullN() > 0 {
		valid = col.NullBitmapBytes()
	}
	if s, ok := stringsOf(col); ok {
		return k.pipelined("gpu: hash strings", n, func(lo, hi int) (ins, outs [][]byte) {
			offs, data, _ := s.span(lo, hi)
			v, _ := bitRange(valid, noff, lo, hi)
			return [][]byte{offs, data, v}, [][]byte{asBytes(out[lo:hi])}
		}, func(st Stream, _ *buffers, in, o []DevPtr, lo, hi int) error {
			_, _, base := s.span(lo, hi)
			_, voff := bitRange(valid, noff, lo, hi)
			dp := in[1]
			if dp == 0 { // every string empty: any readable pointer
				dp = in[0]
			}
			return k.launchOn(st, "k_hash_strings", hi-lo, uint64(in[0]), s.wide(), uint64(base), uint64(dp), uint64(in[2]), uint64(voff), uint64(o[0]), uint64(hi-lo))
		})
	}
	idx, dict, err := dictStrings("gpu: hash", col)
	if err != nil {
		return err
	}
	return k.withResident("gpu: hash dictionary", func(b *buffers) (DevPtr, error) { return k.uploadHashes(b, dict) },
		func(hd DevPtr) error { return k.gatherU64(idx, dict.n, hd, valid, noff, out) })
}

// withResident builds device data once (the dictionary's hashes or ids),
// runs use with it, and frees it. Out of memory while building it gives
// ErrFallback: it cannot be split.
func (k *Kernels) withResident(what string, build func(b *buffers) (DevPtr, error), use func(p DevPtr) error) error {
	b, err := k.newBuffers()
	if err != nil {
		return noPool(what, err)
	}
	defer b.free()
	p, err := build(b)
	if err != nil {
		return noPool(what, err)
	}
	return use(p)
}

// gatherU64 streams the indices through k_gather_u64: out[i] =
// per[idx[i]], NullTag for null rows.
func (k *Kernels) gatherU64(idx []int32, nper int, per DevPtr, valid []byte, noff int, out []uint64) error {
	var bad badRows
	err := k.pipelined("gpu: gather", len(idx), func(lo, hi int) (ins, outs [][]byte) {
		v, _ := bitRange(valid, noff, lo, hi)
		return [][]byte{asBytes(idx[lo:hi]), v}, [][]byte{asBytes(out[lo:hi]), bad.slot(lo)}
	}, func(s Stream, _ *buffers, in, o []DevPtr, lo, hi int) error {
		_, voff := bitRange(valid, noff, lo, hi)
		if err := s.Launch("k_fill_u64", 1, 1, uint64(o[1]), math.MaxUint64, 1); err != nil {
			return err
		}
		return k.launchOn(s, "k_gather_u64", hi-lo, uint64(in[0]), uint64(per), uint64(nper), uint64(in[1]), uint64(voff), hashing.NullTag, uint64(o[0]), uint64(hi-lo), uint64(o[1]))
	})
	if err != nil {
		return err
	}
	if i := bad.first(); i >= 0 {
		return fmt.Errorf("gpu: dictionary index %d at row %d is outside the dictionary of %d entries", idx[i], i, nper)
	}
	return nil
}
