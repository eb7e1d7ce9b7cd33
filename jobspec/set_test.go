package jobspec

import (
	"reflect"
	"testing"
)

func TestSets(t *testing.T) {
	src := "name: t\ninput:\n  generate: {kind: citibike, rows: 200000, seed: 1}\nkeep: [a]\nsplit:\n  ratios: {train: 0.5, eval: 0.5}\n  seed: 42\noutput:\n  path: out\n"
	sets := []string{"output.overwrite=true", "input.generate.rows=1000", "split.seed=7", "engine.prefer=cpu", "output.shards= 4", "keep=[b, c]", "filter=", "filter=a > 1"}
	j, err := Parse("job.yaml", []byte(src), sets)
	if err != nil {
		t.Fatal(err)
	}
	if !j.Output.Overwrite || j.Output.Shards != 4 || j.Output.Path != "out" {
		t.Errorf("Output %+v", j.Output)
	}
	if j.Input.Generate.Rows != 1000 || j.Input.Generate.Seed != 1 {
		t.Errorf("Generate %+v", j.Input.Generate)
	}
	if j.Split.Seed != 7 || len(j.Split.Ratios) != 2 {
		t.Errorf("Split %+v", j.Split)
	}
	if j.Engine.Prefer != "cpu" || j.Engine.Fallback != "allow" {
		t.Errorf("Engine %+v", j.Engine)
	}
	// Values from --set have no line in the file.
	if !reflect.DeepEqual(j.Keep, []Field{{"b", 0}, {"c", 0}}) {
		t.Errorf("Keep %+v", j.Keep)
	}
	if *j.Filter != (Expr{Src: "a > 1"}) {
		t.Errorf("Filter %+v", *j.Filter)
	}
	if !reflect.DeepEqual(j.Sets, sets) {
		t.Errorf("Sets %v", j.Sets)
	}
	// The hash covers the file bytes only.
	plain, err := Parse("job.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if plain.SHA256 != j.SHA256 || plain.Output.Overwrite || plain.Sets != nil {
		t.Errorf("plain parse %+v", plain)
	}
}

func TestSetReplacesNullSection(t *testing.T) {
	src := "name: t\ninput: {path: a.pq}\nkeep: [a]\noutput:\n  path: o\nengine:\n"
	j, err := Parse("job.yaml", []byte(src), []string{"engine.fallback=error"})
	if err != nil {
		t.Fatal(err)
	}
	if j.Engine != (Engine{"auto", "error"}) {
		t.Errorf("Engine %+v", j.Engine)
	}
}

func TestSetOnEmptyFile(t *testing.T) {
	j, err := Parse("job.yaml", nil, []string{"name=x", "input.path=a.csv", "output.path=o", "keep=a"})
	if err != nil {
		t.Fatal(err)
	}
	if j.Name != "x" || j.Input.Format != "csv" || j.Output.Path != "o" || j.Input.Line != 0 {
		t.Errorf("%+v", j)
	}
}

func TestBadSets(t *testing.T) {
	src := "name: t\ninput: {path: a.pq}\nkeep: [a]\noutput:\n  path: o\n"
	runBad(t, []badCase{
		{"unknown key", src, []string{"output.overwite=true"}, 0, "output.overwite", `unknown key "overwite"; did you mean "overwrite"?`},
		{"unknown section", src, []string{"outptu.shards=2"}, 0, "outptu", `did you mean "output"?`},
		{"through a scalar", src, []string{"name.first=x"}, 1, "name", `--set name.first: name is "t", not a mapping`},
		{"through a list", src, []string{"keep.x=1"}, 3, "keep", "is a list, not a mapping"},
		{"no equals", src, []string{"output.overwrite"}, 0, "--set", "expected key.path=value"},
		{"empty key", src, []string{"=1"}, 0, "--set", "expected key.path=value"},
		{"empty part", src, []string{"output..shards=1"}, 0, "--set", "empty part"},
		{"bad value yaml", src, []string{"keep=[a"}, 0, "keep", "--set keep: value \"[a\" is not valid YAML"},
		{"bad value type", src, []string{"output.shards=eight"}, 0, "output.shards", `expected an integer >= 1 (got "eight")`},
		{"bad value type bool", src, []string{"output.overwrite=yes"}, 0, "output.overwrite", `expected true or false (got "yes")`},
	})
}

func TestSetThroughAliasKeepsAnchor(t *testing.T) {
	src := "name: t\ninput: {path: a.pq}\noutput: {path: o}\nfeatures:\n  a: &z {transform: hash, buckets: 8}\n  b: *z\n"
	j, err := Parse("job.yaml", []byte(src), []string{"features.b.buckets=16"})
	if err != nil {
		t.Fatal(err)
	}
	if j.Features[0].Buckets != 8 || j.Features[1].Buckets != 16 {
		t.Errorf("buckets %d and %d, want 8 and 16", j.Features[0].Buckets, j.Features[1].Buckets)
	}
}
