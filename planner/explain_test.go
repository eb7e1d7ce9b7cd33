package planner

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner/catalog"
	"github.com/sluice-ml/sluice/planner/logical"
)

// noSplitInputs: no filter, no derived columns, no split, no aggregates,
// no label, one shard in input order, scan tasks unknown.
func noSplitInputs() Inputs {
	job := &jobspec.Job{
		Name: "plain", File: "plain.yaml",
		Features: []jobspec.Feature{
			{Name: "tripduration", Transform: jobspec.TMinMax, Fill: jobspec.Fill{Kind: jobspec.FillMean}, Line: 5},
			{Name: "usertype", Transform: jobspec.TOneHot, Fill: jobspec.Fill{Kind: jobspec.FillMode}, Line: 6},
		},
		Keep:   []jobspec.Field{{Name: "trip_id", Line: 7}},
		Split:  jobspec.Split{Ratios: []jobspec.Ratio{{Name: "train", Value: 1}}},
		Output: jobspec.Output{Path: "out/plain", Format: "parquet", Compression: "none", Shards: 1, Shuffle: false, Line: 8},
	}
	return Inputs{Job: job, Schema: citibikeSchema(), InputFormat: "arrow", Engines: []exec.Engine{cpuEngine{}}}
}

// minimalInputs needs no fit at all: identity and hash, one shard.
func minimalInputs() Inputs {
	in := noSplitInputs()
	in.Job.Features = []jobspec.Feature{
		{Name: "bikeid", Transform: jobspec.TIdentity, Fill: jobspec.Fill{Kind: jobspec.FillValue, Value: int64(0)}, Line: 5},
		{Name: "gender", Transform: jobspec.THash, Buckets: 16, Fill: jobspec.Fill{Kind: jobspec.FillNone}, Line: 6},
	}
	in.InputTasks = 3
	return in
}

func flightsSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "date", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "delay", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "distance", Type: arrow.PrimitiveTypes.Int64},
		{Name: "origin", Type: dictString},
		{Name: "destination", Type: dictString},
	}, nil)
}

func flightsInputs() Inputs {
	job := &jobspec.Job{
		Name: "flights", File: "flights.yaml",
		Features: []jobspec.Feature{
			{Name: "date", Transform: jobspec.TMinMax, Line: 4},
			{Name: "distance", Transform: jobspec.TLog1p, Fill: jobspec.Fill{Kind: jobspec.FillMedian}, Line: 5},
			{Name: "origin", Transform: jobspec.TVocab, TopK: 300, MinCount: 1, Line: 6},
			{Name: "destination", Transform: jobspec.THash, Buckets: 256, Line: 7},
		},
		Label: &jobspec.Label{Name: "delay", Fill: jobspec.Fill{Kind: jobspec.FillDrop}, Line: 9},
		Split: jobspec.Split{By: []string{"origin"}, Ratios: []jobspec.Ratio{{Name: "train", Value: 0.8}, {Name: "eval", Value: 0.1}, {Name: "test", Value: 0.1}}, Seed: 7, Line: 10},
		Aggregates: []jobspec.Aggregate{{Name: "routes", By: []string{"origin"}, Line: 15, Compute: []jobspec.AggExpr{
			{Name: "flights", Func: jobspec.AggCount, Line: 17},
			{Name: "mean_delay", Func: jobspec.AggMean, Column: "delay", Line: 18},
			{Name: "max_distance", Func: jobspec.AggMax, Column: "distance", Line: 19},
			{Name: "first", Func: jobspec.AggMin, Column: "date", Line: 20},
			{Name: "destinations", Func: jobspec.AggCountDistinct, Column: "destination", Line: 21},
		}}, {Name: "all", Line: 22, Compute: []jobspec.AggExpr{{Name: "rows", Func: jobspec.AggCount, Line: 23}}}},
		Output: jobspec.Output{Path: "out/flights", Format: "parquet", Compression: "lz4", Shards: 4, Shuffle: true, Line: 24},
	}
	for i := range job.Features {
		if job.Features[i].Fill.Kind == "" {
			job.Features[i].Fill.Kind = jobspec.FillNone
		}
	}
	return Inputs{Job: job, Schema: flightsSchema(), InputFormat: "csv", InputFiles: 12, InputTasks: 12, Engines: []exec.Engine{cpuEngine{}}}
}

// pruneInputs has a filter over an input column (pushed), a derived column
// (not pushed, and Project moves before Filter) and a string equality (no
// range); split.key is set.
func pruneInputs() Inputs {
	in := citibikeInputs()
	in.Job.Filter.Src = "tripduration <= 3600 and age < 80 and usertype == 'Subscriber'"
	in.Filter = &ExprInfo{
		Canonical: "(tripduration <= 3600) and (age < 80) and (usertype == 'Subscriber')",
		Columns:   []string{"tripduration", "age", "usertype"}, Type: arrow.FixedWidthTypes.Boolean,
		Conjuncts: []logical.Conjunct{
			{Canonical: "(tripduration <= 3600)", Columns: []string{"tripduration"}, Range: rng("tripduration", math.Inf(-1), 3600, false, true)},
			{Canonical: "(age < 80)", Columns: []string{"age"}, Range: rng("age", math.Inf(-1), 80, false, false)},
			{Canonical: "(usertype == 'Subscriber')", Columns: []string{"usertype"}},
		},
	}
	in.Job.Split.Key = "trip_id"
	in.Job.Aggregates = nil
	return in
}

func TestExplainGoldens(t *testing.T) {
	cases := []struct {
		name string
		in   func() Inputs
	}{
		{"citibike", citibikeInputs},
		{"citibike_gpu", func() Inputs {
			in := citibikeInputs()
			in.Engines = []exec.Engine{gpuEngine{}, cpuEngine{}}
			return in
		}},
		{"no_split", noSplitInputs},
		{"minimal", minimalInputs},
		{"flights", flightsInputs},
		{"prune", pruneInputs},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustBuild(t, tc.in())
			got := p.Explain()
			golden(t, "explain_"+tc.name+".txt", got)
			// Deterministic: a second build prints the same bytes.
			if again := mustBuild(t, tc.in()).Explain(); again != got {
				t.Errorf("two builds of the same inputs explain differently")
			}
		})
	}
}

func stageKinds(p *Plan) []string {
	var ks []string
	for _, s := range p.Stages {
		ks = append(ks, s.Kind)
	}
	return ks
}

func opNames(s *Stage) []string {
	var ns []string
	for _, o := range s.Operators {
		ns = append(ns, o.Name)
	}
	return ns
}

func TestCitibikeTypedFields(t *testing.T) {
	p := mustBuild(t, citibikeInputs())
	check := func(what string, got, want []string) {
		t.Helper()
		if !equalStrings(got, want) {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	// Hand-derived from the job: features, label, keep, split.by, aggregate
	// columns, filter and age's input; starttime and bikeid are unused.
	check("ScanColumns", p.ScanColumns, []string{"trip_id", "tripduration", "start_station_id", "start_station_name", "end_station_id", "usertype", "birth_year", "gender"})
	check("CacheColumns", p.CacheColumns, []string{"trip_id", "tripduration", "start_station_id", "start_station_name", "end_station_id", "usertype", "birth_year", "gender", catalog.ColRowID})
	check("stages", stageKinds(p), []string{StageScan, StageAggregate, StageSplitBoundaries, StageFit, StageShardWrite})
	// In the order the tasks run them: the row key at the source, the
	// partial aggregates over the filtered rows before the fill drops; the
	// shard's rows sorted before they are gathered and transformed.
	check("scan ops", opNames(&p.Stages[0]), []string{OpScan, OpRowKey, OpFilter, OpProject, OpPartialAggregate, OpDrop, OpGroupCount, OpCacheWrite, OpShuffleWrite})
	check("shard-write ops", opNames(p.Stage(StageShardWrite)), []string{OpCacheRead, OpSplitAssign, OpShardAssign, OpSort, OpFill, OpTransform, OpShardWrite})
	if cw := p.Stages[0].Operators[7]; cw.Param("partitions") != "64" || cw.Param("partitioning") != "range("+catalog.ColShardHash+")" {
		t.Errorf("cache write: %+v, want 64 partitions by range of %s", cw.Params, catalog.ColShardHash)
	}
	// The two range conjuncts intersect into one interval.
	wantPrune := []logical.Range{*rng("tripduration", 60, 86400, true, false)}
	if len(p.Prune) != 1 || p.Prune[0] != wantPrune[0] {
		t.Errorf("Prune = %v, want %v", p.Prune, wantPrune)
	}
	wantTasks := []int{34, 8, 34, 34, 8} // aggregate: min(34, 8) partitions; shard-write: one task per shard index
	for i, s := range p.Stages {
		if s.Tasks != wantTasks[i] || s.ID != i+1 {
			t.Errorf("stage %d: id %d tasks %d, want id %d tasks %d", i, s.ID, s.Tasks, i+1, wantTasks[i])
		}
	}
	wantNeeds := map[string]string{"tripduration": "moments,quantiles", "start_station_id": "value-counts", "end_station_id": "", "gender": "value-counts", "usertype": "value-counts"}
	for _, f := range p.Features {
		if got := joinComma(f.Needs); got != wantNeeds[f.Name] {
			t.Errorf("feature %s needs %q, want %q", f.Name, got, wantNeeds[f.Name])
		}
	}
	if f := p.Features[3]; f.OutputFields[0] != "gender=*" || f.OutputType.ID() != arrow.FLOAT32 {
		t.Errorf("onehot gender: fields %v type %v", f.OutputFields, f.OutputType)
	}
	if f := p.Features[1]; f.OutputType.ID() != arrow.INT32 {
		t.Errorf("vocab output type %v, want int32", f.OutputType)
	}
	if len(p.Aggregates) != 1 || p.Aggregates[0].Partitions != 8 || p.Aggregates[0].Compute[0].OutputType.ID() != arrow.INT64 ||
		p.Aggregates[0].Compute[1].OutputType.ID() != arrow.FLOAT64 {
		t.Errorf("aggregates: %+v", p.Aggregates)
	}
	if p.Label == nil || p.Label.FillKind != jobspec.FillDrop || p.Stages[0].Operators[5].Param("nulls") != "[birth_year]" {
		t.Errorf("label drop not planned: %+v", p.Label)
	}
	if p.Stage(StageFit).Inputs[0] != 1 || p.Stage(StageFit).Inputs[1] != 3 {
		t.Errorf("fit inputs %v, want [1 3]", p.Stage(StageFit).Inputs)
	}
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

func TestShapesOfSmallerJobs(t *testing.T) {
	p := mustBuild(t, noSplitInputs())
	if got := stageKinds(p); !equalStrings(got, []string{StageScan, StageFit, StageShardWrite}) {
		t.Errorf("no-split stages %v", got)
	}
	for _, s := range p.Stages[:2] {
		if s.Tasks != -1 {
			t.Errorf("stage %s tasks %d, want -1 (unknown input tasks)", s.Kind, s.Tasks)
		}
	}
	if p.Stages[2].Tasks != 1 {
		t.Errorf("shard-write tasks %d, want 1", p.Stages[2].Tasks)
	}
	// The cache carries the row id; the (file, row) key is recomputed from it.
	if !equalStrings(p.CacheColumns, []string{"trip_id", "tripduration", "usertype", catalog.ColRowID}) {
		t.Errorf("CacheColumns %v", p.CacheColumns)
	}
	if sort := p.Stage(StageShardWrite).Operators[1]; sort.Name != OpSort || sort.Param("keys") != "["+catalog.ColRowID+"]" {
		t.Errorf("sort keys %q", sort.Param("keys"))
	}
	m := mustBuild(t, minimalInputs())
	if got := stageKinds(m); !equalStrings(got, []string{StageScan, StageShardWrite}) {
		t.Errorf("minimal stages %v", got)
	}
	if !equalStrings(m.ScanColumns, []string{"trip_id", "gender", "bikeid"}) {
		t.Errorf("minimal ScanColumns %v", m.ScanColumns)
	}
	f := mustBuild(t, flightsInputs())
	if got := stageKinds(f); !equalStrings(got, []string{StageScan, StageAggregate, StageAggregate, StageSplitBoundaries, StageFit, StageShardWrite}) {
		t.Errorf("flights stages %v", got)
	}
	if f.Stages[2].Tasks != 1 || f.Stages[2].Table != "all" || f.Aggregates[1].Partitions != 1 {
		t.Errorf("a table with no keys must have one partition: %+v", f.Stages[2])
	}
	if f.Stages[len(f.Stages)-1].Tasks != 4 {
		t.Errorf("flights shard-write tasks %d, want one per shard index (4)", f.Stages[len(f.Stages)-1].Tasks)
	}
	// Every flights column is used, so the Scan reads all of them.
	all := []string{"date", "delay", "distance", "origin", "destination"}
	if !equalStrings(f.ScanColumns, all) || f.Stages[0].Operators[0].Param("columns") != logical.List(all) || len(f.Stages[0].Operators[0].InputTypes) != 5 {
		t.Errorf("flights scan: %v %+v", f.ScanColumns, f.Stages[0].Operators[0])
	}
	if ts := f.Aggregates[0].Compute[3]; ts.OutputType.ID() != arrow.TIMESTAMP {
		t.Errorf("min(date) type %v", ts.OutputType)
	}
}
