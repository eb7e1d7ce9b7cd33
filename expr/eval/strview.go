package eval

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// StrView sees a string column as a table of distinct-ish values plus a
// per-row index into it: for a dictionary column the dictionary and its
// indices, for a plain utf8 column the strings themselves (Idx nil: row i
// is entry i). Kernels evaluate a predicate once per table entry and then
// map the indices, so dictionary columns never compare strings per row.
type StrView struct {
	Dict *array.String
	Idx  []int32
	Arr  arrow.Array
}

func StrViewOf(a arrow.Array) StrView {
	if d, ok := a.(*array.Dictionary); ok {
		return StrView{Dict: d.Dictionary().(*array.String), Idx: d.Indices().(*array.Int32).Int32Values(), Arr: a}
	}
	return StrView{Dict: a.(*array.String), Arr: a}
}

// Validity returns the row validity from bit 0 (nil: no nulls): a row is
// null when its index is null or it points at a null dictionary entry.
func (v StrView) Validity(mem memory.Allocator, n int) *memory.Buffer {
	valid := ValidityOf(mem, v.Arr)
	if v.Idx == nil || v.Dict.NullN() == 0 {
		return valid
	}
	if valid == nil {
		valid = NewBitmap(mem, n)
		FillBytes(valid.Bytes(), 0xFF)
	}
	dictValid := make([]byte, v.Dict.Len())
	for j := range dictValid {
		dictValid[j] = B2U(v.Dict.IsValid(j))
	}
	vb := valid.Bytes()
	for i, j := range v.Idx[:n] {
		if vb[i>>3]&(1<<(i&7)) != 0 {
			vb[i>>3] &^= (1 - dictValid[j]) << (i & 7)
		}
	}
	return valid
}

// MapTable writes bit i of out = tbl[entry of row i]; rows that are not
// valid (valid nil: all valid) are skipped, since their index may be any
// value.
func (v StrView) MapTable(tbl []byte, valid *memory.Buffer, out []byte, n int) {
	if v.Idx == nil {
		for i := range n {
			out[i>>3] |= tbl[i] << (i & 7)
		}
		return
	}
	idx := v.Idx[:n]
	if valid == nil {
		for i, j := range idx {
			out[i>>3] |= tbl[j] << (i & 7)
		}
		return
	}
	vb := valid.Bytes()
	for i, j := range idx {
		if vb[i>>3]&(1<<(i&7)) != 0 {
			out[i>>3] |= tbl[j] << (i & 7)
		}
	}
}

// MapRanks writes out[i] = rank[entry of row i] (0 for invalid rows).
func (v StrView) MapRanks(rank []int32, valid *memory.Buffer, out []int32) {
	if v.Idx == nil {
		copy(out, rank)
		return
	}
	idx := v.Idx[:len(out)]
	if valid == nil {
		for i, j := range idx {
			out[i] = rank[j]
		}
		return
	}
	vb := valid.Bytes()
	for i, j := range idx {
		if vb[i>>3]&(1<<(i&7)) != 0 {
			out[i] = rank[j]
		}
	}
}

// UsedEntries marks the entries that valid rows reference (valid nil: all
// rows), or returns nil when every entry is worth computing: a plain
// column, or a dictionary at most twice the rows. A dictionary shared by
// many batches can be far larger than one batch; computing only the
// entries in use keeps the work, and a computed result's dictionary, to
// the batch's size.
func (v StrView) UsedEntries(valid []byte, n int) []bool {
	if v.Idx == nil || v.Dict.Len() <= 2*n {
		return nil
	}
	used := make([]bool, v.Dict.Len())
	for i, j := range v.Idx[:n] {
		if valid == nil || valid[i>>3]&(1<<(i&7)) != 0 {
			used[j] = true
		}
	}
	return used
}

// Value is the string of row i (only for valid rows).
func (v StrView) Value(i int) string {
	if v.Idx == nil {
		return v.Dict.Value(i)
	}
	return v.Dict.Value(int(v.Idx[i]))
}

// GatherView writes out[i] = tbl[entry of row i], skipping rows that are
// not valid (valid nil: all valid), whose index may be any value.
func GatherView[T Fixed](v StrView, tbl []T, valid *memory.Buffer, out []T) {
	if v.Idx == nil {
		copy(out, tbl)
		return
	}
	idx := v.Idx[:len(out)]
	if valid == nil {
		for i, j := range idx {
			out[i] = tbl[j]
		}
		return
	}
	vb := valid.Bytes()
	for i, j := range idx {
		if vb[i>>3]&(1<<(i&7)) != 0 {
			out[i] = tbl[j]
		}
	}
}

// Entry is the table entry of row i.
func (v StrView) Entry(i int) int {
	if v.Idx == nil {
		return i
	}
	return int(v.Idx[i])
}

// Interner numbers distinct strings in first-seen order; Dict builds the
// dictionary of them.
type Interner struct {
	ids  map[string]int32
	vals []string
}

// ID is the number of s, given on its first sight.
func (in *Interner) ID(s string) int32 {
	if id, ok := in.ids[s]; ok {
		return id
	}
	if in.ids == nil {
		in.ids = map[string]int32{}
	}
	id := int32(len(in.vals))
	in.ids[s] = id
	in.vals = append(in.vals, s)
	return id
}

// IDBytes is ID for a string given as bytes; it copies b only when new.
func (in *Interner) IDBytes(b []byte) int32 {
	if id, ok := in.ids[string(b)]; ok {
		return id
	}
	return in.ID(string(b))
}

func (in *Interner) Dict(mem memory.Allocator) *array.String {
	return StringDict(mem, in.vals)
}
