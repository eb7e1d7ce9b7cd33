package engine

import (
	"encoding/json"
	"sort"

	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/task"
)

// manifest assembles manifest.json from the driver's state. Nothing in it
// depends on timing or cluster layout, so equal inputs give equal bytes.
func (r *run) manifest(d *driverState) (*sink.Manifest, error) {
	job := r.p.Job
	m := &sink.Manifest{FormatVersion: sink.ManifestFormatVersion}
	m.Job = sink.JobInfo{Name: job.Name, SHA256: job.SHA256, File: job.File, Sets: job.Sets}
	m.Input.Format = r.p.DS.Format
	m.Input.Generated = r.p.DS.Generated
	fileRows := make([]int64, len(r.p.DS.Files))
	for i, t := range r.p.DS.Tasks {
		fileRows[t.FileIndex] += d.scans[i].RowsRead
	}
	for i, f := range r.p.DS.Files {
		m.Input.Files = append(m.Input.Files, sink.InputFile{Path: f.Path, Bytes: f.Size, Rows: fileRows[i], Fingerprint: r.fps[i]})
	}
	m.Rows.DroppedBy, m.Rows.NaN, m.Rows.Inf = map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, s := range d.scans {
		m.Rows.Read += s.RowsRead
		m.Rows.Filtered += s.RowsFiltered
		m.Rows.Dropped += s.RowsDropped
		m.Rows.Written += s.RowsKept
		addCounts(m.Rows.DroppedBy, s.DroppedBy)
		addCounts(m.Rows.NaN, s.NaN)
		addCounts(m.Rows.Inf, s.Inf)
	}
	for _, dc := range job.Columns {
		var typ string
		if idx := r.FullSchema().FieldIndices(dc.Name); len(idx) > 0 {
			typ = sink.TypeName(r.FullSchema().Field(idx[0]).Type)
		}
		m.Derived = append(m.Derived, sink.DerivedColumn{Name: dc.Name, Expr: dc.Expr.Src, Type: typ})
	}
	schema, err := r.OutputSchema(d.fit)
	if err != nil {
		return nil, err
	}
	role := map[string][2]string{} // output column -> role, transform
	source := map[string]string{}
	for i, f := range job.Features {
		for _, name := range d.fit.OutputNames[i] {
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
	trainName := job.Split.Ratios[r.TrainIndex()].Name
	for i, rt := range job.Split.Ratios {
		s := sink.Split{Name: rt.Name, Ratio: rt.Value, Rows: d.splitRows[i], Shards: d.shards[i]}
		m.Splits = append(m.Splits, s)
		m.Split.Ratios = append(m.Split.Ratios, sink.SplitRatio{Name: rt.Name, Ratio: rt.Value})
	}
	for i, f := range job.Features {
		params, err := json.Marshal(d.fit.Features[i])
		if err != nil {
			return nil, err
		}
		m.Transforms = append(m.Transforms, sink.Transform{Feature: f.Name, Transform: f.Transform, Source: f.Name, FittedOn: trainName, Params: params})
	}
	if job.Label != nil && d.fit.LabelFill != nil {
		params, err := json.Marshal(map[string]any{"fill": job.Label.Fill.Kind, "value": d.fit.LabelFill})
		if err != nil {
			return nil, err
		}
		m.Transforms = append(m.Transforms, sink.Transform{Feature: job.Label.Name, Transform: "fill", Source: job.Label.Name, FittedOn: trainName, Params: params})
	}
	m.Aggregates = d.aggregates
	m.Profiles, m.Slices = d.profiles, d.slices
	m.Split.By = job.Split.By
	m.Split.Key = job.Split.Key
	m.Split.Seed = job.Split.Seed
	m.Split.Stratified = len(job.Split.By) > 0
	m.Shuffle.Enabled = job.Output.Shuffle
	m.Shuffle.Seed = job.Split.Seed
	m.Engine.Prefer = job.Engine.Prefer
	m.Engine.Fallback = job.Engine.Fallback
	for _, pl := range r.p.Plan.Placement {
		m.Engine.Placement = append(m.Engine.Placement, sink.Placement{Stage: pl.Stage, Operator: pl.Operator, Engine: pl.Engine, Reason: pl.Reason})
	}
	m.Engine.Fallbacks = append([]string{}, r.p.Plan.Fallbacks...)
	m.Engine.FellBack = r.fellBack
	m.Expectations = d.expect
	m.Output = sink.OutputSpec{Format: job.Output.Format, Compression: job.Output.Compression, ShardsPerSplit: job.Output.Shards}
	return m, nil
}

func addCounts(dst, src map[string]int64) {
	keys := make([]string, 0, len(src))
	for k := range src {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		dst[k] += src[k]
	}
}
