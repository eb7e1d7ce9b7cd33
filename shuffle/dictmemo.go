package shuffle

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A scan batch is cut into one piece per partition, and every piece keeps
// the batch's dictionary; a segment then merges pieces of many batches.
// Unifying those dictionaries per segment hashes each batch's dictionary
// once per partition. A dictMemo numbers one string dictionary column's
// values across the writer's segments and remembers every input
// dictionary's numbering, so each is hashed once.
type dictMemo struct {
	ids    map[string]int32
	values []string
	// trans maps an input dictionary (by identity) to the memo ids of its
	// entries. Holding the key keeps the identity from being reused; the
	// dictionary's buffers are still released by their owners.
	trans     map[arrow.ArrayData][]int32
	transSize int // entries held in trans
	// seg is, per memo id, its index in the segment dictionary being
	// built (-1: absent); used marks the entries of one piece's dictionary.
	seg  []int32
	used []bool
	// maxValues and maxTrans bound what the memo holds (see the defaults).
	maxValues, maxTrans int
}

// Bounds on what a memo holds: beyond maxMemoValues distinct values a
// column merges as before (per segment); beyond maxMemoTrans remembered
// entries the remembered numberings are dropped and rebuilt on demand.
const (
	maxMemoValues = 1 << 20
	maxMemoTrans  = 4 << 20
)

func newDictMemo() *dictMemo {
	return &dictMemo{ids: map[string]int32{}, trans: map[arrow.ArrayData][]int32{}, maxValues: maxMemoValues, maxTrans: maxMemoTrans}
}

// memoable reports whether a dictionary column of type dt merges through a
// memo: string values, int32 indices.
func memoable(dt arrow.DataType) bool {
	d, ok := dt.(*arrow.DictionaryType)
	return ok && d.IndexType.ID() == arrow.INT32 && d.ValueType.ID() == arrow.STRING
}

// transpose returns the memo ids of dictionary d's entries; false when the
// memo is full.
func (m *dictMemo) transpose(d arrow.ArrayData) ([]int32, bool) {
	if t, ok := m.trans[d]; ok {
		return t, true
	}
	strs := array.NewStringData(d)
	defer strs.Release()
	n := strs.Len()
	if len(m.values)+n > m.maxValues {
		// Only values not seen yet count; check them before giving up.
		fresh := 0
		for i := 0; i < n; i++ {
			if _, ok := m.ids[strs.Value(i)]; !ok {
				fresh++
			}
		}
		if len(m.values)+fresh > m.maxValues {
			return nil, false
		}
	}
	if m.transSize+n > m.maxTrans {
		clear(m.trans)
		m.transSize = 0
	}
	t := make([]int32, n)
	for i := range t {
		v := strs.Value(i)
		id, ok := m.ids[v]
		if !ok {
			id = int32(len(m.values))
			v = strings.Clone(v)
			m.ids[v] = id
			m.values = append(m.values, v)
			m.seg = append(m.seg, -1)
		}
		t[i] = id
	}
	m.trans[d] = t
	m.transSize += n
	return t, true
}

// merge concatenates parts (dictionary arrays of type dt, borrowed) into
// one array whose dictionary holds only the entries the rows use, in the
// order of their first use when the parts' used entries are read part by
// part in dictionary order: the order unifying the shrunk parts gives.
// Null rows get index 0. It returns nil when the memo is full (the caller
// merges another way).
func (m *dictMemo) merge(dt *arrow.DictionaryType, parts []arrow.Array, mem memory.Allocator) (arrow.Array, error) {
	trans := make([][]int32, len(parts))
	rows, nulls := 0, 0
	for i, p := range parts {
		t, ok := m.transpose(p.Data().Dictionary())
		if !ok {
			return nil, nil
		}
		trans[i] = t
		rows += p.Len()
		nulls += p.NullN()
	}
	ib := newBuf(mem, rows*4)
	dst := arrow.Int32Traits.CastFromBytes(ib.Bytes())
	var vb *memory.Buffer
	if nulls > 0 {
		vb = newBuf(mem, int(bitutil.BytesForBits(int64(rows))))
	}
	var order []int32 // memo ids in segment order
	reset := func() {
		for _, id := range order {
			m.seg[id] = -1
		}
	}
	off := 0
	for i, p := range parts {
		data := p.Data()
		t := trans[i]
		idx := arrow.GetValues[int32](data, 1)
		var valid []byte
		if p.NullN() > 0 && data.Buffers()[0] != nil {
			valid = data.Buffers()[0].Bytes()
		}
		if len(m.used) < len(t) {
			m.used = make([]bool, len(t))
		}
		used := m.used[:len(t)]
		if err := markUsedBool(idx, valid, data.Offset(), used); err != nil {
			reset()
			clear(used)
			ib.Release()
			releaseBuf(vb)
			return nil, err
		}
		for e, u := range used {
			if !u {
				continue
			}
			used[e] = false
			if id := t[e]; m.seg[id] < 0 {
				m.seg[id] = int32(len(order))
				order = append(order, id)
			}
		}
		out := dst[off : off+len(idx)]
		if valid == nil {
			for j, v := range idx {
				out[j] = m.seg[t[v]]
			}
		} else {
			for j, v := range idx {
				if k := data.Offset() + j; valid[k>>3]&(1<<(k&7)) != 0 {
					out[j] = m.seg[t[v]]
				} else {
					out[j] = 0
				}
			}
		}
		if vb != nil {
			if valid != nil {
				bitutil.CopyBitmap(valid, data.Offset(), p.Len(), vb.Bytes(), off)
			} else {
				bitutil.SetBitsTo(vb.Bytes(), int64(off), int64(p.Len()), true)
			}
		}
		off += p.Len()
	}
	sb := array.NewStringBuilder(mem)
	size := 0
	for _, id := range order {
		size += len(m.values[id])
	}
	sb.Reserve(len(order))
	sb.ReserveData(size)
	for _, id := range order {
		sb.Append(m.values[id])
	}
	dict := sb.NewStringArray()
	sb.Release()
	reset()
	defer dict.Release()
	out := array.NewDataWithDictionary(dt, rows, []*memory.Buffer{vb, ib}, nulls, 0, dict.Data().(*array.Data))
	releaseBuf(vb)
	ib.Release()
	defer out.Release()
	return array.MakeFromData(out), nil
}

// markUsedBool sets used[v] for every valid index v.
func markUsedBool(idx []int32, valid []byte, off int, used []bool) error {
	n := uint32(len(used))
	for i, v := range idx {
		if valid != nil {
			if k := off + i; valid[k>>3]&(1<<(k&7)) == 0 {
				continue
			}
		}
		if uint32(v) >= n {
			return fmt.Errorf("dictionary index %d outside the dictionary (%d entries)", v, n)
		}
		used[v] = true
	}
	return nil
}
