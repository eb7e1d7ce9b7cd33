package groupby

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/vocab"
)

// AggSpec is one aggregate: output Name, Func (one of vocab.AggFuncs)
// and Column ("" only for count()).
type AggSpec struct {
	Name   string
	Func   string
	Column string
}

// GroupBy is a hash aggregation over key columns. Groups are kept in a
// typed hash table: open addressing on the value for one int64/timestamp
// key, a per-batch dictionary-to-group mapping for one string key, and a
// combined hash of fixed-width key codes with typed equality otherwise.
// A null key is a group of its own. Float NaN values are treated as
// missing by every aggregate (pandas semantics); ±Inf are values.
//
// A GroupBy is not safe for concurrent use.
type GroupBy struct {
	keys    []string
	keyCols []int
	stores  []*keyStore
	table   groupTable
	aggs    []AggSpec
	aggCols []int // -1 for count()
	states  []aggState
	schema  *arrow.Schema
	partial *arrow.Schema
	gids    []int32
	groups  int
}

// NewGroupBy checks the keys and aggregates against schema and returns an
// empty aggregation. Keys and aggregated columns must have a canonical type
// (int64, float64, bool, timestamp[us], dictionary<int32, utf8>); sum,
// mean, std and var need int64 or float64.
func NewGroupBy(keys []string, aggs []AggSpec, schema *arrow.Schema) (*GroupBy, error) {
	g := &GroupBy{keys: keys, aggs: aggs, schema: schema}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			return nil, fmt.Errorf("group by: key %q given twice", k)
		}
		seen[k] = true
		i := schema.FieldIndices(k)
		if len(i) == 0 {
			return nil, fmt.Errorf("group by: key column %q not found (columns: %v)", k, fieldNames(schema))
		}
		kd := column.TypeOf(schema.Field(i[0]).Type)
		if kd == column.TInvalid {
			return nil, fmt.Errorf("group by: key column %q has unsupported type %s (allowed: %s)", k, schema.Field(i[0]).Type, column.AllowedTypes)
		}
		st := &keyStore{k: kd}
		if kd == column.TStr {
			st.ids = map[string]int32{}
		}
		g.keyCols = append(g.keyCols, i[0])
		g.stores = append(g.stores, st)
	}
	switch {
	case len(keys) == 1 && (g.stores[0].k == column.TInt || g.stores[0].k == column.TTime):
		g.table = newInt64Table(g.stores[0])
	case len(keys) == 1 && g.stores[0].k == column.TStr:
		g.table = newDictTable(g.stores[0])
	default:
		g.table = newMultiTable(g.stores)
	}
	for _, a := range aggs {
		st, col, err := newAggState(a, schema)
		if err != nil {
			return nil, err
		}
		if seen[a.Name] {
			return nil, fmt.Errorf("%s: output name %q is used twice", aggLabel(a), a.Name)
		}
		seen[a.Name] = true
		g.states = append(g.states, st)
		g.aggCols = append(g.aggCols, col)
	}
	var fields []arrow.Field
	for i, k := range g.keyCols {
		fields = append(fields, arrow.Field{Name: keys[i], Type: schema.Field(k).Type, Nullable: true})
	}
	for _, st := range g.states {
		fields = append(fields, st.partialFields()...)
	}
	g.partial = arrow.NewSchema(fields, nil)
	return g, nil
}

func aggLabel(a AggSpec) string { return a.Func + "(" + a.Column + ")" }

func fieldNames(s *arrow.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		out = append(out, f.Name)
	}
	return out
}

func newAggState(a AggSpec, schema *arrow.Schema) (aggState, int, error) {
	if !slices.Contains(vocab.AggFuncs, a.Func) {
		return nil, 0, fmt.Errorf("%s: unknown aggregate %q (allowed: %v)", aggLabel(a), a.Func, vocab.AggFuncs)
	}
	if a.Column == "" {
		if a.Func != vocab.AggCount {
			return nil, 0, fmt.Errorf("%s: %s needs a column", aggLabel(a), a.Func)
		}
		return &countAgg{name: a.Name, star: true}, -1, nil
	}
	i := schema.FieldIndices(a.Column)
	if len(i) == 0 {
		return nil, 0, fmt.Errorf("%s: column %q not found (columns: %v)", aggLabel(a), a.Column, fieldNames(schema))
	}
	dt := schema.Field(i[0]).Type
	k := column.TypeOf(dt)
	if k == column.TInvalid {
		return nil, 0, fmt.Errorf("%s: unsupported column type %s (allowed: %s)", aggLabel(a), dt, column.AllowedTypes)
	}
	numeric := k == column.TInt || k == column.TFloat
	switch a.Func {
	case vocab.AggCount:
		return &countAgg{name: a.Name}, i[0], nil
	case vocab.AggSum, vocab.AggMean, vocab.AggStd, vocab.AggVar:
		if !numeric {
			return nil, 0, fmt.Errorf("%s: %s needs a numeric column (got %s)", aggLabel(a), a.Func, k)
		}
		if a.Func == vocab.AggSum {
			return &sumAgg{name: a.Name, k: k}, i[0], nil
		}
		return &momentAgg{name: a.Name, fn: a.Func, k: k}, i[0], nil
	case vocab.AggMin, vocab.AggMax:
		return &minmaxAgg{name: a.Name, max: a.Func == vocab.AggMax, k: k, dt: dt}, i[0], nil
	default: // count_distinct
		return &distinctAgg{name: a.Name, k: k, dt: dt, ids: map[string]int64{}}, i[0], nil
	}
}

// checkBatch verifies that batch has the types the GroupBy was built for
// at the columns it reads.
func (g *GroupBy) checkBatch(batch arrow.RecordBatch, want *arrow.Schema, cols []int) error {
	s := batch.Schema()
	for _, c := range cols {
		if c < 0 {
			continue
		}
		if c >= s.NumFields() || !arrow.TypeEqual(s.Field(c).Type, want.Field(c).Type) {
			return fmt.Errorf("group by: batch schema %v does not match the schema the aggregation was planned for (%v)", s, want)
		}
	}
	return nil
}

func (g *GroupBy) assign(batch arrow.RecordBatch, keyCols []int) []int32 {
	n := int(batch.NumRows())
	g.gids = growTo(g.gids[:0], n)
	gids := g.gids[:n]
	cols := make([]arrow.Array, len(keyCols))
	for i, c := range keyCols {
		cols[i] = batch.Column(c)
	}
	g.table.assign(cols, gids)
	g.groups = len(g.stores[0].codes)
	for _, st := range g.states {
		st.grow(g.groups)
	}
	return gids
}

// Update folds a batch (with the schema given to NewGroupBy) into the
// groups.
func (g *GroupBy) Update(batch arrow.RecordBatch) error {
	if err := g.checkBatch(batch, g.schema, append(slices.Clone(g.keyCols), g.aggCols...)); err != nil {
		return err
	}
	gids := g.assign(batch, g.keyCols)
	for i, st := range g.states {
		var col arrow.Array
		if c := g.aggCols[i]; c >= 0 {
			col = batch.Column(c)
		}
		st.update(col, gids)
	}
	return nil
}

// PartialSchema is the schema of PartialBatch: the key columns (input
// types), then per aggregate its state columns named "<name>.<state>":
// count(), count(c): count; sum: count, sum; mean/std/var: count, mean,
// m2; min/max: min or max (input type, null when empty); count_distinct:
// values (a list of the group's distinct values, strings as utf8).
func (g *GroupBy) PartialSchema() *arrow.Schema { return g.partial }

// PartialBatch returns the partial states of every group as a batch (+1)
// with PartialSchema, groups in order of first appearance.
func (g *GroupBy) PartialBatch(mem memory.Allocator) (arrow.RecordBatch, error) {
	n := g.groups
	var cols []arrow.Array
	for _, st := range g.stores {
		cols = append(cols, st.build(mem, identityOrder(n), g.partial.Field(len(cols)).Type))
	}
	for _, st := range g.states {
		cols = append(cols, st.partial(mem, n)...)
	}
	defer column.ReleaseAll(cols)
	return column.NewBatch(g.partial, cols, int64(n))
}

// MergePartial folds a batch made by PartialBatch (of a GroupBy with the
// same keys and aggregates) into the groups.
func (g *GroupBy) MergePartial(batch arrow.RecordBatch) error {
	if !batch.Schema().Equal(g.partial) {
		return fmt.Errorf("group by: partial batch schema %v does not match %v", batch.Schema(), g.partial)
	}
	keyCols := make([]int, len(g.keys))
	for i := range keyCols {
		keyCols[i] = i
	}
	gids := g.assign(batch, keyCols)
	c := len(g.keys)
	for _, st := range g.states {
		nf := len(st.partialFields())
		cols := make([]arrow.Array, nf)
		for j := range cols {
			cols[j] = batch.Column(c + j)
		}
		c += nf
		st.merge(cols, gids)
	}
	return nil
}

// Final returns one row per group (+1), sorted by key ascending (nulls
// first, strings by byte order, floats with NaN first), with the key
// columns and then one column per aggregate in spec order: count and
// count_distinct int64; sum int64 for int64 columns, float64 for float64;
// mean, std, var float64; min and max in the column's type. sum, mean,
// min and max of a group with no values, and std and var of a group with
// fewer than two, are null.
func (g *GroupBy) Final(mem memory.Allocator) (arrow.RecordBatch, error) {
	order := identityOrder(g.groups)
	slices.SortStableFunc(order, func(a, b int32) int {
		for _, st := range g.stores {
			if c := st.compare(a, b); c != 0 {
				return c
			}
		}
		return 0
	})
	var fields []arrow.Field
	var cols []arrow.Array
	for i, st := range g.stores {
		f := g.partial.Field(i)
		fields = append(fields, f)
		cols = append(cols, st.build(mem, order, f.Type))
	}
	for i, st := range g.states {
		arr := st.final(mem, order)
		fields = append(fields, arrow.Field{Name: g.aggs[i].Name, Type: arr.DataType(), Nullable: true})
		cols = append(cols, arr)
	}
	defer column.ReleaseAll(cols)
	return column.NewBatch(arrow.NewSchema(fields, nil), cols, int64(len(order)))
}

// Groups returns the number of groups so far.
func (g *GroupBy) Groups() int { return g.groups }

// MemoryBytes approximates the memory held by the groups and their states.
func (g *GroupBy) MemoryBytes() int64 {
	n := g.table.bytes() + int64(cap(g.gids))*4
	for _, st := range g.states {
		n += st.bytes()
	}
	return n
}

func identityOrder(n int) []int32 {
	o := make([]int32, n)
	for i := range o {
		o[i] = int32(i)
	}
	return o
}
