package cpu

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/hashing"
	"github.com/sluice-ml/sluice/vocab"
)

// vocabIndex maps values of one column kind to vocabulary ids (1-based).
type vocabIndex struct {
	ints  map[int64]int32
	bools [2]int32
	strs  map[string]int32
}

func newVocabIndex(vocab []Value, k kind) (*vocabIndex, error) {
	vi := &vocabIndex{ints: map[int64]int32{}, strs: map[string]int32{}}
	for i, v := range vocab {
		cv, err := coerceValue(v, k.String())
		if err != nil {
			return nil, fmt.Errorf("vocabulary entry %d: %w", i+1, err)
		}
		id := int32(i + 1)
		switch k {
		case kInt, kTime:
			vi.ints[cv.I] = id
		case kFloat:
			vi.ints[canonBits(cv.F)] = id
		case kBool:
			vi.bools[b2i(cv.B)] = id
		case kStr:
			vi.strs[cv.S] = id
		}
	}
	return vi, nil
}

// id returns the vocabulary id of a single value of kind k (0 = OOV).
func (vi *vocabIndex) id(v Value, k kind) int32 {
	switch k {
	case kInt, kTime:
		return vi.ints[v.I]
	case kFloat:
		return vi.ints[canonBits(v.F)]
	case kBool:
		return vi.bools[b2i(v.B)]
	}
	return vi.strs[v.S]
}

// applyCategorical computes per-row codes (vocabulary ids, or hash
// buckets), fills nulls, and builds the output columns.
func applyCategorical(f *Fitted, k kind, col arrow.Array, mem memory.Allocator) ([]arrow.Array, error) {
	n := col.Len()
	var fill *Value
	if f.Fill != nil {
		v, err := coerceValue(*f.Fill, k.String())
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
			if !isValid(col, i) {
				codes[i] = nullCode
			}
		}
	}
	if f.Transform != vocab.TOneHot {
		b := newOutBuf(mem, arrow.PrimitiveTypes.Int32, n, 4)
		copy(b.int32s(), codes)
		return []arrow.Array{b.finish()}, nil
	}
	// onehot: column j (0-based) is 1 where the id is j+1; the last column
	// is the OOV column (id 0).
	cols := make([]arrow.Array, len(f.Vocab)+1)
	outs := make([][]float32, len(cols))
	bufs := make([]*outBuf, len(cols))
	for j := range cols {
		bufs[j] = newOutBuf(mem, arrow.PrimitiveTypes.Float32, n, 4)
		outs[j] = bufs[j].float32s()
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
		cols[j] = b.finish()
	}
	return cols, nil
}

// vocabCodes writes each valid row's vocabulary id (nulls left 0).
func vocabCodes(col arrow.Array, k kind, vi *vocabIndex, codes []int32) {
	switch k {
	case kInt, kTime:
		for i, v := range int64Values(col) {
			codes[i] = vi.ints[v]
		}
	case kFloat:
		for i, v := range col.(*array.Float64).Float64Values() {
			codes[i] = vi.ints[canonBits(v)]
		}
	case kBool:
		for i, b := range boolBytes(col.(*array.Boolean), nil) {
			codes[i] = vi.bools[b]
		}
	case kStr:
		indices, dict := dictParts(col)
		ids := make([]int32, dict.Len())
		for j := range ids {
			ids[j] = vi.strs[dict.Value(j)]
		}
		mapIndices(codes, indices, ids, col)
	}
}

// hashCodes writes each valid row's hash bucket.
func hashCodes(col arrow.Array, k kind, codes []int32, buckets uint64) {
	switch k {
	case kInt, kTime:
		for i, v := range int64Values(col) {
			codes[i] = int32(hashing.Int64(v) % buckets)
		}
	case kFloat:
		for i, v := range col.(*array.Float64).Float64Values() {
			codes[i] = int32(hashing.Float64(v) % buckets)
		}
	case kBool:
		b0, b1 := int32(hashing.Bool(false)%buckets), int32(hashing.Bool(true)%buckets)
		for i, b := range boolBytes(col.(*array.Boolean), nil) {
			if b != 0 {
				codes[i] = b1
			} else {
				codes[i] = b0
			}
		}
	case kStr:
		indices, dict := dictParts(col)
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
		if isValid(col, i) {
			codes[i] = per[ix]
		}
	}
}
