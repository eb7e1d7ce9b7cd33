package engine

import (
	"fmt"

	"github.com/sluice-ml/sluice/engine/barrier"
	"github.com/sluice-ml/sluice/profile"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/task"
)

// profiles merges the shard tasks' profiles in task-index order (never in
// completion order), builds the manifest's profiles and slices and writes
// report.html into the output.
func (r *run) profiles(d *barrier.State, res []any, txn *sink.Txn) error {
	spec := r.ProfileSpec()
	spec.SliceTop = r.p.Job.Slices.Top
	parts := make([]*profile.Partial, len(res))
	for j, x := range res {
		sr := x.(*task.ShardResult)
		if sr.Profile == nil {
			return fmt.Errorf("internal: shard task %d returned no profile", j)
		}
		parts[j] = sr.Profile
	}
	merged, err := spec.Merge(r.CacheSchema(), parts)
	if err != nil {
		return err
	}
	d.Profiles, d.Slices = spec.Build(r.CacheSchema(), merged)
	return r.writeReport(d, txn)
}

// writeReport renders report.html from the profiles and slices and writes
// it into the output.
func (r *run) writeReport(d *barrier.State, txn *sink.Txn) error {
	html, err := profile.Report(r.p.Job.Name, d.Profiles, d.Slices)
	if err != nil {
		return err
	}
	d.Profiles.Report, err = sink.WriteReport(txn.Dir(), html)
	return err
}
