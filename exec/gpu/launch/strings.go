package launch

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluice-ml/sluice/hashing"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// StrColumn is a string column laid out for upload: n+1 offsets (int32,
// or int64 when wide) into data.
type StrColumn struct {
	Offs32 []int32
	Offs64 []int64
	Data   []byte
	N      int
}

func (s StrColumn) Wide() uint64 { return device.Bool(s.Offs64 != nil) }

// Span returns the offsets of rows [lo, hi] and the data they point into,
// with the offset of the data's first byte.
func (s StrColumn) Span(lo, hi int) (offs, data []byte, base int64) {
	var a, b int64
	if s.Offs64 != nil {
		a, b = s.Offs64[lo], s.Offs64[hi]
		offs = device.AsBytes(s.Offs64[lo : hi+1])
	} else {
		a, b = int64(s.Offs32[lo]), int64(s.Offs32[hi])
		offs = device.AsBytes(s.Offs32[lo : hi+1])
	}
	return offs, s.Data[a:b], a
}

// StringsOf lays out a utf8 or large_utf8 array (ok false for other types).
func StringsOf(col arrow.Array) (StrColumn, bool) {
	s := StrColumn{N: col.Len()}
	switch a := col.(type) {
	case *array.String:
		s.Offs32 = a.ValueOffsets()
	case *array.LargeString:
		s.Offs64 = a.ValueOffsets()
	default:
		return s, false
	}
	if bufs := col.Data().Buffers(); len(bufs) > 2 && bufs[2] != nil {
		s.Data = bufs[2].Bytes()
	}
	return s, true
}

// DictStrings returns the int32 indices and the utf8 dictionary of a
// dictionary column; an error wrapping device.ErrUnsupported for other index or
// value types.
func DictStrings(what string, col arrow.Array) ([]int32, StrColumn, error) {
	d, ok := col.(*array.Dictionary)
	if !ok {
		return nil, StrColumn{}, fmt.Errorf("%s: column type %s: %w because it is not a dictionary", what, col.DataType(), device.ErrUnsupported)
	}
	idx, ok := d.Indices().(*array.Int32)
	dict, sok := StringsOf(d.Dictionary())
	if !ok || !sok || d.Dictionary().DataType().ID() != arrow.STRING {
		return nil, StrColumn{}, fmt.Errorf("%s: column type %s: %w because the GPU kernels take dictionary<int32, utf8>", what, col.DataType(), device.ErrUnsupported)
	}
	return idx.Int32Values(), dict, nil
}

// IsStringColumn reports whether col is utf8, large_utf8 or a dictionary.
func IsStringColumn(col arrow.Array) bool {
	switch col.DataType().ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.DICTIONARY:
		return true
	}
	return false
}

// uploadStrings copies a whole string column to the device and hashes
// every entry there: the device buffer of n hashes (no nulls: the caller
// maps them).
func (k *Kernels) UploadHashes(b *Buffers, s StrColumn) (device.DevPtr, error) {
	out, err := b.Alloc(max(s.N, 1) * 8)
	if err != nil || s.N == 0 {
		return out, err
	}
	offs, data, base := s.Span(0, s.N)
	op, err := b.In(offs)
	if err != nil {
		return 0, err
	}
	dp, err := b.In(data)
	if err != nil {
		return 0, err
	}
	return out, k.LaunchRows("k_hash_strings", s.N, uint64(op), s.Wide(), uint64(base), uint64(dp), 0, 0, uint64(out), uint64(s.N))
}

// hashStrings is HashColumn for string, large_string and dictionary columns.
func (k *Kernels) hashStrings(col arrow.Array, out []uint64) error {
	n := col.Len()
	var valid []byte
	noff := col.Data().Offset()
	if col.NullN() > 0 {
		valid = col.NullBitmapBytes()
	}
	if s, ok := StringsOf(col); ok {
		return k.Pipelined("gpu: hash strings", n, func(lo, hi int) (ins, outs [][]byte) {
			offs, data, _ := s.Span(lo, hi)
			v, _ := BitRange(valid, noff, lo, hi)
			return [][]byte{offs, data, v}, [][]byte{device.AsBytes(out[lo:hi])}
		}, func(st device.Stream, _ *Buffers, in, o []device.DevPtr, lo, hi int) error {
			_, _, base := s.Span(lo, hi)
			_, voff := BitRange(valid, noff, lo, hi)
			dp := in[1]
			if dp == 0 { // every string empty: any readable pointer
				dp = in[0]
			}
			return k.LaunchOn(st, "k_hash_strings", hi-lo, uint64(in[0]), s.Wide(), uint64(base), uint64(dp), uint64(in[2]), uint64(voff), uint64(o[0]), uint64(hi-lo))
		})
	}
	idx, dict, err := DictStrings("gpu: hash", col)
	if err != nil {
		return err
	}
	return k.WithResident("gpu: hash dictionary", func(b *Buffers) (device.DevPtr, error) { return k.UploadHashes(b, dict) },
		func(hd device.DevPtr) error { return k.GatherU64(idx, dict.N, hd, valid, noff, out) })
}

// WithResident builds device data once (the dictionary's hashes or ids),
// runs use with it, and frees it. Out of memory while building it gives
// device.ErrFallback: it cannot be split.
func (k *Kernels) WithResident(what string, build func(b *Buffers) (device.DevPtr, error), use func(p device.DevPtr) error) error {
	b, err := k.NewBuffers()
	if err != nil {
		return NoPool(what, err)
	}
	defer b.Free()
	p, err := build(b)
	if err != nil {
		return NoPool(what, err)
	}
	return use(p)
}

// GatherU64 streams the indices through k_gather_u64: out[i] =
// per[idx[i]], NullTag for null rows.
func (k *Kernels) GatherU64(idx []int32, nper int, per device.DevPtr, valid []byte, noff int, out []uint64) error {
	var bad BadRows
	err := k.Pipelined("gpu: gather", len(idx), func(lo, hi int) (ins, outs [][]byte) {
		v, _ := BitRange(valid, noff, lo, hi)
		return [][]byte{device.AsBytes(idx[lo:hi]), v}, [][]byte{device.AsBytes(out[lo:hi]), bad.Slot(lo)}
	}, func(s device.Stream, _ *Buffers, in, o []device.DevPtr, lo, hi int) error {
		_, voff := BitRange(valid, noff, lo, hi)
		if err := s.Launch("k_fill_u64", 1, 1, uint64(o[1]), math.MaxUint64, 1); err != nil {
			return err
		}
		return k.LaunchOn(s, "k_gather_u64", hi-lo, uint64(in[0]), uint64(per), uint64(nper), uint64(in[1]), uint64(voff), hashing.NullTag, uint64(o[0]), uint64(hi-lo), uint64(o[1]))
	})
	if err != nil {
		return err
	}
	if i := bad.First(); i >= 0 {
		return fmt.Errorf("gpu: dictionary index %d at row %d is outside the dictionary of %d entries", idx[i], i, nper)
	}
	return nil
}
