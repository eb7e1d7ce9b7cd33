package barrier

import (
	"slices"

	"github.com/sluice-ml/sluice/input"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/expect"
)

// rowMask keeps the row-in-file bits of a row id (file index << 40 | row).
const rowMask = 1<<40 - 1

// Expectations merges the rules' results in task order (the examples
// are the first in input order, by row id): the scan tasks' counts and,
// for the unique rules, the expect-unique stage's (uniq).
func Expectations(x *planner.ExpectPlan, job *jobspec.Job, ds *input.Dataset, scans []*task.ScanResult, uniq []*task.UniqueResult) *sink.Expectations {
	out := &sink.Expectations{OnFail: job.Expect.OnFail, Passed: true}
	for _, s := range scans {
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
			for _, s := range scans {
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
				er.Examples = append(er.Examples, sink.ExpectationExample{File: ds.Files[e.RowID>>40].Path, Row: e.RowID&rowMask + 1, Value: e.Value})
			}
		}
		out.Passed = out.Passed && er.Passed
		out.Rules = append(out.Rules, er)
	}
	return out
}
