package cpu

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/cpu/groupby"
	"github.com/sluice-ml/sluice/exec/cpu/perm"
	"github.com/sluice-ml/sluice/exec/cpu/stats"
	"github.com/sluice-ml/sluice/vocab"
)

// Names of the engine's kernels that the task runners and the driver use
// through this package; each is defined in the subpackage named.
type (
	// AggSpec is groupby.AggSpec.
	AggSpec = groupby.AggSpec
	// GroupBy is groupby.GroupBy.
	GroupBy = groupby.GroupBy
	// FeatureStats is feature.FeatureStats.
	FeatureStats = feature.FeatureStats
	// StatNeeds is feature.StatNeeds.
	StatNeeds = feature.StatNeeds
	// Fitted is feature.Fitted.
	Fitted = feature.Fitted
	// Quantiles is stats.Quantiles.
	Quantiles = stats.Quantiles
	// Value is column.Value.
	Value = column.Value
)

// Value kinds (column.KindInt64, ...).
const (
	KindInt64   = column.KindInt64
	KindFloat64 = column.KindFloat64
	KindString  = column.KindString
)

// NewGroupBy is groupby.NewGroupBy.
func NewGroupBy(keys []string, aggs []AggSpec, schema *arrow.Schema) (*GroupBy, error) {
	return groupby.NewGroupBy(keys, aggs, schema)
}

// NewFeatureStats is feature.NewFeatureStats.
func NewFeatureStats(needs StatNeeds, maxSamples int) *FeatureStats {
	return feature.NewFeatureStats(needs, maxSamples)
}

// NeedStats is feature.NeedStats.
func NeedStats(transform, fillKind string) StatNeeds { return feature.NeedStats(transform, fillKind) }

// FitFeature is feature.FitFeature.
func FitFeature(feat vocab.Feature, s *FeatureStats) (*Fitted, error) {
	return feature.FitFeature(feat, s)
}

// FillNulls is feature.FillNulls.
func FillNulls(col arrow.Array, v *Value, mem memory.Allocator) (arrow.Array, error) {
	return feature.FillNulls(col, v, mem)
}

// SortPerm is perm.SortPerm.
func SortPerm(keys []uint64, tie []uint64) []int32 { return perm.SortPerm(keys, tie) }

// Take is perm.Take.
func Take(batch arrow.RecordBatch, p []int32, mem memory.Allocator) (arrow.RecordBatch, error) {
	return perm.Take(batch, p, mem)
}
