package runreport

import (
	"testing"
	"time"

	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/sink"
)

func TestCompletionETA(t *testing.T) {
	stages := []PlanStage{
		{ID: 0, Kind: planner.StageScan, Weight: StageWeight(planner.StageScan)},             // 4
		{ID: 1, Kind: planner.StageShardWrite, Weight: StageWeight(planner.StageShardWrite)}, // 4
		{ID: 2, Kind: "unknown", Weight: StageWeight("unknown")},                             // 1
	}
	// Scan done, half the shard writes, the last not started: (4 + 2) / 9.
	c := Completion(stages, map[int]float64{0: 1, 1: 0.5})
	if want := 6.0 / 9; c != want {
		t.Errorf("completion %v, want %v", c, want)
	}
	// Fractions outside [0, 1] are clamped.
	if c := Completion(stages, map[int]float64{0: 3, 1: -1}); c != 4.0/9 {
		t.Errorf("clamped completion %v, want %v", c, 4.0/9)
	}
	if left, ok := ETA(60*time.Second, 0.25); !ok || left != 180*time.Second {
		t.Errorf("ETA at 25%% after 60 s = %v %v, want 3m0s", left, ok)
	}
	if _, ok := ETA(time.Second, 0); ok {
		t.Error("an ETA before any progress")
	}
}

func TestExpectError(t *testing.T) {
	frac := 0.25
	e := &ExpectError{File: "job.yaml", Line: 12, Result: &sink.Expectations{Rows: 8, Rules: []sink.ExpectationRule{
		{Column: "fare", Spec: "range [0, 500]", Rule: "range", Violations: 1,
			Examples: []sink.ExpectationExample{{File: "a.csv", Row: 3, Value: "-2"}}},
		{Column: "tip", Spec: "null_fraction_max 0.1", Rule: jobspec.RuleNullFractionMax, Violations: 2, Fraction: &frac},
		{Column: "id", Spec: "unique", Rule: jobspec.RuleUnique, Passed: true},
	}}}
	want := "job.yaml:12: expect: 2 of 3 rules failed on 8 rows read; no output was written\n" +
		"  fare range [0, 500]: 1 violating row, e.g. -2 (a.csv row 3)\n" +
		"  tip null_fraction_max 0.1: 2 of 8 rows null (fraction 0.25)"
	if got := e.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
