package planner

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/jobspec"
)

func withExpect(rules ...jobspec.ExpectRule) Inputs {
	in := citibikeInputs()
	in.Job.Expect = &jobspec.Expect{Rules: rules, OnFail: jobspec.OnFailError, Line: 30}
	return in
}

// The expect section reads its columns (bikeid and starttime are otherwise
// unused), turns row-group pruning off (the rules see every row read),
// checks right after the row key, before the filter, and adds the
// expect-unique stage: one task per unique rule and hash partition.
func TestExpectPlan(t *testing.T) {
	p := mustBuild(t, withExpect(
		jobspec.ExpectRule{Column: "bikeid", Kind: jobspec.RuleUnique, Line: 31},
		jobspec.ExpectRule{Column: "age", Kind: jobspec.RuleBetween, Lo: 0, Hi: 120, Line: 32},
		jobspec.ExpectRule{Column: "trip_id", Kind: jobspec.RuleUnique, Line: 33},
		jobspec.ExpectRule{Kind: jobspec.RuleRowsMin, Count: 10, Line: 34},
	))
	if len(p.Prune) != 0 {
		t.Errorf("Prune = %v with an expect section", p.Prune)
	}
	if !strings.Contains(strings.Join(p.ScanColumns, ","), "bikeid") {
		t.Errorf("ScanColumns %v lack bikeid", p.ScanColumns)
	}
	if got := strings.Join(opNames(&p.Stages[0])[:5], ","); got != "Scan,RowKey,Expect,ShuffleWrite,Filter" {
		t.Errorf("scan ops start %s", got)
	}
	if p.Stages[1].Kind != StageExpect || p.Stages[1].Tasks != 2*8 {
		t.Errorf("stage 2: %s with %d tasks, want %s with 16", p.Stages[1].Kind, p.Stages[1].Tasks, StageExpect)
	}
	if rules := p.Stages[0].Operators[2].Param("rules"); rules != "[bikeid.unique, age.between [0, 120], trip_id.unique, rows min 10]" {
		t.Errorf("Expect rules=%s", rules)
	}
	if p.Expect == nil || len(p.Expect.Unique) != 2 || p.Expect.UniquePartitions != 8 {
		t.Errorf("ExpectPlan %+v", p.Expect)
	}
	// Without unique rules there is no extra stage.
	p = mustBuild(t, withExpect(jobspec.ExpectRule{Column: "gender", Kind: jobspec.RuleIn, In: []any{"Male"}, Line: 31}))
	if p.Stage(StageExpect) != nil || p.Stages[0].Operators[3].Name == OpShuffleWrite {
		t.Errorf("a plan without unique rules has an expect exchange")
	}
}

func TestExpectPlanErrors(t *testing.T) {
	for _, c := range []struct {
		rule        jobspec.ExpectRule
		field, frag string
	}{
		{jobspec.ExpectRule{Column: "nosuch", Kind: jobspec.RuleNotNull, Line: 31}, "expect.nosuch.not_null", `no column "nosuch"`},
		{jobspec.ExpectRule{Column: "agee", Kind: jobspec.RuleNotNull, Line: 31}, "expect.agee.not_null", `did you mean "age"?`},
		{jobspec.ExpectRule{Column: "gender", Kind: jobspec.RuleBetween, Lo: 0, Hi: 1, Line: 31}, "expect.gender.between", "between needs a numeric column: int64 or float64 (got gender string)"},
		{jobspec.ExpectRule{Column: "starttime", Kind: jobspec.RuleBetween, Lo: 0, Hi: 1, Line: 31}, "expect.starttime.between", "(got starttime timestamp)"},
		{jobspec.ExpectRule{Column: "gender", Kind: jobspec.RuleIn, In: []any{"Male", int64(1)}, Line: 31}, "expect.gender.in[1]", `"gender" is string, so in takes string values (got the number 1)`},
		{jobspec.ExpectRule{Column: "bikeid", Kind: jobspec.RuleIn, In: []any{1.5}, Line: 31}, "expect.bikeid.in[0]", "in takes whole numbers (got 1.5)"},
		{jobspec.ExpectRule{Column: "bikeid", Kind: jobspec.RuleIn, In: []any{true}, Line: 31}, "expect.bikeid.in[0]", "so in takes number values (got the bool true)"},
		{jobspec.ExpectRule{Column: "starttime", Kind: jobspec.RuleIn, In: []any{"x"}, Line: 31}, "expect.starttime.in", "in needs a string, int64, float64 or bool column (got starttime timestamp)"},
	} {
		_, err := Build(withExpect(c.rule))
		var e *jobspec.Error
		if !errors.As(err, &e) || e.Line != 31 || e.Field != c.field || !strings.Contains(e.Msg, c.frag) {
			t.Errorf("%+v: got %v, want line 31 field %s with %q", c.rule, err, c.field, c.frag)
		}
	}
}
