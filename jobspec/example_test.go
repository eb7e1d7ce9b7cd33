package jobspec

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// designExample is the design's example job file, verbatim.
const designExample = `name: citibike-birth-year
input:
  path: data/citibike/            # a file, a directory or a glob
  format: parquet                 # parquet | csv | arrow; from the extension when omitted
  # generate: {kind: citibike, rows: 2000000, seed: 1}   # instead of path
filter: tripduration >= 60 and tripduration < 86400       # optional
columns:                          # optional derived columns
  age: 2020 - birth_year
features:                         # what trainers get, and how each column is transformed
  tripduration: {transform: zscore, fill: median}
  start_station_id: {transform: vocab, top_k: 1000, min_count: 5}
  end_station_id: {transform: hash, buckets: 1024}
  gender: {transform: onehot}
  usertype: {transform: onehot}
label:                            # optional (omit for unsupervised data)
  birth_year: {fill: drop}        # rows with no label are dropped and counted
keep: [trip_id]                   # copied through unchanged
split:
  by: start_station_name          # stratify: every group is split in these ratios; omit for a plain split
  ratios: {train: 0.9, eval: 0.1}
  seed: 42
aggregates:                       # group-by tables written beside the shards
  stations:
    by: [start_station_id]
    compute: {trips: count(), mean_duration: mean(tripduration), std_duration: std(tripduration)}
output:
  path: out/citibike
  format: arrow                   # arrow (IPC file) | parquet
  compression: zstd               # zstd | lz4 | none
  shards: 8                       # per split
  shuffle: true                   # seeded shuffle of rows across and within shards
engine:
  prefer: auto                    # auto | cpu | gpu
  fallback: allow                 # allow | warn | error: an operator the preferred engine cannot run
`

func none() Fill { return Fill{Kind: FillNone} }

// wantBody is the expected parse of the design example, less the file
// identity fields and Input (which differ between the two example files).
func wantBody() Job {
	return Job{
		Name:    "citibike-birth-year",
		Filter:  &Expr{Src: "tripduration >= 60 and tripduration < 86400", Line: 6, Col: 9},
		Columns: []DerivedColumn{{Name: "age", Expr: Expr{Src: "2020 - birth_year", Line: 8, Col: 8}, Line: 8}},
		Features: []Feature{
			{Name: "tripduration", Transform: TZScore, Fill: Fill{Kind: FillMedian}, Line: 10},
			{Name: "start_station_id", Transform: TVocab, TopK: 1000, MinCount: 5, Fill: none(), Line: 11},
			{Name: "end_station_id", Transform: THash, Buckets: 1024, Fill: none(), Line: 12},
			{Name: "gender", Transform: TOneHot, MinCount: 1, Fill: none(), Line: 13},
			{Name: "usertype", Transform: TOneHot, MinCount: 1, Fill: none(), Line: 14},
		},
		Label: &Label{Name: "birth_year", Fill: Fill{Kind: FillDrop}, Line: 16},
		Keep:  []Field{{Name: "trip_id", Line: 17}},
		Split: Split{By: []string{"start_station_name"}, Ratios: []Ratio{{"train", 0.9}, {"eval", 0.1}}, Seed: 42, Line: 18},
		Aggregates: []Aggregate{{
			Name: "stations", By: []string{"start_station_id"}, Line: 23,
			Compute: []AggExpr{
				{Name: "trips", Func: AggCount, Line: 25},
				{Name: "mean_duration", Func: AggMean, Column: "tripduration", Line: 25},
				{Name: "std_duration", Func: AggStd, Column: "tripduration", Line: 25},
			},
		}},
		Output: Output{Path: "out/citibike", Format: "arrow", Compression: "zstd", Shards: 8, Shuffle: true, Line: 26},
		Engine: Engine{Prefer: "auto", Fallback: "allow"},
	}
}

// compareJob compares field by field so a failure names the field.
func compareJob(t *testing.T, got *Job, want Job) {
	t.Helper()
	check := func(name string, g, w any) {
		t.Helper()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, g, w)
		}
	}
	check("Name", got.Name, want.Name)
	check("Input", got.Input, want.Input)
	check("Filter", got.Filter, want.Filter)
	check("Columns", got.Columns, want.Columns)
	if len(got.Features) != len(want.Features) {
		t.Fatalf("Features: got %d, want %d", len(got.Features), len(want.Features))
	}
	for i := range want.Features {
		check("Features["+want.Features[i].Name+"]", got.Features[i], want.Features[i])
	}
	check("Label", got.Label, want.Label)
	check("Keep", got.Keep, want.Keep)
	check("Split", got.Split, want.Split)
	check("Aggregates", got.Aggregates, want.Aggregates)
	check("Output", got.Output, want.Output)
	check("Engine", got.Engine, want.Engine)
	check("Sets", got.Sets, want.Sets)
}

func TestDesignExample(t *testing.T) {
	j, err := Parse("jobs/job.yaml", []byte(designExample), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := wantBody()
	want.Input = Input{Path: "data/citibike/", Format: "parquet", Line: 2,
		CSV: CSVOptions{Delimiter: ",", Header: true, Null: []string{"", "NA", "null"}}}
	compareJob(t, j, want)
	if j.File != "jobs/job.yaml" || j.Dir != "jobs" {
		t.Errorf("File %q Dir %q, want jobs/job.yaml and jobs", j.File, j.Dir)
	}
	sum := sha256.Sum256([]byte(designExample))
	if j.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("SHA256 %s, want %x", j.SHA256, sum)
	}
}

func TestCitibikeTestdata(t *testing.T) {
	path := filepath.Join("testdata", "citibike.yaml")
	j, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := wantBody()
	want.Input = Input{Generate: &Generate{Kind: "citibike", Rows: 200000, Seed: 1, Files: 8}, Line: 2}
	// The testdata file has one line less in input: than the design example.
	want.Filter.Line = 4
	want.Columns[0].Line, want.Columns[0].Expr.Line = 6, 6
	for i := range want.Features {
		want.Features[i].Line -= 2
	}
	want.Label.Line, want.Keep[0].Line, want.Split.Line = 14, 15, 16
	want.Aggregates[0].Line = 21
	for i := range want.Aggregates[0].Compute {
		want.Aggregates[0].Compute[i].Line = 23
	}
	want.Output.Line = 24
	compareJob(t, j, want)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if j.SHA256 != hex.EncodeToString(sum[:]) || j.Dir != "testdata" || j.File != path {
		t.Errorf("SHA256/Dir/File = %s %s %s", j.SHA256, j.Dir, j.File)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil)
	e, ok := err.(*Error)
	if !ok || e.Line != 0 || e.File == "" {
		t.Fatalf("got %#v", err)
	}
}
