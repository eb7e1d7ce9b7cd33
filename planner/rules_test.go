package planner

import (
	"testing"

	"github.com/sluice-ml/sluice/planner/logical"
)

// ruleBefore builds the inputs' logical plan and runs the rules listed
// before the named one, returning that plan (the rule's input) and the rule.
func ruleBefore(t *testing.T, in Inputs, name string) (*logical.LogicalPlan, *logical.Env, logical.Rule) {
	t.Helper()
	p := mustBuild(t, in)
	env := &logical.Env{Partitions: aggPartitions(in.InputTasks)}
	for _, f := range in.Schema.Fields() {
		env.InputColumns = append(env.InputColumns, f.Name)
	}
	plan := p.Logical.Clone()
	for _, r := range logical.Rules {
		if r.Name == name {
			return plan, env, r
		}
		r.Apply(plan, env)
		plan.Renumber()
	}
	t.Fatalf("no rule %q", name)
	return nil, nil, logical.Rule{}
}

// runRule applies one rule to a copy and writes the before/after golden.
func runRule(t *testing.T, in Inputs, name, goldenName string) (before, after *logical.LogicalPlan, applied bool) {
	t.Helper()
	before, env, r := ruleBefore(t, in, name)
	after = before.Clone()
	applied = r.Apply(after, env)
	after.Renumber()
	golden(t, goldenName, "rule: "+name+"\n-- before --\n"+before.String()+"-- after --\n"+after.String())
	if again := after.Clone(); r.Apply(again, env) {
		t.Errorf("%s changed the plan a second time", name)
	}
	return before, after, applied
}
