package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner/logical"
)

// OpKindExpect is the kind engines are asked about for the Expect
// operator; only the CPU engine runs it.
const OpKindExpect exec.OpKind = "expect"

// ExpectPlan is how the expect section runs: the scan's Expect operator
// checks every rule but unique on the rows as read (before the filter and
// the fills), and writes each unique column's (hash, value, row id)
// hash-partitioned for the expect-unique stage, which has UniquePartitions
// tasks per unique rule.
type ExpectPlan struct {
	Rules            []jobspec.ExpectRule
	Unique           []int // indices into Rules of the unique rules
	UniquePartitions int
}

// expectPlan is nil without an expect section.
func expectPlan(c *planCtx) *ExpectPlan {
	x := c.job.Expect
	if x == nil {
		return nil
	}
	p := &ExpectPlan{Rules: x.Rules, UniquePartitions: c.partitions}
	for i, r := range x.Rules {
		if r.Kind == jobspec.RuleUnique {
			p.Unique = append(p.Unique, i)
		}
	}
	return p
}

// expectInputs are the input columns the rules read (the Scan must read
// them; a derived column's inputs are the Project's).
func expectInputs(c *planCtx) []string {
	var out []string
	if c.job.Expect == nil {
		return nil
	}
	for _, r := range c.job.Expect.Rules {
		if col, ok := c.cat.Lookup(r.Column); ok && !col.Derived {
			out = appendNew(out, r.Column)
		}
	}
	return out
}

// expectColumns are the columns the rules name, in rule order.
func expectColumns(rules []jobspec.ExpectRule) []string {
	var out []string
	for _, r := range rules {
		if r.Column != "" {
			out = appendNew(out, r.Column)
		}
	}
	return out
}

// ExpectRuleString is one rule as EXPLAIN, the manifest and messages show
// it, e.g. "between [60, 86400]", "in [Male, Female]", "rows min 1000".
func ExpectRuleString(r jobspec.ExpectRule) string {
	switch r.Kind {
	case jobspec.RuleBetween:
		return fmt.Sprintf("between [%s, %s]", fmtFloat(r.Lo), fmtFloat(r.Hi))
	case jobspec.RuleIn:
		vals := make([]string, len(r.In))
		for i, v := range r.In {
			switch x := v.(type) {
			case float64:
				vals[i] = fmtFloat(x)
			default:
				vals[i] = fmt.Sprint(x)
			}
		}
		return "in [" + strings.Join(vals, ", ") + "]"
	case jobspec.RuleNullFractionMax:
		return "null_fraction_max " + fmtFloat(r.Max)
	case jobspec.RuleRowsMin:
		return "rows min " + strconv.FormatInt(r.Count, 10)
	case jobspec.RuleRowsMax:
		return "rows max " + strconv.FormatInt(r.Count, 10)
	}
	return r.Kind
}

// expectOps are the scan's Expect operator and, with unique rules, the
// exchange that writes their values.
func (l *lowerer) expectOps() []PhysOp {
	x := l.c.job.Expect
	if x == nil {
		return nil
	}
	cols := expectColumns(x.Rules)
	parts := []string{}
	for _, r := range x.Rules {
		if r.Column == "" {
			parts = append(parts, ExpectRuleString(r))
		} else {
			parts = append(parts, r.Column+"."+ExpectRuleString(r))
		}
	}
	ops := []PhysOp{l.op(OpExpect, l.typesOf(cols...), logical.KV{Key: "rules", Value: logical.List(parts)}, logical.KV{Key: "on", Value: "rows as read"}, logical.KV{Key: "on_fail", Value: x.OnFail})}
	if uniq := uniqueColumns(x.Rules); len(uniq) > 0 {
		ops = append(ops, l.op(OpShuffleWrite, l.typesOf(uniq...), logical.KV{Key: "expect", Value: "unique"}, logical.KV{Key: "columns", Value: logical.List(uniq)},
			logical.KV{Key: "partitioning", Value: "hash(value)"}, logical.KV{Key: "partitions", Value: strconv.Itoa(l.c.partitions)}))
	}
	return ops
}

func uniqueColumns(rules []jobspec.ExpectRule) []string {
	var out []string
	for _, r := range rules {
		if r.Kind == jobspec.RuleUnique {
			out = append(out, r.Column)
		}
	}
	return out
}

// lowerExpect emits the expect-unique stage when a rule is unique: task
// rule*partitions+p reads partition p of that rule's values from every
// scan task and sorts them (spilling past its memory budget) to find the
// repeated values, comparing the values themselves within equal hashes.
func (l *lowerer) lowerExpect(scanID int) {
	x := l.c.job.Expect
	if x == nil {
		return
	}
	uniq := uniqueColumns(x.Rules)
	if len(uniq) == 0 {
		return
	}
	ops := []PhysOp{
		l.op(OpShuffleRead, l.typesOf(uniq...), logical.KV{Key: "stage", Value: strconv.Itoa(scanID)}, logical.KV{Key: "expect", Value: "unique"}),
		l.op(OpExpectUnique, l.typesOf(uniq...), logical.KV{Key: "columns", Value: logical.List(uniq)}, logical.KV{Key: "order", Value: "hash, value, row"}, logical.KV{Key: "spill", Value: "past the task's memory budget"}),
	}
	l.stage(StageExpect, len(uniq)*l.c.partitions, []int{scanID}, ops,
		"driver merges the violations of every rule in input order and fails the job (on_fail: error) before any output is written")
}
