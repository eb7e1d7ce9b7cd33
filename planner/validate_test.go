package planner

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/jobspec"
)

func TestValidationErrors(t *testing.T) {
	const cols = "columns are: trip_id, tripduration, starttime, start_station_id, start_station_name, end_station_id, usertype, birth_year, gender, bikeid, age"
	cases := []struct {
		name   string
		mutate func(in *Inputs)
		want   string // the whole message
	}{
		{"unknown feature", func(in *Inputs) { in.Job.Features[0].Name = "tripdurtion" },
			`job.yaml:11: features.tripdurtion: no column "tripdurtion" (did you mean "tripduration"?); ` + cols},
		{"string zscore", func(in *Inputs) { in.Job.Features[3].Transform = jobspec.TZScore },
			"job.yaml:14: features.gender: zscore needs a numeric column: int64, float64, timestamp or bool (got string); use vocab, onehot or hash for it"},
		{"string bucketize", func(in *Inputs) {
			in.Job.Features[4].Transform = jobspec.TBucketize
			in.Job.Features[4].Buckets = 4
		}, "job.yaml:15: features.usertype: bucketize needs a numeric column: int64, float64, timestamp or bool (got string); use vocab, onehot or hash for it"},
		{"median of string", func(in *Inputs) { in.Job.Features[3].Fill = jobspec.Fill{Kind: jobspec.FillMedian} },
			"job.yaml:14: features.gender: fill median needs a numeric column (got string); use mode or {value: X}"},
		{"fill value type", func(in *Inputs) { in.Job.Features[0].Fill = jobspec.Fill{Kind: jobspec.FillValue, Value: "x"} },
			`job.yaml:11: features.tripduration: fill value x is a string, but "tripduration" is int64`},
		{"fractional fill on int", func(in *Inputs) { in.Job.Features[0].Fill = jobspec.Fill{Kind: jobspec.FillValue, Value: 1.5} },
			`job.yaml:11: features.tripduration: fill value 1.5 is not a whole number, and "tripduration" is int64`},
		{"string label", func(in *Inputs) { in.Job.Label.Name = "gender"; in.Job.Features = in.Job.Features[:3] },
			"job.yaml:17: label.gender: the label must be numeric: int64, float64 or bool (got string)"},
		{"timestamp label", func(in *Inputs) { in.Job.Label.Name = "starttime" },
			"job.yaml:17: label.starttime: the label must be numeric: int64, float64 or bool (got timestamp)"},
		{"unknown keep", func(in *Inputs) { in.Job.Keep[0].Name = "tripid" },
			`job.yaml:18: keep: no column "tripid" (did you mean "trip_id"?); ` + cols},
		{"keep collides with feature", func(in *Inputs) { in.Job.Keep[0].Name = "gender" },
			`job.yaml:18: keep: "gender" is already an output column (as features.gender); each output column must be named once`},
		{"unknown split.by", func(in *Inputs) { in.Job.Split.By = []string{"station_name"} },
			`job.yaml:19: split.by: no column "station_name" (did you mean "start_station_name"?); ` + cols},
		{"unknown split.key", func(in *Inputs) { in.Job.Split.Key = "zzz" },
			`job.yaml:19: split.key: no column "zzz"; ` + cols},
		{"unknown aggregate by", func(in *Inputs) { in.Job.Aggregates[0].By = []string{"start_station"} },
			`job.yaml:24: aggregates.stations.by: no column "start_station" (did you mean "start_station_id"?); ` + cols},
		{"mean of string", func(in *Inputs) { in.Job.Aggregates[0].Compute[1].Column = "usertype" },
			"job.yaml:26: aggregates.stations.compute.mean_duration: mean needs a numeric column: int64, float64 or bool (got string)"},
		{"sum of timestamp", func(in *Inputs) {
			in.Job.Aggregates[0].Compute[1].Func = jobspec.AggSum
			in.Job.Aggregates[0].Compute[1].Column = "starttime"
		}, "job.yaml:26: aggregates.stations.compute.mean_duration: sum needs a numeric column: int64, float64 or bool (got timestamp)"},
		{"max of string", func(in *Inputs) {
			in.Job.Aggregates[0].Compute[2].Func = jobspec.AggMax
			in.Job.Aggregates[0].Compute[2].Column = "gender"
		}, "job.yaml:26: aggregates.stations.compute.std_duration: max needs a numeric or timestamp column (got string)"},
		{"filter not bool", func(in *Inputs) { in.Filter.Type = arrow.PrimitiveTypes.Int64 },
			"job.yaml:7: filter: the filter must be a bool expression (got int64)"},
		{"filter unknown column", func(in *Inputs) { in.Filter.Columns = []string{"duration"} },
			`job.yaml:7: filter: no column "duration" (did you mean "tripduration"?); ` + cols},
		{"derived uses unknown", func(in *Inputs) { in.Derived[0].Columns = []string{"birthyear"} },
			`job.yaml:9: columns.age: no column "birthyear" (did you mean "birth_year"?); a derived column can use input columns and derived columns defined above it: trip_id, tripduration, starttime, start_station_id, start_station_name, end_station_id, usertype, birth_year, gender, bikeid`},
		{"derived shadows input", func(in *Inputs) { in.Job.Columns[0].Name = "bikeid" },
			`job.yaml:9: columns.bikeid: column "bikeid" already exists in the input; choose another name`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := citibikeInputs()
			tc.mutate(&in)
			_, err := Build(in)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			var je *jobspec.Error
			if !errors.As(err, &je) {
				t.Fatalf("error %T is not a *jobspec.Error: %v", err, err)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tc.want)
			}
		})
	}
}

func TestValidationAccepts(t *testing.T) {
	// Derived columns are usable anywhere a column is, numeric transforms
	// take timestamps and bools, count_distinct and count(c) take strings.
	in := citibikeInputs()
	in.Job.Features = append(in.Job.Features,
		jobspec.Feature{Name: "age", Transform: jobspec.TClip, Fill: jobspec.Fill{Kind: jobspec.FillValue, Value: int64(30)}, Line: 16},
		jobspec.Feature{Name: "starttime", Transform: jobspec.TMinMax, Fill: jobspec.Fill{Kind: jobspec.FillNone}, Line: 16})
	in.Job.Aggregates[0].Compute = append(in.Job.Aggregates[0].Compute,
		jobspec.AggExpr{Name: "names", Func: jobspec.AggCountDistinct, Column: "start_station_name", Line: 26},
		jobspec.AggExpr{Name: "genders", Func: jobspec.AggCount, Column: "gender", Line: 26},
		jobspec.AggExpr{Name: "first", Func: jobspec.AggMin, Column: "starttime", Line: 26})
	p := mustBuild(t, in)
	if f := p.Features[5]; !f.Derived || f.Source != "age" {
		t.Errorf("age feature: %+v", f)
	}
	if !strings.Contains(p.Stages[0].Operators[0].Param("columns"), "starttime") {
		t.Errorf("starttime must be scanned now: %v", p.ScanColumns)
	}
}

func TestInputsErrors(t *testing.T) {
	in := citibikeInputs()
	in.Derived = nil
	if _, err := Build(in); err == nil || !strings.Contains(err.Error(), "0 derived expressions given for 1 derived columns") {
		t.Errorf("mismatched Derived: %v", err)
	}
	in = citibikeInputs()
	in.Filter = nil
	if _, err := Build(in); err == nil || !strings.Contains(err.Error(), "Inputs.Filter must be set") {
		t.Errorf("missing Filter facts: %v", err)
	}
	in = citibikeInputs()
	in.Engines = nil
	if _, err := Build(in); err == nil || err.Error() != "planner: no engines given" {
		t.Errorf("no engines: %v", err)
	}
	in = citibikeInputs()
	in.Fallback = "sometimes"
	if _, err := Build(in); err == nil || !strings.Contains(err.Error(), `fallback policy "sometimes"; allowed: allow, warn, error`) {
		t.Errorf("bad policy: %v", err)
	}
}
