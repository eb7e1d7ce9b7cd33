package planner

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner/logical"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it under -rewrite.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *rewrite {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./planner -rewrite to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden (go test ./planner -rewrite updates it after review)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

var dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

func citibikeSchema() *arrow.Schema {
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	return arrow.NewSchema([]arrow.Field{
		{Name: "trip_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "tripduration", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "starttime", Type: ts},
		{Name: "start_station_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "start_station_name", Type: dictString},
		{Name: "end_station_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "usertype", Type: dictString},
		{Name: "birth_year", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "gender", Type: dictString},
		{Name: "bikeid", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
}

func rng(col string, lo, hi float64, loIncl, hiIncl bool) *logical.Range {
	return &logical.Range{Column: col, Lo: lo, Hi: hi, LoIncl: loIncl, HiIncl: hiIncl}
}

// citibikeInputs is the design's example job with its expression facts,
// the lines as in that YAML.
func citibikeInputs() Inputs {
	job := &jobspec.Job{
		Name: "citibike-birth-year", File: "job.yaml",
		Input:   jobspec.Input{Path: "data/citibike/", Format: "parquet", Line: 2},
		Filter:  &jobspec.Expr{Src: "tripduration >= 60 and tripduration < 86400", Line: 7, Col: 9},
		Columns: []jobspec.DerivedColumn{{Name: "age", Expr: jobspec.Expr{Src: "2020 - birth_year", Line: 9, Col: 8}, Line: 9}},
		Features: []jobspec.Feature{
			{Name: "tripduration", Transform: jobspec.TZScore, Fill: jobspec.Fill{Kind: jobspec.FillMedian}, Line: 11},
			{Name: "start_station_id", Transform: jobspec.TVocab, TopK: 1000, MinCount: 5, Fill: jobspec.Fill{Kind: jobspec.FillNone}, Line: 12},
			{Name: "end_station_id", Transform: jobspec.THash, Buckets: 1024, Fill: jobspec.Fill{Kind: jobspec.FillNone}, Line: 13},
			{Name: "gender", Transform: jobspec.TOneHot, Fill: jobspec.Fill{Kind: jobspec.FillNone}, Line: 14},
			{Name: "usertype", Transform: jobspec.TOneHot, Fill: jobspec.Fill{Kind: jobspec.FillNone}, Line: 15},
		},
		Label: &jobspec.Label{Name: "birth_year", Fill: jobspec.Fill{Kind: jobspec.FillDrop}, Line: 17},
		Keep:  []jobspec.Field{{Name: "trip_id", Line: 18}},
		Split: jobspec.Split{By: []string{"start_station_name"}, Ratios: []jobspec.Ratio{{Name: "train", Value: 0.9}, {Name: "eval", Value: 0.1}}, Seed: 42, Line: 19},
		Aggregates: []jobspec.Aggregate{{Name: "stations", By: []string{"start_station_id"}, Line: 24, Compute: []jobspec.AggExpr{
			{Name: "trips", Func: jobspec.AggCount, Line: 26},
			{Name: "mean_duration", Func: jobspec.AggMean, Column: "tripduration", Line: 26},
			{Name: "std_duration", Func: jobspec.AggStd, Column: "tripduration", Line: 26},
		}}},
		Output: jobspec.Output{Path: "out/citibike", Format: "arrow", Compression: "zstd", Shards: 8, Shuffle: true, Line: 27},
		Engine: jobspec.Engine{Prefer: "auto", Fallback: "allow"},
	}
	return Inputs{
		Job: job, Schema: citibikeSchema(), InputFormat: "parquet", InputFiles: 34, InputTasks: 34,
		Filter: &ExprInfo{
			Canonical: "(tripduration >= 60) and (tripduration < 86400)", Columns: []string{"tripduration"},
			Type: arrow.FixedWidthTypes.Boolean,
			Conjuncts: []logical.Conjunct{
				{Canonical: "(tripduration >= 60)", Columns: []string{"tripduration"}, Range: rng("tripduration", 60, math.Inf(1), true, false)},
				{Canonical: "(tripduration < 86400)", Columns: []string{"tripduration"}, Range: rng("tripduration", math.Inf(-1), 86400, false, false)},
			},
		},
		Derived: []ExprInfo{{Canonical: "(2020 - birth_year)", Columns: []string{"birth_year"}, Type: arrow.PrimitiveTypes.Int64}},
		Engines: []exec.Engine{cpuEngine{}},
	}
}

// cpuEngine supports everything, like the CPU engine.
type cpuEngine struct{}

func (cpuEngine) Name() string { return "cpu" }
func (cpuEngine) Supports(exec.OpKind, []arrow.DataType) exec.Support {
	return exec.Support{OK: true}
}

// gpuEngine supports a few operators on fixed-width types only.
type gpuEngine struct{}

func (gpuEngine) Name() string { return "gpu" }
func (gpuEngine) Supports(op exec.OpKind, types []arrow.DataType) exec.Support {
	switch op {
	case exec.OpFilter, exec.OpProject, exec.OpHash, exec.OpTransform, exec.OpSort, exec.OpShardSort, exec.OpGroupCount:
	default:
		return exec.Support{Reason: "unsupported because there is no " + string(op) + " kernel"}
	}
	for _, t := range types {
		if t.ID() == arrow.DICTIONARY {
			return exec.Support{Reason: "unsupported because dictionary strings do not go to the device"}
		}
	}
	return exec.Support{OK: true}
}

func mustBuild(t *testing.T, in Inputs) *Plan {
	t.Helper()
	p, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}
