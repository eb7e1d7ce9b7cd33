package planner

import "testing"

// ruleBefore builds the inputs' logical plan and runs the rules listed
// before the named one, returning that plan (the rule's input) and the rule.
func ruleBefore(t *testing.T, in Inputs, name string) (*LogicalPlan, *ruleEnv, rule) {
	t.Helper()
	p := mustBuild(t, in)
	env := &ruleEnv{partitions: aggPartitions(in.InputTasks)}
	for _, f := range in.Schema.Fields() {
		env.inputColumns = append(env.inputColumns, f.Name)
	}
	plan := p.Logical.clone()
	for _, r := range rules {
		if r.name == name {
			return plan, env, r
		}
		r.apply(plan, env)
		plan.renumber()
	}
	t.Fatalf("no rule %q", name)
	return nil, nil, rule{}
}

// runRule applies one rule to a copy and writes the before/after golden.
func runRule(t *testing.T, in Inputs, name, goldenName string) (before, after *LogicalPlan, applied bool) {
	t.Helper()
	before, env, r := ruleBefore(t, in, name)
	after = before.clone()
	applied = r.apply(after, env)
	after.renumber()
	golden(t, goldenName, "rule: "+name+"\n-- before --\n"+before.String()+"-- after --\n"+after.String())
	if again := after.clone(); r.apply(again, env) {
		t.Errorf("%s changed the plan a second time", name)
	}
	return before, after, applied
}
