package rows

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ShardSources holds the cached batches a shard-write task picks rows
// from, narrowed to the columns the output needs. The batches stay as
// read (decoded in place from the cache files); only dictionary columns
// change: each is re-indexed into one dictionary per column for the task
// (stored as plain int32 indices), so rows from any batch can be gathered
// together and the transforms see one dictionary.
type ShardSources struct {
	schema  *arrow.Schema // the columns kept, in cache order (dictionaries as in the cache)
	Stored  *arrow.Schema // schema of batches: dictionary columns as int32 indices
	Batches []arrow.RecordBatch
	dicts   []*dictUnifier // per column of schema; nil for other columns
}

// NewShardSources keeps the cache columns named by need.
func NewShardSources(cache *arrow.Schema, need []string) (*ShardSources, error) {
	want := map[string]bool{}
	for _, n := range need {
		want[n] = true
	}
	s := &ShardSources{}
	var fields, stored []arrow.Field
	for _, f := range cache.Fields() {
		if !want[f.Name] {
			continue
		}
		fields = append(fields, f)
		var u *dictUnifier
		if dt, ok := f.Type.(*arrow.DictionaryType); ok && dt.IndexType.ID() == arrow.INT32 && dt.ValueType.ID() == arrow.STRING {
			u = &dictUnifier{ids: map[string]int32{}}
			f = arrow.Field{Name: f.Name, Type: arrow.PrimitiveTypes.Int32, Nullable: f.Nullable}
		}
		s.dicts = append(s.dicts, u)
		stored = append(stored, f)
	}
	s.schema, s.Stored = arrow.NewSchema(fields, nil), arrow.NewSchema(stored, nil)
	return s, nil
}

// Add keeps b's columns (+1 on them) and returns the index of the kept
// batch.
func (s *ShardSources) Add(b arrow.RecordBatch, mem memory.Allocator) (int32, error) {
	cols := make([]arrow.Array, s.schema.NumFields())
	release := func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}
	for i, f := range s.schema.Fields() {
		idx := b.Schema().FieldIndices(f.Name)
		if len(idx) == 0 {
			release()
			return 0, fmt.Errorf("internal: column %q missing from the cache", f.Name)
		}
		c := b.Column(idx[0])
		if u := s.dicts[i]; u != nil {
			ix, err := u.reindex(c.(*array.Dictionary), mem)
			if err != nil {
				release()
				return 0, fmt.Errorf("column %s: %w", f.Name, err)
			}
			cols[i] = ix
			continue
		}
		c.Retain()
		cols[i] = c
	}
	s.Batches = append(s.Batches, array.NewRecordBatch(s.Stored, cols, b.NumRows()))
	release()
	return int32(len(s.Batches) - 1), nil
}

// DictLen is the number of values in the task's dictionaries so far: it
// grows when a batch adds a value, and Dictionaries must then be built
// again for the rows that use it.
func (s *ShardSources) DictLen() int {
	n := 0
	for _, u := range s.dicts {
		if u != nil {
			n += len(u.values)
		}
	}
	return n
}

// Restore turns a gathered batch of the stored schema back into the cache
// schema: dictionary columns get the task's dictionaries (+1).
func (s *ShardSources) Restore(b arrow.RecordBatch, dicts []arrow.Array) arrow.RecordBatch {
	cols := make([]arrow.Array, b.NumCols())
	for i, c := range b.Columns() {
		if d := dicts[i]; d != nil {
			cols[i] = array.NewDictionaryArray(s.schema.Field(i).Type.(*arrow.DictionaryType), c, d)
			continue
		}
		c.Retain()
		cols[i] = c
	}
	out := array.NewRecordBatch(s.schema, cols, b.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out
}

// Dictionaries builds the task's dictionary of every dictionary column
// (+1 each; nil for other columns).
func (s *ShardSources) Dictionaries(mem memory.Allocator) []arrow.Array {
	out := make([]arrow.Array, len(s.dicts))
	for i, u := range s.dicts {
		if u == nil {
			continue
		}
		b := array.NewStringBuilder(mem)
		b.AppendValues(u.values, nil)
		out[i] = b.NewArray()
		b.Release()
	}
	return out
}

func (s *ShardSources) Release() {
	for _, b := range s.Batches {
		b.Release()
	}
	s.Batches = nil
}

// dictUnifier maps the string dictionaries of many batches into one.
type dictUnifier struct {
	ids    map[string]int32
	values []string
	// the mapping of each dictionary seen into values, by the dictionary
	// (batches read from one cache file share its dictionary)
	byDict dictTranslations
}

// reindex returns c's indices into the unified dictionary, as int32 with
// c's validity (+1).
func (u *dictUnifier) reindex(c *array.Dictionary, mem memory.Allocator) (arrow.Array, error) {
	dict, ok := c.Dictionary().(*array.String)
	if !ok {
		return nil, fmt.Errorf("internal: dictionary of %s, want strings", c.Dictionary().DataType())
	}
	key := c.Data().Dictionary()
	tr, ok := u.byDict[key]
	if !ok {
		tr = make([]int32, dict.Len())
		for i := range tr {
			v := dict.Value(i)
			id, ok := u.ids[v]
			if !ok {
				id = int32(len(u.values))
				v = strings.Clone(v)
				u.ids[v] = id
				u.values = append(u.values, v)
			}
			tr[i] = id
		}
		u.byDict.put(key, tr)
	}
	idx := c.Indices().(*array.Int32).Int32Values()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(len(idx) * 4)
	out := arrow.Int32Traits.CastFromBytes(buf.Bytes())
	bad := func(j int, x int32) (arrow.Array, error) {
		buf.Release()
		return nil, fmt.Errorf("row %d: dictionary index %d outside [0, %d)", j, x, len(tr))
	}
	if c.NullN() == 0 {
		for j, x := range idx {
			if uint32(x) >= uint32(len(tr)) {
				return bad(j, x)
			}
			out[j] = tr[x]
		}
	} else {
		for j, x := range idx {
			if c.IsNull(j) {
				out[j] = 0
				continue
			}
			if uint32(x) >= uint32(len(tr)) {
				return bad(j, x)
			}
			out[j] = tr[x]
		}
	}
	var valid *memory.Buffer
	if c.NullN() > 0 {
		valid = memory.NewResizableBuffer(mem)
		valid.Resize(int(bitutil.BytesForBits(int64(len(idx)))))
		vb := valid.Bytes()
		for j := range idx {
			bitutil.SetBitTo(vb, j, c.IsValid(j))
		}
	}
	data := array.NewData(arrow.PrimitiveTypes.Int32, len(idx), []*memory.Buffer{valid, buf}, nil, c.NullN(), 0)
	buf.Release()
	if valid != nil {
		valid.Release()
	}
	defer data.Release()
	return array.MakeFromData(data), nil
}
