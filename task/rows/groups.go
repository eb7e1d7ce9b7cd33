package rows

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// GroupKeys maps the rows of a batch to the distinct values of the split.by
// columns. Keys are encoded as strings (one per distinct value, computed once
// per batch for dictionary columns); rows get a local index into keys.
//
// The encoding orders like the values for one int64 column only through the
// sort of the driver, which is by encoded string: group ids are an internal
// numbering, never visible in the output.
type GroupKeys struct {
	Cols []int // the key columns' indices
	// scratch
	local []int32
	keys  []string
	ints  map[int64]int32
	strs  map[string]int32
}

func NewGroupKeys(schema *arrow.Schema, by []string) (*GroupKeys, error) {
	g := &GroupKeys{ints: map[int64]int32{}, strs: map[string]int32{}}
	for _, name := range by {
		idx := schema.FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("split.by: no column %q in the data", name)
		}
		g.Cols = append(g.Cols, idx[0])
	}
	return g, nil
}

const NullKey = "\x00null"

// rows returns the local key index of each row and the distinct keys. The
// slices are reused by the next call.
func (g *GroupKeys) Rows(b arrow.RecordBatch) ([]int32, []string) {
	n := int(b.NumRows())
	g.local = Resize(g.local, n)
	g.keys = g.keys[:0]
	if len(g.Cols) == 0 {
		for i := range g.local {
			g.local[i] = 0
		}
		g.keys = append(g.keys, "")
		return g.local, g.keys
	}
	if len(g.Cols) == 1 {
		switch c := b.Column(g.Cols[0]).(type) {
		case *array.Dictionary:
			dict, ok := c.Dictionary().(*array.String)
			if ok {
				idx := c.Indices().(*array.Int32).Int32Values()
				nd := dict.Len()
				for i := 0; i < nd; i++ {
					g.keys = append(g.keys, "s"+dict.Value(i))
				}
				if c.NullN() == 0 {
					copy(g.local, idx)
				} else {
					g.keys = append(g.keys, NullKey)
					for i := 0; i < n; i++ {
						if c.IsNull(i) {
							g.local[i] = int32(nd)
						} else {
							g.local[i] = idx[i]
						}
					}
				}
				return g.local, g.keys
			}
		case *array.Int64:
			clear(g.ints)
			vals := c.Int64Values()
			nullIdx := int32(-1)
			for i, v := range vals {
				if c.IsNull(i) {
					if nullIdx < 0 {
						nullIdx = int32(len(g.keys))
						g.keys = append(g.keys, NullKey)
					}
					g.local[i] = nullIdx
					continue
				}
				id, ok := g.ints[v]
				if !ok {
					id = int32(len(g.keys))
					g.ints[v] = id
					g.keys = append(g.keys, IntKey(v))
				}
				g.local[i] = id
			}
			return g.local, g.keys
		}
	}
	// General case: encode each row's tuple.
	clear(g.strs)
	var sb strings.Builder
	for i := 0; i < n; i++ {
		sb.Reset()
		for _, ci := range g.Cols {
			encodeValue(&sb, b.Column(ci), i)
		}
		k := sb.String()
		id, ok := g.strs[k]
		if !ok {
			id = int32(len(g.keys))
			g.strs[k] = id
			g.keys = append(g.keys, k)
		}
		g.local[i] = id
	}
	return g.local, g.keys
}

// encodeValue appends one value's key: a type tag, the value's length and
// the value, so that no tuple of values can spell another tuple's key. Floats
// are canonical (-0 is +0, every NaN is one NaN), as in hashing.Float64 and
// the aggregate keys.
func encodeValue(sb *strings.Builder, col arrow.Array, i int) {
	if col.IsNull(i) {
		sb.WriteString(NullKey)
		return
	}
	var tag byte
	var v string
	switch c := col.(type) {
	case *array.Int64:
		tag, v = 'i', strconv.FormatInt(c.Value(i), 10)
	case *array.Float64:
		x := c.Value(i)
		bits := math.Float64bits(x)
		if x == 0 {
			bits = 0
		} else if x != x {
			bits = 0x7ff8000000000000
		}
		tag, v = 'f', strconv.FormatUint(bits, 16)
	case *array.Boolean:
		tag, v = 'b', strconv.FormatBool(c.Value(i))
	case *array.Timestamp:
		sb.WriteString(TimeKey(int64(c.Value(i))))
		return
	case *array.String:
		tag, v = 's', c.Value(i)
	case *array.Dictionary:
		tag = 's'
		if d, ok := c.Dictionary().(*array.String); ok {
			v = d.Value(c.GetValueIndex(i))
		}
	default:
		tag, v = '?', col.ValueStr(i)
	}
	sb.WriteByte(tag)
	sb.WriteString(strconv.Itoa(len(v)))
	sb.WriteByte(':')
	sb.WriteString(v)
}

// GlobalGroups maps encoded keys to the dense group ids fixed by the driver.
type GlobalGroups struct {
	IDs map[string]int32 // encoded key -> group id
	buf []int32
	out []int32
	// byValue: for a single dictionary split.by column, the group id of
	// each string value (the key "s"+value without its tag), built once
	// so that a batch's dictionary maps to ids without building keys.
	byValue map[string]int32
	// byDict: the group ids of a dictionary's entries, by the dictionary
	// (batches read from one cache file share its dictionary).
	byDict dictTranslations
}

// dictTranslations keeps, per dictionary (by identity), what its entries
// map to: batches read from one cache file share its dictionary.
type dictTranslations map[arrow.ArrayData][]int32

// maxDictMemo bounds the dictionaries whose translations are kept (by
// GlobalGroups.DictRows and the shard sources' unifiers); past it they are
// dropped and built again on demand.
const maxDictMemo = 4096

// put keeps t for dictionary d, dropping every kept one first when
// maxDictMemo are kept.
func (m *dictTranslations) put(d arrow.ArrayData, t []int32) {
	if *m == nil || len(*m) >= maxDictMemo {
		*m = make(dictTranslations)
	}
	(*m)[d] = t
}

// SingleDict returns the batch's split.by column when it is the only one
// and a dictionary of strings (the case DictRows serves).
func (g *GroupKeys) SingleDict(b arrow.RecordBatch) (*array.Dictionary, bool) {
	if len(g.Cols) != 1 {
		return nil, false
	}
	c, ok := b.Column(g.Cols[0]).(*array.Dictionary)
	if !ok {
		return nil, false
	}
	if _, ok := c.Dictionary().(*array.String); !ok {
		return nil, false
	}
	if _, ok := c.Indices().(*array.Int32); !ok {
		return nil, false
	}
	return c, true
}

// DictRows is GroupKeys.Rows followed by Rows for a single dictionary
// column (see SingleDict): the same ids and errors, with one lookup per
// dictionary entry by its value and no key built (reused by the next call).
func (gg *GlobalGroups) DictRows(c *array.Dictionary) ([]int32, error) {
	if gg.byValue == nil {
		gg.byValue = make(map[string]int32, len(gg.IDs))
		for k, id := range gg.IDs {
			if strings.HasPrefix(k, "s") {
				gg.byValue[k[1:]] = id
			}
		}
	}
	dict := c.Dictionary().(*array.String)
	key := c.Data().Dictionary()
	ids, ok := gg.byDict[key]
	if !ok {
		ids = make([]int32, dict.Len())
		for i := range ids {
			id, ok := gg.byValue[dict.Value(i)]
			if !ok {
				id = -1
			}
			ids[i] = id
		}
		gg.byDict.put(key, ids)
	}
	idx := c.Indices().(*array.Int32).Int32Values()
	n := c.Len()
	gg.out = Resize(gg.out, n)
	if c.NullN() == 0 {
		for i, x := range idx {
			id := ids[x]
			if id < 0 {
				return nil, fmt.Errorf("row with split group %q not seen by the counting pass", "s"+dict.Value(int(x)))
			}
			gg.out[i] = id
		}
		return gg.out, nil
	}
	nullID := int32(-2) // not looked up yet
	for i := range n {
		var id int32
		if c.IsNull(i) {
			if nullID == -2 {
				nullID = -1
				if v, ok := gg.IDs[NullKey]; ok {
					nullID = v
				}
			}
			if id = nullID; id < 0 {
				return nil, fmt.Errorf("row with split group %q not seen by the counting pass", NullKey)
			}
		} else if id = ids[idx[i]]; id < 0 {
			return nil, fmt.Errorf("row with split group %q not seen by the counting pass", "s"+dict.Value(int(idx[i])))
		}
		gg.out[i] = id
	}
	return gg.out, nil
}

// ids returns the global group id of every row (reused by the next call).
func (gg *GlobalGroups) Rows(local []int32, keys []string) ([]int32, error) {
	gg.buf = Resize(gg.buf, len(keys))
	for i, k := range keys {
		id, ok := gg.IDs[k]
		if !ok {
			id = -1
		}
		gg.buf[i] = id
	}
	gg.out = Resize(gg.out, len(local))
	for i, l := range local {
		id := gg.buf[l]
		if id < 0 {
			return nil, fmt.Errorf("row with split group %q not seen by the counting pass", keys[l])
		}
		gg.out[i] = id
	}
	return gg.out, nil
}

func Resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// IntKey is the group key of an int64 value in a single int64 split.by
// column (the fast path of rows), shared with the GPU group count.
func IntKey(v int64) string { return "i" + strconv.FormatInt(v, 10) }

// TimeKey is the key of a timestamp value (the general path's encoding).
func TimeKey(v int64) string {
	s := strconv.FormatInt(v, 10)
	return "t" + strconv.Itoa(len(s)) + ":" + s
}
