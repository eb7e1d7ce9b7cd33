package planner

import (
	"testing"

	"github.com/sluice-ml/sluice/planner/logical"
)

func TestRulePartialAggregation(t *testing.T) {
	before, after, applied := runRule(t, flightsInputs(), "partial-aggregation", "rule_partial_aggregation.txt")
	count := func(p *logical.LogicalPlan, k logical.NodeKind) int {
		n := 0
		for _, x := range p.Nodes {
			if x.Kind == k {
				n++
			}
		}
		return n
	}
	if !applied || count(before, logical.NodeAggregate) != 2 || count(after, logical.NodeAggregate) != 0 ||
		count(after, logical.NodePartialAggregate) != 2 || count(after, logical.NodeFinalAggregate) != 2 || count(after, logical.NodeExchange) != 3 {
		t.Fatalf("unexpected shape after partial aggregation:\n%s", after)
	}
	for _, n := range after.Nodes {
		if n.Kind != logical.NodeFinalAggregate {
			continue
		}
		ex := n.Inputs[0]
		if ex.Kind != logical.NodeExchange || ex.Inputs[0].Kind != logical.NodePartialAggregate || ex.Inputs[0].Table != n.Table {
			t.Errorf("FinalAggregate %s is not fed by Exchange ← PartialAggregate of its table", n.Table)
		}
		want := map[string]string{"routes": "hash(origin)", "all": "single"}[n.Table]
		if ex.Param("partitioning") != want {
			t.Errorf("table %s partitioning %q, want %q", n.Table, ex.Param("partitioning"), want)
		}
		if c := after.Consumers(n); len(c) != 1 || c[0].Kind != logical.NodeSink {
			t.Errorf("FinalAggregate %s must feed its Sink", n.Table)
		}
	}
	if _, _, applied := runRule(t, noSplitInputs(), "partial-aggregation", "rule_partial_aggregation_none.txt"); applied {
		t.Error("no aggregates, but the rule reports a change")
	}
}
