package engine

import (
	"context"
	"slices"

	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/expect"
)

// rowMask keeps the row-in-file bits of a row id (file index << 40 | row).
const rowMask = 1<<40 - 1

// expectStage runs the expect-unique stage: one task per unique rule and
// hash partition, reading every scan task's expect file.
func (r *run) expectStage(ctx context.Context, d *driverState) error {
	tasks := len(r.UniqueRules()) * r.ExpectPartitions()
	res, err := r.stageWithInputs(ctx, d, planner.StageExpect, tasks, func() *task.Broadcast {
		locs := make([]task.Location, len(d.scans))
		for i, s := range d.scans {
			locs[i] = task.Location{Executor: s.Executor, Path: s.ExpectPath}
		}
		return &task.Broadcast{Caches: locs}
	})
	if err != nil {
		return err
	}
	d.uniq = make([]*task.UniqueResult, len(res))
	for i, x := range res {
		d.uniq[i] = x.(*task.UniqueResult)
	}
	return nil
}

// expectAfter checks the rules once their counts are in, whether the
// stage ran or came from the stage cache: after the scan when no rule is
// unique, else after the expect-unique stage.
func (r *run) expectAfter(d *driverState, st *planner.Stage) error {
	switch {
	case st.Kind == planner.StageScan && r.p.Plan.Stage(planner.StageExpect) == nil:
		return r.checkExpect(d, nil)
	case st.Kind == planner.StageExpect:
		return r.checkExpect(d, d.uniq)
	}
	return nil
}

// checkExpect merges the rules' results in task order (the examples are
// the first in input order, by row id) into the manifest's expectations,
// and fails the job when a rule failed under on_fail: error. Under warn
// each failed rule is a warning.
func (r *run) checkExpect(d *driverState, uniq []*task.UniqueResult) error {
	x := r.p.Plan.Expect
	if x == nil {
		return nil
	}
	job := r.p.Job
	out := &sink.Expectations{OnFail: job.Expect.OnFail, Passed: true}
	for _, s := range d.scans {
		out.Rows += s.RowsRead
	}
	for i, rule := range x.Rules {
		er := sink.ExpectationRule{Column: rule.Column, Rule: rule.Kind, Spec: planner.ExpectRuleString(rule)}
		var parts []expect.Count
		if rule.Kind == jobspec.RuleUnique {
			for _, u := range uniq {
				if u.Rule == i {
					parts = append(parts, u.Count)
				}
			}
		} else {
			for _, s := range d.scans {
				if i < len(s.Expect) {
					parts = append(parts, s.Expect[i])
				}
			}
		}
		var examples []expect.Example
		for _, p := range parts {
			er.Violations += p.Violations
			examples = append(examples, p.Examples...)
		}
		slices.SortFunc(examples, func(a, b expect.Example) int { return int(min(max(a.RowID-b.RowID, -1), 1)) })
		examples = examples[:min(len(examples), expect.MaxExamples)]
		switch rule.Kind {
		case jobspec.RuleNullFractionMax:
			f := 0.0
			if out.Rows > 0 {
				f = float64(er.Violations) / float64(out.Rows)
			}
			er.Fraction = &f
			er.Passed = f <= rule.Max
		case jobspec.RuleRowsMin:
			er.Passed = out.Rows >= rule.Count
		case jobspec.RuleRowsMax:
			er.Passed = out.Rows <= rule.Count
		default:
			er.Passed = er.Violations == 0
		}
		if !er.Passed {
			for _, e := range examples {
				er.Examples = append(er.Examples, sink.ExpectationExample{File: r.p.DS.Files[e.RowID>>40].Path, Row: e.RowID&rowMask + 1, Value: e.Value})
			}
		}
		out.Passed = out.Passed && er.Passed
		out.Rules = append(out.Rules, er)
	}
	d.expect = out
	if out.Passed {
		return nil
	}
	if out.OnFail == jobspec.OnFailWarn {
		for _, er := range out.Rules {
			if !er.Passed {
				r.warn("expect: " + runreport.DescribeFailure(er, out.Rows))
			}
		}
		return nil
	}
	return &runreport.ExpectError{File: job.File, Line: job.Expect.Line, Result: out}
}
