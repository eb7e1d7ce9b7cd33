package sink

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/sink/shard"
)

func sampleManifest() *Manifest {
	return &Manifest{
		FormatVersion: ManifestFormatVersion,
		Job:           JobInfo{Name: "citibike-birth-year", SHA256: strings.Repeat("ab", 32), File: "job.yaml", Sets: []string{"split.seed=7"}},
		Derived:       []DerivedColumn{{Name: "age", Expr: "2020 - birth_year", Type: "int64"}},
		Input:         InputInfo{Format: "parquet", Files: []InputFile{{Path: "data/a.parquet", Bytes: 100, Rows: 10}}},
		Rows: RowCounts{Read: 10, Filtered: 2, Dropped: 1, Written: 7,
			DroppedBy: map[string]int64{"birth_year": 1}, NaN: map[string]int64{"z": 2, "a": 1}, Inf: map[string]int64{}},
		Schema: []Column{{Name: "tripduration", Type: "float32", Source: "tripduration", Role: RoleFeature, Transform: "zscore"}},
		Splits: []Split{{Name: "train", Ratio: 0.9, Rows: 0, Shards: []shard.Info{}}},
		Transforms: []Transform{{Feature: "tripduration", Transform: "zscore", Source: "tripduration", FittedOn: "train",
			Params: json.RawMessage(`{"mean": 1.5, "std": 2}`)}},
		Aggregates: []AggregateTable{},
		Split:      SplitSpec{By: []string{"start_station_name"}, Seed: 1<<63 + 5, Ratios: []SplitRatio{{"train", 0.9}, {"eval", 0.1}}, Stratified: true},
		Shuffle:    ShuffleSpec{Enabled: true, Seed: 7},
		Engine:     EngineInfo{Prefer: "auto", Fallback: "allow", Placement: []Placement{{Stage: 1, Operator: "filter", Engine: "cpu", Reason: "no gpu"}}, Fallbacks: []string{}},
		Output:     OutputSpec{Format: "arrow", Compression: "zstd", ShardsPerSplit: 8},
	}
}

func TestManifestJSONRoundTrip(t *testing.T) {
	m := sampleManifest()
	data, err := MarshalManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseManifest("m", data)
	if err != nil {
		t.Fatal(err)
	}
	// RawMessage is re-indented by MarshalIndent; compare it compacted.
	var c bytes.Buffer
	if err := json.Compact(&c, back.Transforms[0].Params); err != nil {
		t.Fatal(err)
	}
	if c.String() != `{"mean":1.5,"std":2}` {
		t.Errorf("params = %s", c.String())
	}
	back.Transforms[0].Params = m.Transforms[0].Params
	if !reflect.DeepEqual(back, m) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", back, m)
	}
	again, err := MarshalManifest(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, data) {
		t.Error("marshal(parse(marshal(m))) != marshal(m)")
	}
	if back.Split.Seed != 1<<63+5 {
		t.Errorf("uint64 seed lost precision: %d", back.Split.Seed)
	}
}

func TestManifestJSONShape(t *testing.T) {
	data, err := MarshalManifest(&Manifest{FormatVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	// Top-level keys in the documented order, snake_case, nil written as [] / {}.
	keys := []string{`"format_version": 1`, `"job": {`, `"input": {`, `"rows": {`, `"schema": []`, `"splits": []`,
		`"transforms": []`, `"aggregates": []`, `"split": {`, `"shuffle": {`, `"engine": {`, `"output": {`}
	last := -1
	for _, k := range keys {
		i := strings.Index(s, "\n  "+k)
		if i < 0 || i < last {
			t.Fatalf("key %s missing or out of order in\n%s", k, s)
		}
		last = i
	}
	for _, k := range []string{`"dropped_by": {}`, `"nan": {}`, `"files": []`, `"placement": []`, `"shards_per_split": 0`} {
		if !strings.Contains(s, k) {
			t.Errorf("missing %s in\n%s", k, s)
		}
	}
	if strings.Contains(s, "null") || !strings.HasSuffix(s, "}\n") {
		t.Errorf("unexpected null or ending in\n%s", s)
	}
	// Map keys are sorted, so the bytes do not depend on map order.
	full, _ := MarshalManifest(sampleManifest())
	if i, j := bytes.Index(full, []byte(`"a": 1`)), bytes.Index(full, []byte(`"z": 2`)); i < 0 || j < i {
		t.Errorf("map keys not sorted:\n%s", full)
	}
}

func TestReadManifestErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadManifest(dir); err == nil {
		t.Error("missing manifest accepted")
	}
	for _, c := range []struct{ body, want string }{
		{`{"format_version": 2}`, "format_version 2"},
		{`{"format_version": 1, "extra": 1}`, "unknown field"},
		{`{"format_version": 1} {}`, "trailing"},
		{`{"format_version": `, "unexpected EOF"},
	} {
		if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(c.body), 0o666); err != nil {
			t.Fatal(err)
		}
		_, err := ReadManifest(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "manifest.json") {
			t.Errorf("%s: err = %v, want it to name the file and say %q", c.body, err, c.want)
		}
	}
}

func TestTypeName(t *testing.T) {
	for _, c := range []struct {
		dt   arrow.DataType
		want string
	}{
		{arrow.PrimitiveTypes.Float32, "float32"}, {arrow.PrimitiveTypes.Float64, "float64"},
		{arrow.PrimitiveTypes.Int32, "int32"}, {arrow.PrimitiveTypes.Int64, "int64"},
		{arrow.FixedWidthTypes.Boolean, "bool"}, {arrow.BinaryTypes.String, "string"}, {dictType, "string"},
		{&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, "timestamp[us]"},
	} {
		if got := TypeName(c.dt); got != c.want {
			t.Errorf("TypeName(%s) = %q; want %q", c.dt, got, c.want)
		}
	}
	for dt, want := range map[arrow.DataType]string{arrow.PrimitiveTypes.Int8: "int8",
		&arrow.TimestampType{Unit: arrow.Nanosecond}: "timestamp[ns]", arrow.BinaryTypes.Binary: "binary"} {
		if got := TypeName(dt); got != want {
			t.Errorf("TypeName(%s) = %q, want %q", dt, got, want)
		}
	}
}
