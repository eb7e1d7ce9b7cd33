package logical

import (
	"strconv"
	"strings"
)

// splitAggregates turns each Aggregate into PartialAggregate → Exchange
// (hash of the group-by keys) → FinalAggregate. The partial half runs in
// the scan tasks and sends one row per group and task; the final half
// merges the partials of one hash partition. A table with no group-by
// columns has one group, hence one partition.
func splitAggregates(p *LogicalPlan, env *Env) bool {
	changed := false
	var out []*Node
	for _, n := range p.Nodes {
		if n.Kind != NodeAggregate {
			out = append(out, n)
			continue
		}
		changed = true
		parts := env.Partitions
		partitioning := "hash(" + strings.Join(n.By, ",") + ")"
		if len(n.By) == 0 {
			parts, partitioning = 1, "single"
		}
		partial := &Node{Kind: NodePartialAggregate, Table: n.Table, By: n.By, Uses: n.Uses,
			Params: n.Params, Inputs: n.Inputs, order: n.order}
		ex := &Node{Kind: NodeExchange, Table: n.Table, Inputs: []*Node{partial}, order: n.order + 0.1,
			Params: []KV{{"partitioning", partitioning}, {"partitions", strconv.Itoa(parts)}}}
		final := &Node{Kind: NodeFinalAggregate, Table: n.Table, By: n.By, Params: n.Params,
			Inputs: []*Node{ex}, order: n.order + 0.2}
		for _, c := range p.Consumers(n) {
			for i, in := range c.Inputs {
				if in == n {
					c.Inputs[i] = final
				}
			}
		}
		out = append(out, partial, ex, final)
	}
	p.Nodes = out
	return changed
}
