package engine

import (
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/task"
)

// buildFitted turns the merged train statistics into fitted transforms.
func (r *run) buildFitted(total *task.FitPartial) (*task.Fitted, error) {
	job := r.p.Job
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
