package serving

import (
	"encoding/json"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	cpufeature "github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/sink"
)

// Transformer applies one output's fitted transforms. It is immutable
// after Load and safe for concurrent use.
type Transformer struct {
	// Manifest is the manifest the transformer was built from.
	Manifest *sink.Manifest
	features []feature
	label    string        // "" when the output has no label
	fill     *column.Value // the label's fitted fill; nil: nulls stay null
	keep     []string
	order    map[string]int // output column -> position in the manifest schema
}

// feature is one fitted feature transform.
type feature struct {
	name   string
	source string
	fitted *cpufeature.Fitted
	names  []string // output columns, from the manifest schema
}

// labelFillParams is the params object of the manifest's label "fill" entry.
type labelFillParams struct {
	Fill  string        `json:"fill"`
	Value *column.Value `json:"value"`
}

// Load reads dir/manifest.json and returns its Transformer.
func Load(dir string) (*Transformer, error) {
	m, err := sink.ReadManifest(dir)
	if err != nil {
		return nil, fmt.Errorf("serving: %w", err)
	}
	return New(m)
}

// New builds a Transformer from a parsed manifest.
func New(m *sink.Manifest) (*Transformer, error) {
	if m == nil {
		return nil, fmt.Errorf("serving: nil manifest")
	}
	t := &Transformer{Manifest: m, order: map[string]int{}}
	outNames := map[string][]string{}
	for i, c := range m.Schema {
		t.order[c.Name] = i
		switch c.Role {
		case sink.RoleFeature:
			outNames[c.Source] = append(outNames[c.Source], c.Name)
		case sink.RoleLabel:
			t.label = c.Name
		case sink.RoleKeep:
			t.keep = append(t.keep, c.Name)
		}
	}
	for i, tr := range m.Transforms {
		where := fmt.Sprintf("serving: manifest transforms[%d] (%s)", i, tr.Feature)
		if tr.Transform == "fill" {
			var p labelFillParams
			if err := json.Unmarshal(tr.Params, &p); err != nil {
				return nil, fmt.Errorf("%s: params: %w", where, err)
			}
			if tr.Feature != t.label {
				return nil, fmt.Errorf("%s: a fill for %q, which is not the label (%q)", where, tr.Feature, t.label)
			}
			t.fill = p.Value
			continue
		}
		var f cpufeature.Fitted
		if err := json.Unmarshal(tr.Params, &f); err != nil {
			return nil, fmt.Errorf("%s: params: %w", where, err)
		}
		if f.Transform != tr.Transform {
			return nil, fmt.Errorf("%s: params say transform %q, the entry %q", where, f.Transform, tr.Transform)
		}
		src := tr.Source
		if src == "" {
			src = tr.Feature
		}
		want := fieldNames(f.OutputFields(tr.Feature))
		if got := outNames[tr.Feature]; !equalStrings(got, want) {
			return nil, fmt.Errorf("%s: the schema's columns %v differ from the transform's %v", where, got, want)
		}
		t.features = append(t.features, feature{name: tr.Feature, source: src, fitted: &f, names: want})
	}
	return t, nil
}

// Features returns the feature output column names in schema order.
func (t *Transformer) Features() []string {
	var out []string
	for _, f := range t.features {
		out = append(out, f.names...)
	}
	return out
}

// Apply transforms raw rows: every feature's fitted transform, then the
// label with its fill (when raw holds the label column) and the keep
// columns raw holds, copied through. Output columns follow the manifest
// schema's order and types. The caller releases the returned batch.
func (t *Transformer) Apply(raw arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	type out struct {
		field arrow.Field
		col   arrow.Array
	}
	var outs []out
	release := func() {
		for _, o := range outs {
			o.col.Release()
		}
	}
	raw, err := t.withDerived(raw, mem)
	if err != nil {
		return nil, err
	}
	defer raw.Release()
	schema := raw.Schema()
	for _, f := range t.features {
		idx := schema.FieldIndices(f.source)
		if len(idx) == 0 {
			release()
			return nil, fmt.Errorf("serving: feature %s: the raw rows have no column %q (they have: %v)", f.name, f.source, fieldNames(schema.Fields()))
		}
		col, err := canonical(raw.Column(idx[0]), mem)
		if err != nil {
			release()
			return nil, fmt.Errorf("serving: feature %s: column %s: %w", f.name, f.source, err)
		}
		fields, cols, err := cpufeature.Apply(f.name, f.fitted, col, mem)
		col.Release()
		if err != nil {
			release()
			return nil, fmt.Errorf("serving: %w", err)
		}
		for i := range cols {
			outs = append(outs, out{fields[i], cols[i]})
		}
	}
	if t.label != "" {
		if idx := schema.FieldIndices(t.label); len(idx) > 0 {
			col, err := canonical(raw.Column(idx[0]), mem)
			if err != nil {
				release()
				return nil, fmt.Errorf("serving: label %s: %w", t.label, err)
			}
			filled, err := cpufeature.FillNulls(col, t.fill, mem)
			col.Release()
			if err != nil {
				release()
				return nil, fmt.Errorf("serving: label %s: %w", t.label, err)
			}
			outs = append(outs, out{arrow.Field{Name: t.label, Type: filled.DataType(), Nullable: filled.NullN() > 0}, filled})
		}
	}
	for _, k := range t.keep {
		if idx := schema.FieldIndices(k); len(idx) > 0 {
			c := raw.Column(idx[0])
			c.Retain()
			outs = append(outs, out{schema.Field(idx[0]), c})
		}
	}
	// stable order of the manifest schema (features are already in it)
	fields := make([]arrow.Field, len(outs))
	cols := make([]arrow.Array, len(outs))
	for i, o := range outs {
		fields[i], cols[i] = o.field, o.col
	}
	sortByOrder(fields, cols, t.order)
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, raw.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return rec, nil
}

// sortByOrder sorts fields and cols together by their manifest positions
// (insertion sort: a handful of columns).
func sortByOrder(fields []arrow.Field, cols []arrow.Array, order map[string]int) {
	for i := 1; i < len(fields); i++ {
		for j := i; j > 0 && order[fields[j].Name] < order[fields[j-1].Name]; j-- {
			fields[j], fields[j-1] = fields[j-1], fields[j]
			cols[j], cols[j-1] = cols[j-1], cols[j]
		}
	}
}

func fieldNames(fs []arrow.Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
