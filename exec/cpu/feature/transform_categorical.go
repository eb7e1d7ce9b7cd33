package feature

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/hashing"
	"github.com/sluice-ml/sluice/vocab"
)

// vocabIndex maps values of one column kind to vocabulary ids (1-based).
type vocabIndex struct {
	ints  map[int64]int32 // int and time values (unless dense), float bits
	bools [2]int32
	strs  map[string]int32
	// An int or time vocabulary whose values span a small range is a
	// table instead: dense[v-lo] is the id of value v (0 = OOV).
	lo    int64
	dense []int32
}

// maxDenseSpan is the widest range of int values a vocabulary of n
// entries is tabled for (4 bytes per value of the range).
func maxDenseSpan(n int) uint64 { return uint64(min(max(1<<12, 8*n), 1<<20)) }

func newVocabIndex(vocab []column.Value, k column.Type) (*vocabIndex, error) {
	vi := &vocabIndex{ints: map[int64]int32{}, strs: map[string]int32{}}
	vals := make([]column.Value, len(vocab))
	for i, v := range vocab {
		cv, err := column.CoerceValue(v, k.String())
		if err != nil {
			return nil, fmt.Errorf("vocabulary entry %d: %w", i+1, err)
		}
		vals[i] = cv
	}
	if (k == column.TInt || k == column.TTime) && len(vals) > 0 {
		lo, hi := vals[0].I, vals[0].I
		for _, v := range vals {
			lo, hi = min(lo, v.I), max(hi, v.I)
		}
		if span := uint64(hi-lo) + 1; span != 0 && span <= maxDenseSpan(len(vals)) {
			vi.lo, vi.dense = lo, make([]int32, span)
			for i, v := range vals {
				vi.dense[v.I-lo] = int32(i + 1) // a repeated value keeps its last id, as the map did
			}
			return vi, nil
		}
	}
	for i, cv := range vals {
		id := int32(i + 1)
		switch k {
		case column.TInt, column.TTime:
			vi.ints[cv.I] = id
		case column.TFloat:
			vi.ints[column.CanonBits(cv.F)] = id
		case column.TBool:
			vi.bools[column.B2I(cv.B)] = id
		case column.TStr:
			vi.strs[cv.S] = id
		}
	}
	return vi, nil
}

// intID returns the vocabulary id of an int or time value (0 = OOV).
func (vi *vocabIndex) intID(v int64) int32 {
	if vi.dense == nil {
		return vi.ints[v]
	}
	// v-lo wraps for values far below lo: they fall outside the table too.
	if d := uint64(v - vi.lo); d < uint64(len(vi.dense)) {
		return vi.dense[d]
	}
	return 0
}

// id returns the vocabulary id of a single value of kind k (0 = OOV).
func (vi *vocabIndex) id(v column.Value, k column.Type) int32 {
	switch k {
	case column.TInt, column.TTime:
		return vi.intID(v.I)
	case column.TFloat:
		return vi.ints[column.CanonBits(v.F)]
	case column.TBool:
		return vi.bools[column.B2I(v.B)]
	}
	return vi.strs[v.S]
}

// applyCategorical computes per-row codes (vocabulary ids, or hash
// buckets), fills nulls, and builds the output columns.
func applyCategorical(f *Fitted, k column.Type, col arrow.Array, mem memory.Allocator) ([]arrow.Array, error) {
	n := col.Len()
	var fill *column.Value
	if f.Fill != nil {
		v, err := column.CoerceValue(*f.Fill, k.String())
		if err != nil {
			return nil, fmt.Errorf("fill: %w", err)
		}
		fill = &v
	}
	codes := make([]int32, n)
	var nullCode int32
	if f.Transform == vocab.THash {
		if f.Buckets < 1 {
			return nil, fmt.Errorf("hash needs buckets >= 1 (got %d)", f.Buckets)
		}
		hashCodes(col, k, codes, uint64(f.Buckets))
		nullCode = int32(hashing.NullTag % uint64(f.Buckets))
		if fill != nil {
			nullCode = int32(fill.Hash() % uint64(f.Buckets))
		}
	} else {
		vi, err := newVocabIndex(f.Vocab, k)
		if err != nil {
			return nil, err
		}
		vocabCodes(col, k, vi, codes)
		if fill != nil {
			nullCode = vi.id(*fill, k)
		}
	}
	if col.NullN() > 0 {
		for i := range codes {
			if !column.IsValid(col, i) {
				codes[i] = nullCode
			}
		}
	}
	if f.Transform != vocab.TOneHot {
		b := column.NewOutBuf(mem, arrow.PrimitiveTypes.Int32, n, 4)
		copy(b.Int32s(), codes)
		return []arrow.Array{b.Finish()}, nil
	}
	// onehot: column j (0-based) is 1 where the id is j+1; the last column
	// is the OOV column (id 0).
	cols := make([]arrow.Array, len(f.Vocab)+1)
	outs := make([][]float32, len(cols))
	bufs := make([]*column.OutBuf, len(cols))
	for j := range cols {
		bufs[j] = column.NewOutBuf(mem, arrow.PrimitiveTypes.Float32, n, 4)
		outs[j] = bufs[j].Float32s()
		clear(outs[j])
	}
	oov := len(f.Vocab)
	for i, c := range codes {
		j := oov
		if c > 0 {
			j = int(c - 1)
		}
		outs[j][i] = 1
	}
	for j, b := range bufs {
		cols[j] = b.Finish()
	}
	return cols, nil
}

// vocabCodes writes each valid row's vocabulary id (nulls left 0).
func vocabCodes(col arrow.Array, k column.Type, vi *vocabIndex, codes []int32) {
	switch k {
	case column.TInt, column.TTime:
		for i, v := range column.Int64Values(col)[:len(codes)] {
			codes[i] = vi.intID(v)
		}
	case column.TFloat:
		for i, v := range col.(*array.Float64).Float64Values() {
			codes[i] = vi.ints[column.CanonBits(v)]
		}
	case column.TBool:
		for i, b := range column.BoolBytes(col.(*array.Boolean), nil) {
			codes[i] = vi.bools[b]
		}
	case column.TStr:
		indices, dict := column.DictParts(col)
		ids := make([]int32, dict.Len())
		for j := range ids {
			ids[j] = vi.strs[dict.Value(j)]
		}
		mapIndices(codes, indices, ids, col)
	}
}

// hashCodes writes each valid row's hash bucket.
func hashCodes(col arrow.Array, k column.Type, codes []int32, buckets uint64) {
	switch k {
	case column.TInt, column.TTime:
		for i, v := range column.Int64Values(col) {
			codes[i] = int32(hashing.Int64(v) % buckets)
		}
	case column.TFloat:
		for i, v := range col.(*array.Float64).Float64Values() {
			codes[i] = int32(hashing.Float64(v) % buckets)
		}
	case column.TBool:
		b0, b1 := int32(hashing.Bool(false)%buckets), int32(hashing.Bool(true)%buckets)
		for i, b := range column.BoolBytes(col.(*array.Boolean), nil) {
			if b != 0 {
				codes[i] = b1
			} else {
				codes[i] = b0
			}
		}
	case column.TStr:
		indices, dict := column.DictParts(col)
		ids := make([]int32, dict.Len())
		for j := range ids {
			ids[j] = int32(hashing.String(dict.Value(j)) % buckets)
		}
		mapIndices(codes, indices, ids, col)
	}
}

// mapIndices sets codes[i] = per[indices[i]] for valid rows (a null row's
// index may be garbage, so it is not read).
func mapIndices(codes, indices, per []int32, col arrow.Array) {
	if col.NullN() == 0 {
		for i, ix := range indices {
			codes[i] = per[ix]
		}
		return
	}
	for i, ix := range indices {
		if column.IsValid(col, i) {
			codes[i] = per[ix]
		}
	}
}
