package feature

import (
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/stats"
	"github.com/sluice-ml/sluice/vocab"
)

// StatNeeds says which partial statistics a feature's fit needs.
type StatNeeds struct {
	Moments   bool // zscore, minmax, fill mean
	Log1p     bool // log1p
	Quantiles bool // bucketize, fill median
	Counts    bool // vocab, onehot, fill mode
}

// NeedStats returns the statistics FitFeature needs for a transform and a
// fill kind (vocab.Fill*).
func NeedStats(transform, fillKind string) StatNeeds {
	var n StatNeeds
	switch transform {
	case vocab.TZScore, vocab.TMinMax:
		n.Moments = true
	case vocab.TLog1p:
		n.Log1p = true
	case vocab.TBucketize:
		n.Quantiles = true
	case vocab.TVocab, vocab.TOneHot:
		n.Counts = true
	}
	switch fillKind {
	case vocab.FillMean:
		n.Moments = true
	case vocab.FillMedian:
		n.Quantiles = true
	case vocab.FillMode:
		n.Counts = true
	}
	return n
}

// FeatureStats bundles one feature's partial statistics over train rows;
// nil members are not collected. It serialises with encoding/json and gob.
type FeatureStats struct {
	Moments   *stats.Moments     `json:"moments,omitempty"`
	Log1p     *stats.Moments     `json:"log1p,omitempty"`
	Quantiles *stats.Quantiles   `json:"quantiles,omitempty"`
	Counts    *stats.ValueCounts `json:"counts,omitempty"`
}

// NewFeatureStats returns empty partials for needs; maxSamples sizes the
// quantile sketch (see stats.NewQuantiles).
func NewFeatureStats(needs StatNeeds, maxSamples int) *FeatureStats {
	s := &FeatureStats{}
	if needs.Moments {
		s.Moments = &stats.Moments{}
	}
	if needs.Log1p {
		s.Log1p = &stats.Moments{}
	}
	if needs.Quantiles {
		s.Quantiles = stats.NewQuantiles(maxSamples)
	}
	if needs.Counts {
		s.Counts = &stats.ValueCounts{}
	}
	return s
}

// Update adds the selected (train) rows of col to every partial.
func (s *FeatureStats) Update(col arrow.Array, sel []int32) error {
	if s.Moments != nil {
		if err := s.Moments.Update(col, sel); err != nil {
			return err
		}
	}
	if s.Log1p != nil {
		if err := s.Log1p.UpdateLog1p(col, sel); err != nil {
			return err
		}
	}
	if s.Quantiles != nil {
		if err := s.Quantiles.Update(col, sel); err != nil {
			return err
		}
	}
	if s.Counts != nil {
		if err := s.Counts.Update(col, sel); err != nil {
			return err
		}
	}
	return nil
}

// Merge folds o into s; merge partials in task-index order.
func (s *FeatureStats) Merge(o *FeatureStats) {
	if o.Moments != nil {
		if s.Moments == nil {
			s.Moments = &stats.Moments{}
		}
		s.Moments.Merge(*o.Moments)
	}
	if o.Log1p != nil {
		if s.Log1p == nil {
			s.Log1p = &stats.Moments{}
		}
		s.Log1p.Merge(*o.Log1p)
	}
	if o.Quantiles != nil {
		if s.Quantiles == nil {
			s.Quantiles = stats.NewQuantiles(o.Quantiles.K)
		}
		s.Quantiles.Merge(o.Quantiles)
	}
	if o.Counts != nil {
		if s.Counts == nil {
			s.Counts = &stats.ValueCounts{}
		}
		s.Counts.Merge(o.Counts)
	}
}

func isCategorical(t string) bool {
	return t == vocab.TVocab || t == vocab.TOneHot || t == vocab.THash
}

// finiteStd is the sample std, or 0 when it is undefined or not finite.
func finiteStd(m *stats.Moments) float64 {
	s := m.Std()
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return 0
	}
	return s
}

// FitFeature builds a feature's fitted transform from merged train
// statistics (collected as NeedStats says). Errors name the feature.
func FitFeature(feat vocab.Feature, stats *FeatureStats) (*Fitted, error) {
	where := func(format string, a ...any) error {
		return fmt.Errorf("feature %s: "+format, append([]any{feat.Name}, a...)...)
	}
	if !slices.Contains(vocab.Transforms, feat.Transform) {
		return nil, where("unknown transform %q (allowed: %v)", feat.Transform, vocab.Transforms)
	}
	need := NeedStats(feat.Transform, feat.Fill.Kind)
	if stats == nil || (need.Moments && stats.Moments == nil) || (need.Log1p && stats.Log1p == nil) ||
		(need.Quantiles && stats.Quantiles == nil) || (need.Counts && stats.Counts == nil) {
		return nil, where("missing train statistics for %s with fill %s", feat.Transform, feat.Fill.Kind)
	}
	f := &Fitted{Transform: feat.Transform, FillKind: feat.Fill.Kind}
	if f.FillKind == vocab.FillNone {
		f.FillKind = ""
	}
	switch feat.Fill.Kind {
	case "", vocab.FillNone, vocab.FillDrop:
	case vocab.FillMean, vocab.FillMedian:
		if isCategorical(feat.Transform) {
			return nil, where("fill %s needs a numeric transform (%s is categorical; use mode or value)", feat.Fill.Kind, feat.Transform)
		}
		var v float64
		if feat.Fill.Kind == vocab.FillMean {
			if stats.Moments.N == 0 {
				return nil, where("fill mean: no non-null finite train values")
			}
			v = stats.Moments.Mean
		} else {
			if stats.Quantiles.N == 0 {
				return nil, where("fill median: no non-null finite train values")
			}
			v = stats.Quantiles.Quantile(0.5)
		}
		f.Fill = &column.Value{Kind: column.KindFloat64, F: v}
	case vocab.FillMode:
		v, ok := stats.Counts.Mode()
		if !ok {
			return nil, where("fill mode: no non-null train values")
		}
		f.Fill = &v
	case vocab.FillValue:
		v, err := column.ValueOf(feat.Fill.Value)
		if err != nil {
			return nil, where("fill: %v", err)
		}
		if _, num := v.Float(); !num && !isCategorical(feat.Transform) {
			return nil, where("fill value %q is not a number (%s is numeric)", v.S, feat.Transform)
		}
		f.Fill = &v
	default:
		return nil, where("unknown fill %q (allowed: mean, median, mode, value, drop, none)", feat.Fill.Kind)
	}
	switch feat.Transform {
	case vocab.TZScore:
		f.Mean, f.Std, f.TrainRows = stats.Moments.Mean, finiteStd(stats.Moments), stats.Moments.N
	case vocab.TLog1p:
		f.Mean, f.Std, f.TrainRows = stats.Log1p.Mean, finiteStd(stats.Log1p), stats.Log1p.N
	case vocab.TMinMax:
		f.Min, f.Max, f.TrainRows = stats.Moments.Min, stats.Moments.Max, stats.Moments.N
	case vocab.TClip:
		if feat.Min == nil && feat.Max == nil {
			return nil, where("clip needs min or max")
		}
		if feat.Min != nil && feat.Max != nil && *feat.Min > *feat.Max {
			return nil, where("clip min %g is above max %g", *feat.Min, *feat.Max)
		}
		f.ClipMin, f.ClipMax = feat.Min, feat.Max
	case vocab.TBucketize:
		if feat.Buckets < 2 {
			return nil, where("bucketize needs buckets >= 2 (got %d)", feat.Buckets)
		}
		f.Buckets, f.TrainRows = feat.Buckets, stats.Quantiles.N
		f.Boundaries = boundaries(stats.Quantiles, feat.Buckets)
	case vocab.TVocab, vocab.TOneHot:
		minCount := feat.MinCount
		if minCount < 1 {
			minCount = 1
		}
		for _, vc := range stats.Counts.Top(feat.TopK, minCount) {
			f.Vocab = append(f.Vocab, vc.Value)
		}
		f.TrainRows = stats.Counts.Total()
	case vocab.THash:
		if feat.Buckets < 1 {
			return nil, where("hash needs buckets >= 1 (got %d)", feat.Buckets)
		}
		f.Buckets = feat.Buckets
	}
	return f, nil
}

// boundaries returns the quantiles at i/b, i = 1..b-1, deduplicated.
func boundaries(q *stats.Quantiles, b int) []float64 {
	var out []float64
	if q.N == 0 {
		return out
	}
	for i := 1; i < b; i++ {
		v := q.Quantile(float64(i) / float64(b))
		if len(out) == 0 || v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}
