package logical

// Env is what the rules know beyond the plan itself.
type Env struct {
	InputColumns []string // the input schema's column names, in schema order
	Partitions   int      // hash partitions of an aggregate exchange
	NoPrune      bool     // the expect section checks every row read: no row group may be skipped
}

// Rule rewrites a plan in place and reports whether it changed anything.
type Rule struct {
	Name  string
	Apply func(p *LogicalPlan, env *Env) bool
}

// Rules run once each, in this order.
var Rules = []Rule{
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

// Optimize runs every rule on a copy of the plan.
func Optimize(p *LogicalPlan, env *Env) (*LogicalPlan, []RuleResult) {
	out := p.Clone()
	results := make([]RuleResult, 0, len(Rules))
	for _, r := range Rules {
		applied := r.Apply(out, env)
		out.Renumber()
		results = append(results, RuleResult{Name: r.Name, Applied: applied})
	}
	return out, results
}
