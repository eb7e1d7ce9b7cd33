package task

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/profile"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/vocab"
)

// ProfileSpec is what the shard-write stage profiles: every output
// column's source (features, label, keep, in job order) and the slice
// tables. The driver and the executors derive the same spec from the
// bound job; the driver sets SliceTop.
func (r *Env) ProfileSpec() *profile.Spec {
	s := &profile.Spec{Splits: r.splitNames, Train: r.TrainIndex(), Slices: r.slices, SliceTop: profile.DefaultSliceTop}
	for _, f := range r.features {
		cat := false
		switch f.GetTransform() {
		case vocab.TVocab, vocab.TOneHot, vocab.THash:
			cat = true
		}
		s.Columns = append(s.Columns, profile.ColumnSpec{Name: f.GetName(), Role: sink.RoleFeature, Categorical: cat})
		if f, ok := fieldOf(r.cacheSchema, f.GetName()); ok && len(r.slices) > 0 && !cat { // a category id has no meaningful mean
			switch f.Type.ID() {
			case arrow.INT64, arrow.FLOAT64, arrow.BOOL:
				s.SliceFeatures = append(s.SliceFeatures, f.Name)
			}
		}
	}
	if l := r.label; l != nil {
		s.Columns = append(s.Columns, profile.ColumnSpec{Name: l.GetName(), Role: sink.RoleLabel})
		if len(r.slices) > 0 {
			s.SliceLabel = l.GetName()
		}
	}
	for _, k := range r.keep {
		s.Columns = append(s.Columns, profile.ColumnSpec{Name: k, Role: sink.RoleKeep})
	}
	return s
}

// CacheSchema is the schema of the cached rows the later stages read.
func (r *Env) CacheSchema() *arrow.Schema { return r.cacheSchema }

func fieldOf(s *arrow.Schema, name string) (arrow.Field, bool) {
	idx := s.FieldIndices(name)
	if len(idx) == 0 {
		return arrow.Field{}, false
	}
	return s.Field(idx[0]), true
}
