package barrier

import (
	"fmt"

	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/task"
)

// Fit turns the merged train statistics into fitted transforms.
func Fit(job *jobspec.Job, total *task.FitPartial) (*task.Fitted, error) {
	f := &task.Fitted{}
	for i, feat := range job.Features {
		var stats *feature.FeatureStats
		if total.Features[i] != nil {
			stats = total.Features[i].Stats
		}
		if stats == nil {
			stats = &feature.FeatureStats{}
		}
		ft, err := feature.FitFeature(feat, stats)
		if err != nil {
			return nil, jobspec.Errorf(job.File, feat.Line, "features."+feat.Name, "%v", err)
		}
		f.Features = append(f.Features, ft)
		var names []string
		for _, fd := range ft.OutputFields(feat.Name) {
			names = append(names, fd.Name)
		}
		f.OutputNames = append(f.OutputNames, names)
	}
	if l := job.Label; l != nil {
		switch l.Fill.Kind {
		case jobspec.FillNone, jobspec.FillDrop, "":
		default:
			var stats *feature.FeatureStats
			if total.Label != nil {
				stats = total.Label.Stats
			}
			if stats == nil {
				stats = &feature.FeatureStats{}
			}
			ft, err := feature.FitFeature(jobspec.Feature{Name: l.Name, Transform: jobspec.TIdentity, Fill: l.Fill, Line: l.Line}, stats)
			if err != nil {
				return nil, jobspec.Errorf(job.File, l.Line, "label."+l.Name, "%v", err)
			}
			f.LabelFill = ft.Fill
		}
	}
	return f, nil
}

// MergeFits merges the fit stage's partials (res, in task order) into
// total, checks every split's rows against the counts, fits the
// transforms into d.Fit and returns the merged shard windows.
func (d *State) MergeFits(job *jobspec.Job, total *task.FitPartial, res []any) (split.Partial, error) {
	shardParts := make([]any, len(res))
	for i, x := range res {
		fp := x.(*task.FitPartial)
		for j, cs := range fp.Features {
			if cs != nil {
				total.Features[j].Stats.Merge(cs.Stats)
			}
		}
		if fp.Label != nil {
			total.Label.Stats.Merge(fp.Label.Stats)
		}
		for j, n := range fp.SplitRows {
			total.SplitRows[j] += n
		}
		shardParts[i] = &task.WindowResult{Partial: fp.Shards}
	}
	for i, n := range total.SplitRows {
		if n != d.SplitRows[i] {
			return split.Partial{}, fmt.Errorf("internal: split %d has %d rows, the counts said %d", i, n, d.SplitRows[i])
		}
	}
	var err error
	if d.Fit, err = Fit(job, total); err != nil {
		return split.Partial{}, err
	}
	return task.MergePartials(shardParts)
}
