package jobspec

import (
	"reflect"
	"testing"
)

// head is a minimal valid job; cases append sections after it.
const head = "name: t\ninput: {path: trips.parquet}\noutput: {path: out}\n"

func TestGoodJobs(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	cases := []struct {
		name  string
		yaml  string
		check func(t *testing.T, j *Job)
	}{
		{"defaults", head + "keep: [a]\n", func(t *testing.T, j *Job) {
			want := Output{Path: "out", Format: "arrow", Compression: "zstd", Shards: 1, Shuffle: true, Line: 3}
			if j.Output != want {
				t.Errorf("Output %+v, want %+v", j.Output, want)
			}
			if j.Engine != (Engine{"auto", "allow"}) {
				t.Errorf("Engine %+v", j.Engine)
			}
			if !reflect.DeepEqual(j.Split, Split{Ratios: []Ratio{{"train", 1}}}) {
				t.Errorf("Split %+v", j.Split)
			}
			if j.Filter != nil || j.Label != nil || j.Columns != nil || j.Features != nil || j.Aggregates != nil {
				t.Errorf("absent sections not empty: %+v", j)
			}
			if j.Input.Format != "parquet" {
				t.Errorf("format %q", j.Input.Format)
			}
		}},
		{"format from extension", "name: t\ninput: {path: 'in/*.FEATHER'}\noutput: {path: o}\nkeep: [a]\n", func(t *testing.T, j *Job) {
			if j.Input.Format != "arrow" {
				t.Errorf("format %q, want arrow", j.Input.Format)
			}
		}},
		{"explicit format for a directory", "name: t\ninput: {path: in/, format: csv, csv: {delimiter: ';', header: false, types: {a: int64, b: timestamp}, null: ['', NA, null, ~]}}\noutput: {path: o}\nkeep: a\n", func(t *testing.T, j *Job) {
			want := CSVOptions{Delimiter: ";", Header: false, Types: map[string]string{"a": "int64", "b": "timestamp"}, Null: []string{"", "NA", "null", "~"}}
			if !reflect.DeepEqual(j.Input.CSV, want) {
				t.Errorf("CSV %+v, want %+v", j.Input.CSV, want)
			}
			if !reflect.DeepEqual(j.Keep, []Field{{"a", 4}}) {
				t.Errorf("Keep %+v", j.Keep)
			}
		}},
		{"generate defaults", "name: t\ninput: {generate: {kind: citibike, rows: 10}}\noutput: {path: o}\nkeep: [a]\n", func(t *testing.T, j *Job) {
			if !reflect.DeepEqual(j.Input.Generate, &Generate{Kind: "citibike", Rows: 10, Seed: 0, Files: 8}) || j.Input.Path != "" || j.Input.Format != "" {
				t.Errorf("Input %+v", j.Input)
			}
		}},
		{"features options and fills", head + `features:
  a: {transform: clip, min: -1.5, fill: {value: 3}}
  b: {transform: clip, max: 10}
  c: {transform: bucketize, buckets: 4, fill: mean}
  d: {transform: onehot, top_k: 0, fill: {value: unknown}}
  e: {transform: hash, buckets: 2, fill: mode}
  f: {transform: log1p, fill: {value: 0.25}}
  g: identity
`, func(t *testing.T, j *Job) {
			want := []Feature{
				{Name: "a", Transform: TClip, Min: f(-1.5), Fill: Fill{Kind: FillValue, Value: int64(3)}, Line: 5},
				{Name: "b", Transform: TClip, Max: f(10), Fill: none(), Line: 6},
				{Name: "c", Transform: TBucketize, Buckets: 4, Fill: Fill{Kind: FillMean}, Line: 7},
				{Name: "d", Transform: TOneHot, MinCount: 1, Fill: Fill{Kind: FillValue, Value: "unknown"}, Line: 8},
				{Name: "e", Transform: THash, Buckets: 2, Fill: Fill{Kind: FillMode}, Line: 9},
				{Name: "f", Transform: TLog1p, Fill: Fill{Kind: FillValue, Value: 0.25}, Line: 10},
				{Name: "g", Transform: TIdentity, Fill: none(), Line: 11},
			}
			if !reflect.DeepEqual(j.Features, want) {
				t.Errorf("Features\n got %+v\nwant %+v", j.Features, want)
			}
		}},
		{"label forms", head + "label:\n  y: {}\n", func(t *testing.T, j *Job) {
			if !reflect.DeepEqual(j.Label, &Label{Name: "y", Fill: none(), Line: 5}) {
				t.Errorf("Label %+v", j.Label)
			}
		}},
		{"label null value", head + "label:\n  y:\n", func(t *testing.T, j *Job) {
			if !reflect.DeepEqual(j.Label, &Label{Name: "y", Fill: none(), Line: 5}) {
				t.Errorf("Label %+v", j.Label)
			}
		}},
		{"label value fill", head + "label: {y: {fill: {value: true}}}\n", func(t *testing.T, j *Job) {
			if !reflect.DeepEqual(j.Label.Fill, Fill{Kind: FillValue, Value: true}) {
				t.Errorf("Label %+v", j.Label)
			}
		}},
		{"split with key and three ratios", head + "keep: [a]\nsplit:\n  by: [a, b]\n  key: id\n  ratios: {train: 0.7, eval: 0.2, test-1: 0.1}\n  seed: 18446744073709551615\n", func(t *testing.T, j *Job) {
			want := Split{By: []string{"a", "b"}, Key: "id", Ratios: []Ratio{{"train", 0.7}, {"eval", 0.2}, {"test-1", 0.1}}, Seed: 1<<64 - 1, Line: 5}
			if !reflect.DeepEqual(j.Split, want) {
				t.Errorf("Split %+v, want %+v", j.Split, want)
			}
		}},
		{"aggregates only, count(c), spaces", head + "aggregates:\n  t1:\n    by: a\n    compute:\n      n: count(b)\n      d: ' count_distinct( c ) '\n", func(t *testing.T, j *Job) {
			want := []Aggregate{{Name: "t1", By: []string{"a"}, Line: 5, Compute: []AggExpr{
				{Name: "n", Func: AggCount, Column: "b", Line: 8},
				{Name: "d", Func: AggCountDistinct, Column: "c", Line: 9},
			}}}
			if !reflect.DeepEqual(j.Aggregates, want) {
				t.Errorf("Aggregates %+v", j.Aggregates)
			}
		}},
		{"derived column used as a feature", head + "columns:\n  age: 2020 - birth_year\nfeatures:\n  age: zscore\n", func(t *testing.T, j *Job) {
			if len(j.Columns) != 1 || len(j.Features) != 1 || j.Features[0].Name != "age" {
				t.Errorf("Columns %+v Features %+v", j.Columns, j.Features)
			}
		}},
		{"engine and output options", head[:len(head)-len("output: {path: out}\n")] + "keep: [a]\noutput: {path: o, format: parquet, compression: none, shards: 3, shuffle: false, overwrite: true}\nengine: {prefer: gpu, fallback: error}\n", func(t *testing.T, j *Job) {
			want := Output{Path: "o", Format: "parquet", Compression: "none", Shards: 3, Shuffle: false, Overwrite: true, Line: 4}
			if j.Output != want || j.Engine != (Engine{"gpu", "error"}) {
				t.Errorf("Output %+v Engine %+v", j.Output, j.Engine)
			}
		}},
		{"anchors and aliases", "name: t\ninput: {path: x.csv}\noutput: {path: o}\nfeatures:\n  a: &z {transform: zscore, fill: median}\n  b: *z\n", func(t *testing.T, j *Job) {
			if len(j.Features) != 2 || j.Features[1].Transform != TZScore || j.Features[1].Fill.Kind != FillMedian {
				t.Errorf("Features %+v", j.Features)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j, err := Parse("job.yaml", []byte(c.yaml), nil)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			c.check(t, j)
		})
	}
}

func TestExprPositions(t *testing.T) {
	src := "name: t\ninput: {path: a.csv}\noutput: {path: o}\nkeep: [a]\n" +
		"filter: \"a > 1\"\n" + // line 5: quote at col 9, text at col 10
		"columns:\n" +
		"  b: 'x + 1'\n" + // line 7: text at col 7
		"  c: |\n" + // line 8: block scalar, text on line 9
		"     a *\n" +
		"     2\n"
	j, err := Parse("job.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if *j.Filter != (Expr{Src: "a > 1", Line: 5, Col: 10}) {
		t.Errorf("Filter %+v", *j.Filter)
	}
	want := []DerivedColumn{
		{Name: "b", Expr: Expr{Src: "x + 1", Line: 7, Col: 7}, Line: 7},
		{Name: "c", Expr: Expr{Src: "a *\n2", Line: 9, Col: 6}, Line: 8},
	}
	if !reflect.DeepEqual(j.Columns, want) {
		t.Errorf("Columns\n got %+v\nwant %+v", j.Columns, want)
	}
}
