package planner

// ruleEnv is what the rules know beyond the plan itself.
type ruleEnv struct {
	inputColumns []string // the input schema's column names, in schema order
	partitions   int      // hash partitions of an aggregate exchange
	noPrune      bool     // the expect section checks every row read: no row group may be skipped
}

// rule rewrites a plan in place and reports whether it changed anything.
type rule struct {
	name  string
	apply func(p *LogicalPlan, env *ruleEnv) bool
}

// rules run once each, in this order.
var rules = []rule{
	// First: later rules and the physical plan read Scan.Columns, and the
	// set of used columns is easiest to see before aggregates are split.
	{"projection-pushdown", pushProjection},
	// After projection: it adds pruning ranges to the Scan that the
	// projection rule just narrowed (a pruned column is always a read one,
	// because the Filter that names it uses it).
	{"filter-pushdown", pushFilter},
	// Before fusion: it creates the Exchange that fusion must not cross,
	// and the narrow Partial/Final halves that fusion joins to their
	// neighbours.
	{"partial-aggregation", splitAggregates},
	// Last: it groups whatever narrow nodes the other rules left between
	// exchanges and barriers; any rule after it would have to keep the
	// pipelines consistent.
	{"operator-fusion", fuseOperators},
}

// RuleResult says whether one rule changed the plan.
type RuleResult struct {
	Name    string
	Applied bool
}

// optimize runs every rule on a copy of the plan.
func optimize(p *LogicalPlan, env *ruleEnv) (*LogicalPlan, []RuleResult) {
	out := p.clone()
	results := make([]RuleResult, 0, len(rules))
	for _, r := range rules {
		applied := r.apply(out, env)
		out.renumber()
		results = append(results, RuleResult{Name: r.name, Applied: applied})
	}
	return out, results
}
