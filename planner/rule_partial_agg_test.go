package planner

import (
	"testing"
)

func TestRulePartialAggregation(t *testing.T) {
	before, after, applied := runRule(t, flightsInputs(), "partial-aggregation", "rule_partial_aggregation.txt")
	count := func(p *LogicalPlan, k NodeKind) int {
		n := 0
		for _, x := range p.Nodes {
			if x.Kind == k {
				n++
			}
		}
		return n
	}
	if !applied || count(before, NodeAggregate) != 2 || count(after, NodeAggregate) != 0 ||
		count(after, NodePartialAggregate) != 2 || count(after, NodeFinalAggregate) != 2 || count(after, NodeExchange) != 3 {
		t.Fatalf("unexpected shape after partial aggregation:\n%s", after)
	}
	for _, n := range after.Nodes {
		if n.Kind != NodeFinalAggregate {
			continue
		}
		ex := n.Inputs[0]
		if ex.Kind != NodeExchange || ex.Inputs[0].Kind != NodePartialAggregate || ex.Inputs[0].Table != n.Table {
			t.Errorf("FinalAggregate %s is not fed by Exchange ← PartialAggregate of its table", n.Table)
		}
		want := map[string]string{"routes": "hash(origin)", "all": "single"}[n.Table]
		if ex.param("partitioning") != want {
			t.Errorf("table %s partitioning %q, want %q", n.Table, ex.param("partitioning"), want)
		}
		if c := after.consumers(n); len(c) != 1 || c[0].Kind != NodeSink {
			t.Errorf("FinalAggregate %s must feed its Sink", n.Table)
		}
	}
	if _, _, applied := runRule(t, noSplitInputs(), "partial-aggregation", "rule_partial_aggregation_none.txt"); applied {
		t.Error("no aggregates, but the rule reports a change")
	}
}
