package profile

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Spec is what a job profiles: its splits, the columns (features' sources,
// label, keep, in job order) and the slice tables.
type Spec struct {
	Splits  []string     `json:"splits"`
	Train   int          `json:"train"` // index of the split the drift compares against
	Columns []ColumnSpec `json:"columns"`
	// Slices are the slice columns; SliceLabel the label ("" without
	// one) and SliceFeatures the numeric features whose means they list.
	Slices        []string `json:"slices"`
	SliceLabel    string   `json:"slice_label"`
	SliceFeatures []string `json:"slice_features"`
	SliceTop      int      `json:"slice_top"`
}

// Partial is one shard-write task's profile of its rows.
type Partial struct {
	Columns [][]*Column `json:"columns"` // [split][column of Spec.Columns]
	Slices  []*Slice    `json:"slices"`  // per Spec.Slices
}

// NewPartial returns an empty partial; schema gives the columns' types.
func (s *Spec) NewPartial(schema *arrow.Schema) (*Partial, error) {
	p := &Partial{Columns: make([][]*Column, len(s.Splits))}
	for k := range p.Columns {
		p.Columns[k] = make([]*Column, len(s.Columns))
		for i, c := range s.Columns {
			f, ok := field(schema, c.Name)
			if !ok {
				return nil, fmt.Errorf("profile: column %q is not in the rows", c.Name)
			}
			p.Columns[k][i] = NewColumn(c, f.Type)
		}
	}
	for range s.Slices {
		p.Slices = append(p.Slices, NewSlice())
	}
	return p, nil
}

func field(schema *arrow.Schema, name string) (arrow.Field, bool) {
	idx := schema.FieldIndices(name)
	if len(idx) == 0 {
		return arrow.Field{}, false
	}
	return schema.Field(idx[0]), true
}

// Update adds a chunk of rows of split k (the rows a task writes, in
// their output order: the partial depends on that order).
func (s *Spec) Update(p *Partial, b arrow.RecordBatch, k int) error {
	if k < 0 || k >= len(p.Columns) {
		return fmt.Errorf("internal: profile: split %d of %d", k, len(p.Columns))
	}
	col := func(name string) (arrow.Array, error) {
		idx := b.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("profile: column %q is not in the rows", name)
		}
		return b.Column(idx[0]), nil
	}
	for i, c := range s.Columns {
		a, err := col(c.Name)
		if err != nil {
			return err
		}
		if err := p.Columns[k][i].Update(a); err != nil {
			return fmt.Errorf("profile %s: %w", c.Name, err)
		}
	}
	if len(s.Slices) == 0 || b.NumRows() == 0 {
		return nil
	}
	var in SliceInputs
	var err error
	if s.SliceLabel != "" {
		if in.Label, err = col(s.SliceLabel); err != nil {
			return err
		}
	}
	for _, f := range s.SliceFeatures {
		a, err := col(f)
		if err != nil {
			return err
		}
		in.Features = append(in.Features, a)
	}
	for i, name := range s.Slices {
		if in.Column, err = col(name); err != nil {
			return err
		}
		if err := p.Slices[i].Update(name, in, k, len(s.Splits)); err != nil {
			return err
		}
	}
	return nil
}

// Merge merges partials in the order given (task-index order).
func (s *Spec) Merge(schema *arrow.Schema, parts []*Partial) (*Partial, error) {
	total, err := s.NewPartial(schema)
	if err != nil {
		return nil, err
	}
	for t, p := range parts {
		if p == nil || len(p.Columns) != len(total.Columns) || len(p.Slices) != len(total.Slices) {
			return nil, fmt.Errorf("internal: profile of task %d does not match the job's splits and slices", t)
		}
		for k := range p.Columns {
			if len(p.Columns[k]) != len(total.Columns[k]) {
				return nil, fmt.Errorf("internal: profile of task %d has %d columns, want %d", t, len(p.Columns[k]), len(total.Columns[k]))
			}
			for i, c := range p.Columns[k] {
				if err := total.Columns[k][i].Merge(c); err != nil {
					return nil, err
				}
			}
		}
		for i, sl := range p.Slices {
			if err := total.Slices[i].Merge(s.Slices[i], sl); err != nil {
				return nil, err
			}
		}
	}
	return total, nil
}
