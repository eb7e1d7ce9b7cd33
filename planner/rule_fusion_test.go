package planner

import (
	"testing"

	"github.com/sluice-ml/sluice/planner/logical"
)

func TestRuleOperatorFusion(t *testing.T) {
	_, after, applied := runRule(t, citibikeInputs(), "operator-fusion", "rule_operator_fusion.txt")
	if !applied || len(after.Pipelines) != 2 {
		t.Fatalf("want 2 pipelines, got %d:\n%s", len(after.Pipelines), after)
	}
	kinds := func(pl *logical.Pipeline) []string {
		var ks []string
		for _, m := range pl.Members {
			ks = append(ks, string(m.Kind))
		}
		return ks
	}
	if got := kinds(after.Pipelines[0]); !equalStrings(got, []string{"Scan", "Filter", "Project", "Drop", "PartialAggregate"}) {
		t.Errorf("scan pipeline %v", got)
	}
	if got := kinds(after.Pipelines[1]); !equalStrings(got, []string{"FinalAggregate", "Sink"}) {
		t.Errorf("aggregate pipeline %v", got)
	}
	// Oracle: no pipeline member is an exchange or barrier, and no edge
	// inside a pipeline enters a Transform.
	for _, pl := range after.Pipelines {
		for _, m := range pl.Members {
			if k := m.Kind; k == logical.NodeExchange || k == logical.NodeSplit || k == logical.NodeFit || k == logical.NodeAggregate || k == logical.NodeTransform {
				t.Errorf("pipeline P%d holds %s", pl.ID, m.Kind)
			}
		}
	}
	// Minimal job: Scan alone before the Transform, so nothing fuses.
	_, after, applied = runRule(t, minimalInputs(), "operator-fusion", "rule_operator_fusion_minimal.txt")
	if applied || len(after.Pipelines) != 0 {
		t.Errorf("minimal job: want no pipelines, got %d", len(after.Pipelines))
	}
}
