package groupby

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/hashing"
)

// build returns the key values of groups in order as an array of type dt
// (+1).
func (s *keyStore) build(mem memory.Allocator, order []int32, dt arrow.DataType) arrow.Array {
	valid := gather(s.valid, order)
	switch s.k {
	case column.TFloat:
		f := make([]float64, len(order))
		for i, g := range order {
			f[i] = math.Float64frombits(uint64(s.codes[g]))
		}
		return float64Array(mem, f, valid)
	case column.TBool:
		return boolArray(mem, gather(s.codes, order), valid)
	case column.TStr:
		strs := make([]string, len(order))
		for i, g := range order {
			if s.valid[g] {
				strs[i] = s.strs[s.codes[g]]
			}
		}
		return dictArray(mem, strs, valid)
	}
	b := column.NewOutBuf(mem, dt, len(order), 8)
	copy(b.Int64s(), gather(s.codes, order))
	b.ValidityFrom(mem, valid)
	return b.Finish()
}

// KeyHashes fills out[i] (len(out) >= rows) with the hash of row i's key,
// for partitioning: per key column hashing.Int64 (int64, timestamp),
// hashing.Float64, hashing.Bool, hashing.String (strings) or
// hashing.NullTag (null); one key's hash is its column hash, and further
// keys fold in as h = hashing.Mix(bits.RotateLeft64(h, 5) ^ hc). The key
// columns are found by name, so the input batches and PartialBatch output
// hash alike.
func (g *GroupBy) KeyHashes(batch arrow.RecordBatch, out []uint64) error {
	n := int(batch.NumRows())
	if len(out) < n {
		return fmt.Errorf("group by: key hashes: out has %d slots for %d rows", len(out), n)
	}
	out = out[:n]
	var hc []uint64
	if len(g.keys) > 1 {
		hc = make([]uint64, n)
	}
	for c, name := range g.keys {
		idx := batch.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return fmt.Errorf("group by: key hashes: key column %q not in batch", name)
		}
		col := batch.Column(idx[0])
		if column.TypeOf(col.DataType()) != g.stores[c].k {
			return fmt.Errorf("group by: key hashes: key column %q is %s, want %s", name, column.TypeName(col.DataType()), g.stores[c].k)
		}
		dst := out
		if c > 0 {
			dst = hc
		}
		columnHashes(col, dst)
		if c > 0 {
			for i, h := range hc {
				out[i] = hashing.Mix(bits.RotateLeft64(out[i], 5) ^ h)
			}
		}
	}
	return nil
}

// columnHashes fills dst with the hashing package's hash of each value of
// a canonical column (hashing.NullTag for nulls).
func columnHashes(col arrow.Array, dst []uint64) {
	switch column.TypeOf(col.DataType()) {
	case column.TInt, column.TTime:
		for i, v := range column.Int64Values(col) {
			dst[i] = hashing.Int64(v)
		}
	case column.TFloat:
		for i, v := range col.(*array.Float64).Float64Values() {
			dst[i] = hashing.Float64(v)
		}
	case column.TBool:
		for i, b := range column.BoolBytes(col.(*array.Boolean), nil) {
			dst[i] = hashing.Int64(int64(b))
		}
	case column.TStr:
		indices, dict := column.DictParts(col)
		hs := make([]uint64, dict.Len())
		for j := range hs {
			hs[j] = hashing.String(dict.Value(j))
		}
		if col.NullN() == 0 {
			for i, ix := range indices {
				dst[i] = hs[ix]
			}
		} else {
			for i, ix := range indices {
				if column.IsValid(col, i) {
					dst[i] = hs[ix]
				}
			}
		}
	}
	if col.NullN() > 0 {
		for i := range dst {
			if !column.IsValid(col, i) {
				dst[i] = hashing.NullTag
			}
		}
	}
}
