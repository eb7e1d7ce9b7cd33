package expr

import (
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// strView sees a string column as a table of distinct-ish values plus a
// per-row index into it: for a dictionary column the dictionary and its
// indices, for a plain utf8 column the strings themselves (idx nil: row i
// is entry i). Kernels evaluate a predicate once per table entry and then
// map the indices, so dictionary columns never compare strings per row.
type strView struct {
	dict *array.String
	idx  []int32
	arr  arrow.Array
}

func strViewOf(a arrow.Array) strView {
	if d, ok := a.(*array.Dictionary); ok {
		return strView{dict: d.Dictionary().(*array.String), idx: d.Indices().(*array.Int32).Int32Values(), arr: a}
	}
	return strView{dict: a.(*array.String), arr: a}
}

// validity returns the row validity from bit 0 (nil: no nulls): a row is
// null when its index is null or it points at a null dictionary entry.
func (v strView) validity(mem memory.Allocator, n int) *memory.Buffer {
	valid := validityOf(mem, v.arr)
	if v.idx == nil || v.dict.NullN() == 0 {
		return valid
	}
	if valid == nil {
		valid = newBitmap(mem, n)
		fillBytes(valid.Bytes(), 0xFF)
	}
	dictValid := make([]byte, v.dict.Len())
	for j := range dictValid {
		dictValid[j] = b2u(v.dict.IsValid(j))
	}
	vb := valid.Bytes()
	for i, j := range v.idx[:n] {
		if vb[i>>3]&(1<<(i&7)) != 0 {
			vb[i>>3] &^= (1 - dictValid[j]) << (i & 7)
		}
	}
	return valid
}

// mapTable writes bit i of out = tbl[entry of row i]; rows that are not
// valid (valid nil: all valid) are skipped, since their index may be any
// value.
func (v strView) mapTable(tbl []byte, valid *memory.Buffer, out []byte, n int) {
	if v.idx == nil {
		for i := range n {
			out[i>>3] |= tbl[i] << (i & 7)
		}
		return
	}
	idx := v.idx[:n]
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

// mapRanks writes out[i] = rank[entry of row i] (0 for invalid rows).
func (v strView) mapRanks(rank []int32, valid *memory.Buffer, out []int32) {
	if v.idx == nil {
		copy(out, rank)
		return
	}
	idx := v.idx[:len(out)]
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

func compareStr(op cmpOp, a, b string) bool {
	switch op {
	case opEq:
		return a == b
	case opNe:
		return a != b
	case opLt:
		return a < b
	case opLe:
		return a <= b
	case opGt:
		return a > b
	}
	return a >= b
}

// compareStrings compares string operands: against a scalar by a table
// over the dictionary; two columns by ranking both dictionaries in one
// sorted order and comparing the ranks per row.
func compareStrings(c *evalCtx, op cmpOp, lo, ro operand) (arrow.Array, error) {
	if lo.scalar() {
		lo, ro = ro, lo
		op = op.flip()
	}
	buf := newBitmap(c.mem, c.n)
	out := buf.Bytes()
	lv := strViewOf(lo.arr)
	lvalid := lv.validity(c.mem, c.n)
	if ro.scalar() {
		s := ro.c.s
		tbl := make([]byte, lv.dict.Len())
		for j := range tbl {
			tbl[j] = b2u(compareStr(op, lv.dict.Value(j), s))
		}
		lv.mapTable(tbl, lvalid, out, c.n)
		return makeArray(arrow.FixedWidthTypes.Boolean, c.n, lvalid, buf), nil
	}
	rv := strViewOf(ro.arr)
	rvalid := rv.validity(c.mem, c.n)
	lrank, rrank := unionRanks(lv.dict, rv.dict)
	lb, l := newValues[int32](c.mem, c.n)
	defer lb.Release()
	rb, r := newValues[int32](c.mem, c.n)
	defer rb.Release()
	lv.mapRanks(lrank, lvalid, l)
	rv.mapRanks(rrank, rvalid, r)
	compareAA[int32, int32, int32](op, l, r, out)
	valid := andInto(c.mem, c.n, lvalid, rvalid)
	if rvalid != nil && valid != rvalid {
		rvalid.Release()
	}
	return makeArray(arrow.FixedWidthTypes.Boolean, c.n, valid, buf), nil
}

// unionRanks gives every entry of a and b its rank among the distinct
// values of both, so that rank order is string order.
func unionRanks(a, b *array.String) ([]int32, []int32) {
	vals := make([]string, 0, a.Len()+b.Len())
	for j := range a.Len() {
		vals = append(vals, a.Value(j))
	}
	for j := range b.Len() {
		vals = append(vals, b.Value(j))
	}
	sort.Strings(vals)
	uniq := vals[:0]
	for i, s := range vals {
		if i == 0 || s != uniq[len(uniq)-1] {
			uniq = append(uniq, s)
		}
	}
	rank := func(d *array.String) []int32 {
		out := make([]int32, d.Len())
		for j := range out {
			out[j] = int32(sort.SearchStrings(uniq, d.Value(j)))
		}
		return out
	}
	return rank(a), rank(b)
}
