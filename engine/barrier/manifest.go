package barrier

import (
	"encoding/json"
	"sort"

	"github.com/sluice-ml/sluice/engine/bind"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/task"
)

// Manifest assembles manifest.json from the driver's state. Nothing in it
// depends on timing or cluster layout, so equal inputs give equal bytes.
func Manifest(d *State, env *task.Env, p *bind.Prepared, fps []string, fellBack map[string]int64) (*sink.Manifest, error) {
	job := p.Job
	m := &sink.Manifest{FormatVersion: sink.ManifestFormatVersion}
	m.Job = sink.JobInfo{Name: job.Name, SHA256: job.SHA256, File: job.File, Sets: job.Sets}
	m.Input.Format = p.DS.Format
	m.Input.Generated = p.DS.Generated
	fileRows := make([]int64, len(p.DS.Files))
	for i, t := range p.DS.Tasks {
		fileRows[t.FileIndex] += d.Scans[i].RowsRead
	}
	for i, f := range p.DS.Files {
		m.Input.Files = append(m.Input.Files, sink.InputFile{Path: f.Path, Bytes: f.Size, Rows: fileRows[i], Fingerprint: fps[i]})
	}
	m.Rows.DroppedBy, m.Rows.NaN, m.Rows.Inf = map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, s := range d.Scans {
		m.Rows.Read += s.RowsRead
		m.Rows.Filtered += s.RowsFiltered
		m.Rows.Dropped += s.RowsDropped
		m.Rows.Written += s.RowsKept
		AddCounts(m.Rows.DroppedBy, s.DroppedBy)
		AddCounts(m.Rows.NaN, s.NaN)
		AddCounts(m.Rows.Inf, s.Inf)
	}
	for _, dc := range job.Columns {
		var typ string
		if idx := env.FullSchema().FieldIndices(dc.Name); len(idx) > 0 {
			typ = sink.TypeName(env.FullSchema().Field(idx[0]).Type)
		}
		m.Derived = append(m.Derived, sink.DerivedColumn{Name: dc.Name, Expr: dc.Expr.Src, Type: typ})
	}
	schema, err := env.OutputSchema(d.Fit)
	if err != nil {
		return nil, err
	}
	role := map[string][2]string{} // output column -> role, transform
	source := map[string]string{}
	for i, f := range job.Features {
		for _, name := range d.Fit.OutputNames[i] {
			role[name] = [2]string{sink.RoleFeature, f.Transform}
			source[name] = f.Name
		}
	}
	if l := job.Label; l != nil {
		role[l.Name] = [2]string{sink.RoleLabel, ""}
		source[l.Name] = l.Name
	}
	for _, k := range job.Keep {
		role[k.Name] = [2]string{sink.RoleKeep, ""}
		source[k.Name] = k.Name
	}
	for _, f := range schema.Fields() {
		if f.Name == task.ColH2 || f.Name == task.ColRowID {
			continue
		}
		rt := role[f.Name]
		m.Schema = append(m.Schema, sink.Column{Name: f.Name, Type: sink.TypeName(f.Type), Source: source[f.Name], Role: rt[0], Transform: rt[1]})
	}
	trainName := job.Split.Ratios[env.TrainIndex()].Name
	for i, rt := range job.Split.Ratios {
		s := sink.Split{Name: rt.Name, Ratio: rt.Value, Rows: d.SplitRows[i], Shards: d.Shards[i]}
		m.Splits = append(m.Splits, s)
		m.Split.Ratios = append(m.Split.Ratios, sink.SplitRatio{Name: rt.Name, Ratio: rt.Value})
	}
	for i, f := range job.Features {
		params, err := json.Marshal(d.Fit.Features[i])
		if err != nil {
			return nil, err
		}
		m.Transforms = append(m.Transforms, sink.Transform{Feature: f.Name, Transform: f.Transform, Source: f.Name, FittedOn: trainName, Params: params})
	}
	if job.Label != nil && d.Fit.LabelFill != nil {
		params, err := json.Marshal(map[string]any{"fill": job.Label.Fill.Kind, "value": d.Fit.LabelFill})
		if err != nil {
			return nil, err
		}
		m.Transforms = append(m.Transforms, sink.Transform{Feature: job.Label.Name, Transform: "fill", Source: job.Label.Name, FittedOn: trainName, Params: params})
	}
	m.Aggregates = d.Aggregates
	m.Profiles, m.Slices = d.Profiles, d.Slices
	m.Split.By = job.Split.By
	m.Split.Key = job.Split.Key
	m.Split.Seed = job.Split.Seed
	m.Split.Stratified = len(job.Split.By) > 0
	m.Shuffle.Enabled = job.Output.Shuffle
	m.Shuffle.Seed = job.Split.Seed
	m.Engine.Prefer = job.Engine.Prefer
	m.Engine.Fallback = job.Engine.Fallback
	for _, pl := range p.Plan.Placement {
		m.Engine.Placement = append(m.Engine.Placement, sink.Placement{Stage: pl.Stage, Operator: pl.Operator, Engine: pl.Engine, Reason: pl.Reason})
	}
	m.Engine.Fallbacks = append([]string{}, p.Plan.Fallbacks...)
	m.Engine.FellBack = fellBack
	m.Expectations = d.Expect
	m.Output = sink.OutputSpec{Format: job.Output.Format, Compression: job.Output.Compression, ShardsPerSplit: job.Output.Shards}
	return m, nil
}

// AddCounts adds src's counts into dst, in key order.
func AddCounts(dst, src map[string]int64) {
	keys := make([]string, 0, len(src))
	for k := range src {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		dst[k] += src[k]
	}
}
