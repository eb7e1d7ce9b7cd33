package planner

import (
	"testing"

	"github.com/sluice-ml/sluice/planner/logical"
)

func TestRuleProjectionPushdown(t *testing.T) {
	before, after, applied := runRule(t, citibikeInputs(), "projection-pushdown", "rule_projection_pushdown.txt")
	if !applied || before.Find(logical.NodeScan).Columns != nil {
		t.Fatalf("applied=%v, before columns %v", applied, before.Find(logical.NodeScan).Columns)
	}
	// Oracle: every column the job names, mapped back to input columns in
	// schema order (age → birth_year).
	named := map[string]bool{"tripduration": true, "start_station_id": true, "end_station_id": true, "gender": true,
		"usertype": true, "birth_year": true, "trip_id": true, "start_station_name": true}
	var want []string
	for _, f := range citibikeSchema().Fields() {
		if named[f.Name] {
			want = append(want, f.Name)
		}
	}
	if got := after.Find(logical.NodeScan).Columns; !equalStrings(got, want) {
		t.Errorf("scan columns %v, want %v", got, want)
	}
	// A job that uses every input column keeps reading all of them.
	in := citibikeInputs()
	in.Job.Keep = append(in.Job.Keep, in.Job.Keep[0])
	in.Job.Keep[1].Name = "starttime"
	in.Derived[0].Columns = []string{"birth_year", "bikeid"}
	p, env, r := ruleBefore(t, in, "projection-pushdown")
	if r.Apply(p, env) || p.Find(logical.NodeScan).Columns != nil {
		t.Errorf("all columns used: want no change, got %v", p.Find(logical.NodeScan).Columns)
	}
}
