package groupby

import (
	"cmp"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/hashing"
)

// keyStore holds one key column's value for every group, as a fixed-width
// code: int64/timestamp values, float64 bits (canonical: -0 folded, one
// NaN), bool 0/1, or for strings an id into strs.
type keyStore struct {
	k     column.Type
	codes []int64
	valid []bool
	strs  []string         // TStr: interned strings by id
	ids   map[string]int32 // TStr: string -> id
}

func (s *keyStore) add(code int64, valid bool) {
	s.codes = append(s.codes, code)
	s.valid = append(s.valid, valid)
}

// intern returns the id of str, adding it when new.
func (s *keyStore) intern(str string) int32 {
	id, ok := s.ids[str]
	if !ok {
		id = int32(len(s.strs))
		s.strs = append(s.strs, str)
		s.ids[str] = id
	}
	return id
}

// compare orders groups a and b by this key: nulls first, then values
// ascending (floats by cmp.Compare, so NaN first among values).
func (s *keyStore) compare(a, b int32) int {
	va, vb := s.valid[a], s.valid[b]
	if !va || !vb {
		return cmp.Compare(column.B2I(va), column.B2I(vb))
	}
	ca, cb := s.codes[a], s.codes[b]
	switch s.k {
	case column.TFloat:
		return cmp.Compare(math.Float64frombits(uint64(ca)), math.Float64frombits(uint64(cb)))
	case column.TStr:
		return cmp.Compare(s.strs[ca], s.strs[cb])
	}
	return cmp.Compare(ca, cb)
}

// keyCodes fills codes/valid with the row codes of one key column of a
// batch (strings interned through store).
func keyCodes(col arrow.Array, store *keyStore, codes []int64, valid []bool) {
	n := col.Len()
	switch store.k {
	case column.TInt, column.TTime:
		copy(codes, column.Int64Values(col))
	case column.TFloat:
		for i, x := range col.(*array.Float64).Float64Values() {
			codes[i] = column.CanonBits(x)
		}
	case column.TBool:
		for i, b := range column.BoolBytes(col.(*array.Boolean), nil) {
			codes[i] = int64(b)
		}
	case column.TStr:
		indices, dict := column.DictParts(col)
		ids := make([]int64, dict.Len())
		for j := range ids {
			ids[j] = int64(store.intern(dict.Value(j)))
		}
		if col.NullN() == 0 {
			for i, ix := range indices {
				codes[i] = ids[ix]
			}
		} else {
			for i, ix := range indices {
				if column.IsValid(col, i) {
					codes[i] = ids[ix]
				}
			}
		}
	}
	if col.NullN() == 0 {
		for i := range valid[:n] {
			valid[i] = true
		}
		return
	}
	for i := 0; i < n; i++ {
		valid[i] = column.IsValid(col, i)
		if !valid[i] {
			codes[i] = 0
		}
	}
}

// groupTable maps the key columns of a batch to dense group ids, numbered
// in order of first appearance.
type groupTable interface {
	assign(cols []arrow.Array, gids []int32)
	bytes() int64
}

// int64Table: one int64 or timestamp key, open addressing on the value.
type int64Table struct {
	store *keyStore
	slots []int32 // group id + 1; 0 = empty
	mask  uint64
	null  int32 // group of the null key, -1 until seen
	n     int32
}

func newInt64Table(store *keyStore) *int64Table {
	return &int64Table{store: store, slots: make([]int32, 1024), mask: 1023, null: -1}
}

func (t *int64Table) grow() {
	old := t.slots
	t.slots = make([]int32, 2*len(old))
	t.mask = uint64(len(t.slots) - 1)
	for _, s := range old {
		if s == 0 {
			continue
		}
		h := hashing.Int64(t.store.codes[s-1]) & t.mask
		for t.slots[h] != 0 {
			h = (h + 1) & t.mask
		}
		t.slots[h] = s
	}
}

func (t *int64Table) find(v int64) int32 {
	codes := t.store.codes
	h := hashing.Int64(v) & t.mask
	for {
		s := t.slots[h]
		if s == 0 {
			break
		}
		if g := s - 1; codes[g] == v && t.store.valid[g] {
			return g
		}
		h = (h + 1) & t.mask
	}
	g := t.n
	t.n++
	t.store.add(v, true)
	t.slots[h] = g + 1
	if uint64(t.n)*2 > uint64(len(t.slots)) {
		t.grow()
	}
	return g
}

func (t *int64Table) assign(cols []arrow.Array, gids []int32) {
	col := cols[0]
	vals := column.Int64Values(col)
	if col.NullN() == 0 {
		for i, v := range vals {
			gids[i] = t.find(v)
		}
		return
	}
	for i, v := range vals {
		if column.IsValid(col, i) {
			gids[i] = t.find(v)
			continue
		}
		if t.null < 0 {
			t.null = t.n
			t.n++
			t.store.add(0, false)
		}
		gids[i] = t.null
	}
}

func (t *int64Table) bytes() int64 { return int64(len(t.slots))*4 + int64(cap(t.store.codes))*9 }

// dictTable: one dictionary string key; each batch maps its dictionary to
// groups once, then rows through their indices.
type dictTable struct {
	store *keyStore
	null  int32
	n     int32
	bymap []int32 // scratch: dictionary index -> group
}

func newDictTable(store *keyStore) *dictTable { return &dictTable{store: store, null: -1} }

func (t *dictTable) assign(cols []arrow.Array, gids []int32) {
	col := cols[0]
	indices, dict := column.DictParts(col)
	if cap(t.bymap) < dict.Len() {
		t.bymap = make([]int32, dict.Len())
	}
	m := t.bymap[:dict.Len()]
	for j := range m {
		m[j] = -1
	}
	// Entries are resolved on first use, so dictionary entries no row
	// refers to create no group.
	if col.NullN() == 0 {
		for i, ix := range indices {
			g := m[ix]
			if g < 0 {
				g = t.resolve(dict, ix)
				m[ix] = g
			}
			gids[i] = g
		}
		return
	}
	for i, ix := range indices {
		if !column.IsValid(col, i) {
			if t.null < 0 {
				t.null = t.n
				t.n++
				t.store.add(0, false)
			}
			gids[i] = t.null
			continue
		}
		g := m[ix]
		if g < 0 {
			g = t.resolve(dict, ix)
			m[ix] = g
		}
		gids[i] = g
	}
}

// resolve returns the group of dictionary entry ix, creating it when new.
func (t *dictTable) resolve(dict *array.String, ix int32) int32 {
	s := dict.Value(int(ix))
	id, ok := t.store.ids[s]
	if !ok {
		id = t.store.intern(s)
		t.store.add(int64(id), true)
		t.n++
	}
	return t.groupOfID(id)
}

// groupOfID maps a string id to its group: ids at or above the null
// group's position are shifted by one.
func (t *dictTable) groupOfID(id int32) int32 {
	if t.null >= 0 && id >= t.null {
		return id + 1
	}
	return id
}

func (t *dictTable) bytes() int64 {
	var n int64
	for _, s := range t.store.strs {
		n += int64(len(s)) + 48
	}
	return n + int64(cap(t.store.codes))*9
}

// multiTable: any keys; rows are hashed from their fixed-width codes and
// compared column by column.
type multiTable struct {
	stores []*keyStore
	hashes []uint64 // per group
	slots  []int32
	mask   uint64
	n      int32
	codes  [][]int64 // scratch per column
	valid  [][]bool
	rowh   []uint64
}

func newMultiTable(stores []*keyStore) *multiTable {
	return &multiTable{stores: stores, slots: make([]int32, 1024), mask: 1023,
		codes: make([][]int64, len(stores)), valid: make([][]bool, len(stores))}
}

func (t *multiTable) assign(cols []arrow.Array, gids []int32) {
	n := len(gids)
	if cap(t.rowh) < n {
		t.rowh = make([]uint64, n)
	}
	rowh := t.rowh[:n]
	for c, col := range cols {
		if cap(t.codes[c]) < n {
			t.codes[c] = make([]int64, n)
			t.valid[c] = make([]bool, n)
		}
		codes, valid := t.codes[c][:n], t.valid[c][:n]
		keyCodes(col, t.stores[c], codes, valid)
		if c == 0 {
			for i := range rowh {
				rowh[i] = hashing.IntTag
			}
		}
		for i, code := range codes {
			h := hashing.NullTag
			if valid[i] {
				h = uint64(code)
			}
			rowh[i] = hashing.Mix(rowh[i] ^ hashing.Mix(h+uint64(c)))
		}
	}
	for i, h := range rowh {
		gids[i] = t.find(i, h)
	}
}

func (t *multiTable) find(row int, h uint64) int32 {
	p := h & t.mask
	for {
		s := t.slots[p]
		if s == 0 {
			break
		}
		if g := s - 1; t.hashes[g] == h && t.equal(g, row) {
			return g
		}
		p = (p + 1) & t.mask
	}
	g := t.n
	t.n++
	for c, st := range t.stores {
		st.add(t.codes[c][row], t.valid[c][row])
	}
	t.hashes = append(t.hashes, h)
	t.slots[p] = g + 1
	if uint64(t.n)*2 > uint64(len(t.slots)) {
		t.grow()
	}
	return g
}

func (t *multiTable) equal(g int32, row int) bool {
	for c, st := range t.stores {
		if st.codes[g] != t.codes[c][row] || st.valid[g] != t.valid[c][row] {
			return false
		}
	}
	return true
}

func (t *multiTable) grow() {
	old := t.slots
	t.slots = make([]int32, 2*len(old))
	t.mask = uint64(len(t.slots) - 1)
	for _, s := range old {
		if s == 0 {
			continue
		}
		p := t.hashes[s-1] & t.mask
		for t.slots[p] != 0 {
			p = (p + 1) & t.mask
		}
		t.slots[p] = s
	}
}

func (t *multiTable) bytes() int64 {
	n := int64(len(t.slots))*4 + int64(cap(t.hashes))*8
	for _, st := range t.stores {
		n += int64(cap(st.codes)) * 9
		for _, s := range st.strs {
			n += int64(len(s)) + 48
		}
	}
	return n
}
