package transform

import (
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/hashing"
	"github.com/sluice-ml/sluice/vocab"

	"github.com/sluice-ml/sluice/exec/gpu/device"

	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

// coerce converts a fitted value to a column kind as exec/cpu does:
// int64 and timestamp interchange, integral floats fit integer columns,
// numbers fit float columns, 0/1 fit bool columns, strings only strings.
func coerce(v column.Value, k string) (column.Value, error) {
	if v.Kind == k || (k == column.KindTimestamp && v.Kind == column.KindInt64) || (k == column.KindInt64 && v.Kind == column.KindTimestamp) {
		v.Kind = k
		return v, nil
	}
	switch k {
	case column.KindFloat64:
		if f, ok := v.Float(); ok {
			return column.Value{Kind: k, F: f}, nil
		}
	case column.KindInt64, column.KindTimestamp:
		if v.Kind == column.KindFloat64 && v.F == math.Trunc(v.F) && math.Abs(v.F) < 1<<63 {
			return column.Value{Kind: k, I: int64(v.F)}, nil
		}
	case column.KindBool:
		if f, ok := v.Float(); ok && (f == 0 || f == 1) {
			return column.Value{Kind: k, B: f == 1}, nil
		}
	}
	return column.Value{}, fmt.Errorf("value %s (%s) does not fit a %s column", v.String(), v.Kind, k)
}

// kindName is the exec/cpu kind of a column.
func kindName(col arrow.Array) string {
	switch col.DataType().ID() {
	case arrow.INT64:
		return column.KindInt64
	case arrow.TIMESTAMP:
		return column.KindTimestamp
	case arrow.FLOAT64:
		return column.KindFloat64
	case arrow.BOOL:
		return column.KindBool
	}
	return column.KindString
}

// valueKey is the vocabulary key of a coerced value (k_vocab_values).
func valueKey(v column.Value) int64 {
	switch v.Kind {
	case column.KindFloat64:
		x := v.F
		if x == 0 {
			x = 0
		}
		if x != x {
			return 0x7ff8000000000000
		}
		return int64(math.Float64bits(x))
	case column.KindBool:
		if v.B {
			return 1
		}
		return 0
	}
	return v.I
}

// vocabTable is a fitted vocabulary laid out for the device: keys
// ascending with their ids (numeric columns), or the strings sorted by
// their xxHash64 (string columns); an entry given twice keeps its last
// id, as exec/cpu's map does.
type vocabTable struct {
	keys  []int64
	ids   []int32
	hash  []uint64
	offs  []int64
	data  []byte
	byStr map[string]int32
	byKey map[int64]int32
}

func newVocabTable(vocab []column.Value, kind string) (*vocabTable, error) {
	t := &vocabTable{byStr: map[string]int32{}, byKey: map[int64]int32{}}
	for i, v := range vocab {
		cv, err := coerce(v, kind)
		if err != nil {
			return nil, fmt.Errorf("vocabulary entry %d: %w", i+1, err)
		}
		if kind == column.KindString {
			t.byStr[cv.S] = int32(i + 1)
		} else {
			t.byKey[valueKey(cv)] = int32(i + 1)
		}
	}
	if kind != column.KindString {
		for key := range t.byKey {
			t.keys = append(t.keys, key)
		}
		slices.Sort(t.keys)
		for _, key := range t.keys {
			t.ids = append(t.ids, t.byKey[key])
		}
		if len(t.keys) == 0 { // never empty on the device
			t.keys, t.ids = []int64{0}, []int32{0}
		}
		return t, nil
	}
	type entry struct {
		h uint64
		s string
	}
	var es []entry
	for s := range t.byStr {
		es = append(es, entry{hashing.String(s), s})
	}
	slices.SortFunc(es, func(a, b entry) int {
		if a.h != b.h {
			if a.h < b.h {
				return -1
			}
			return 1
		}
		if a.s < b.s {
			return -1
		} else if a.s > b.s {
			return 1
		}
		return 0
	})
	t.offs = []int64{0}
	for _, e := range es {
		t.hash = append(t.hash, e.h)
		t.ids = append(t.ids, t.byStr[e.s])
		t.data = append(t.data, e.s...)
		t.offs = append(t.offs, int64(len(t.data)))
	}
	if len(es) == 0 {
		t.hash, t.ids = []uint64{0}, []int32{0}
	}
	t.data = append(t.data, 0) // never empty on the device
	return t, nil
}

// id is the vocabulary id of a coerced value (0: out of vocabulary).
func (t *vocabTable) id(v column.Value) int32 {
	if v.Kind == column.KindString {
		return t.byStr[v.S]
	}
	return t.byKey[valueKey(v)]
}

// applyVocab is Apply for vocab and onehot: int64, timestamp[us],
// float64, bool and dictionary<int32, utf8> columns.
func applyVocab(k *launch.Kernels, name string, f *feature.Fitted, col arrow.Array, mem memory.Allocator) ([]arrow.Field, []arrow.Array, error) {
	kind := kindName(col)
	var c launch.Column
	var idx []int32
	var dict launch.StrColumn
	var err error
	if kind == column.KindString {
		idx, dict, err = launch.DictStrings("feature "+name, col)
	} else {
		c, err = launch.ColumnOf("feature "+name, col)
	}
	if err != nil {
		return nil, nil, err
	}
	t, err := newVocabTable(f.Vocab, kind)
	if err != nil {
		return nil, nil, fmt.Errorf("feature %s: %w", name, err)
	}
	var nullCode int32
	if f.Fill != nil {
		fv, err := coerce(*f.Fill, kind)
		if err != nil {
			return nil, nil, fmt.Errorf("feature %s: fill: %w", name, err)
		}
		nullCode = t.id(fv)
	}
	n := col.Len()
	onehot := f.Transform == vocab.TOneHot
	ncols := len(f.Vocab) + 1
	width := 4
	if onehot {
		width = 4 * ncols
	}
	raw := make([]byte, n*width) // the codes, or each piece's one-hot block
	var pieces [][2]int
	io := func(lo, hi int) [][]byte {
		if len(pieces) > 0 && pieces[len(pieces)-1][0] == lo {
			pieces = pieces[:len(pieces)-1] // a piece redone smaller
		}
		pieces = append(pieces, [2]int{lo, hi})
		return [][]byte{raw[lo*width : hi*width]}
	}
	finish := func(s device.Stream, b *launch.Buffers, codes, out device.DevPtr, m int) error {
		if !onehot {
			return nil
		}
		return k.LaunchOn(s, "k_onehot", m, uint64(codes), uint64(ncols), uint64(out), uint64(m), uint64(m))
	}
	codesOf := func(b *launch.Buffers, o device.DevPtr, m int) (device.DevPtr, error) {
		if onehot {
			return b.Alloc(m * 4)
		}
		return o, nil
	}
	what := "feature " + name + ": " + f.Transform
	if kind == column.KindString {
		var valid []byte
		noff := col.Data().Offset()
		if col.NullN() > 0 {
			valid = col.NullBitmapBytes()
		}
		var bad launch.BadRows
		err = k.WithResident(what, func(b *launch.Buffers) (device.DevPtr, error) { return uploadVocabIDs(k, b, dict, t) }, func(ids device.DevPtr) error {
			return k.Pipelined(what, n, func(lo, hi int) (ins, outs [][]byte) {
				v, _ := launch.BitRange(valid, noff, lo, hi)
				return [][]byte{device.AsBytes(idx[lo:hi]), v}, append(io(lo, hi), bad.Slot(lo))
			}, func(s device.Stream, b *launch.Buffers, in, o []device.DevPtr, lo, hi int) error {
				m := hi - lo
				codes, err := codesOf(b, o[0], m)
				if err != nil {
					return err
				}
				_, voff := launch.BitRange(valid, noff, lo, hi)
				if err := s.Launch("k_fill_u64", 1, 1, uint64(o[1]), math.MaxUint64, 1); err != nil {
					return err
				}
				if err := k.LaunchOn(s, "k_gather_i32", m, uint64(in[0]), uint64(ids), uint64(dict.N), uint64(in[1]), uint64(voff), device.I64(int64(nullCode)), uint64(codes), uint64(m), uint64(o[1])); err != nil {
					return err
				}
				return finish(s, b, codes, o[0], m)
			})
		})
		if err == nil {
			if i := bad.First(); i >= 0 {
				err = fmt.Errorf("%s: dictionary index %d at row %d is outside the dictionary of %d entries", what, idx[i], i, dict.N)
			}
		}
	} else {
		err = k.Pipelined(what, n, func(lo, hi int) (ins, outs [][]byte) {
			p := c.Part(lo, hi)
			return [][]byte{p.Vals, p.Valid, device.AsBytes(t.keys), device.AsBytes(t.ids)}, io(lo, hi)
		}, func(s device.Stream, b *launch.Buffers, in, o []device.DevPtr, lo, hi int) error {
			p := c.Part(lo, hi)
			codes, err := codesOf(b, o[0], p.N)
			if err != nil {
				return err
			}
			if err := k.LaunchOn(s, "k_vocab_values", p.N, uint64(in[0]), uint64(p.Kind), uint64(p.VOff), uint64(in[1]), uint64(p.NOff),
				uint64(in[2]), uint64(in[3]), uint64(len(t.keys)), device.I64(int64(nullCode)), uint64(codes), uint64(p.N)); err != nil {
				return err
			}
			return finish(s, b, codes, o[0], p.N)
		})
	}
	if err != nil {
		return nil, nil, err
	}
	fields := f.OutputFields(name)
	if !onehot {
		return fields, []arrow.Array{fixedArray(mem, arrow.PrimitiveTypes.Int32, raw, n)}, nil
	}
	// Each piece's block holds its ncols columns one after another.
	cols := make([][]byte, ncols)
	for j := range cols {
		cols[j] = make([]byte, n*4)
	}
	for _, pc := range pieces {
		lo, hi := pc[0], pc[1]
		m := hi - lo
		block := raw[lo*width : hi*width]
		for j := range cols {
			copy(cols[j][lo*4:hi*4], block[j*m*4:(j+1)*m*4])
		}
	}
	arrs := make([]arrow.Array, ncols)
	for j := range arrs {
		arrs[j] = fixedArray(mem, arrow.PrimitiveTypes.Float32, cols[j], n)
	}
	return fields, arrs, nil
}

// fixedArray copies n 4-byte values into a new array without nulls (+1).
func fixedArray(mem memory.Allocator, dt arrow.DataType, vals []byte, n int) arrow.Array {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * 4)
	copy(buf.Bytes(), vals)
	data := array.NewData(dt, n, []*memory.Buffer{nil, buf}, nil, 0, 0)
	buf.Release()
	defer data.Release()
	return array.MakeFromData(data)
}

// uploadVocabIDs hashes the dictionary's entries on the device and looks
// each up in the vocabulary: the device buffer of per-entry ids.
func uploadVocabIDs(k *launch.Kernels, b *launch.Buffers, dict launch.StrColumn, t *vocabTable) (device.DevPtr, error) {
	ids, err := b.Alloc(max(dict.N, 1) * 4)
	if err != nil || dict.N == 0 {
		return ids, err
	}
	dh, err := k.UploadHashes(b, dict)
	if err != nil {
		return 0, err
	}
	offs, data, base := dict.Span(0, dict.N)
	if dict.Offs64 != nil {
		return 0, fmt.Errorf("gpu: vocabulary: large_utf8 dictionaries: %w", device.ErrUnsupported)
	}
	var ptrs [6]device.DevPtr
	for i, in := range [][]byte{offs, append(data[:len(data):len(data)], 0), device.AsBytes(t.hash), device.AsBytes(t.ids), device.AsBytes(t.offs), t.data} {
		if ptrs[i], err = b.In(in); err != nil {
			return 0, err
		}
	}
	nv := len(t.offs) - 1
	return ids, k.LaunchRows("k_vocab_strings", dict.N, uint64(ptrs[0]), uint64(base), uint64(ptrs[1]), uint64(dh), uint64(dict.N),
		uint64(ptrs[2]), uint64(ptrs[3]), uint64(ptrs[4]), uint64(ptrs[5]), uint64(nv), uint64(ids))
}
