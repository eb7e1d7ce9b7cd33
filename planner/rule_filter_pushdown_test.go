package planner

import (
	"math"
	"testing"

	"github.com/sluice-ml/sluice/planner/logical"
)

func TestRuleFilterPushdown(t *testing.T) {
	_, after, applied := runRule(t, citibikeInputs(), "filter-pushdown", "rule_filter_pushdown.txt")
	want := logical.Range{Column: "tripduration", Lo: 60, Hi: 86400, LoIncl: true}
	if pr := after.Find(logical.NodeScan).Prune; !applied || len(pr) != 1 || pr[0] != want {
		t.Errorf("prune %v, want [%v]", pr, want)
	}
	if after.Find(logical.NodeFilter) == nil {
		t.Error("the Filter must stay after pushdown")
	}
	// The derived column's range (age < 80) and the string equality are
	// not pushed; the input column's range is.
	_, after, _ = runRule(t, pruneInputs(), "filter-pushdown", "rule_filter_pushdown_derived.txt")
	want = logical.Range{Column: "tripduration", Lo: math.Inf(-1), Hi: 3600, HiIncl: true}
	if pr := after.Find(logical.NodeScan).Prune; len(pr) != 1 || pr[0] != want {
		t.Errorf("prune %v, want [%v]", pr, want)
	}
	// No filter: nothing to push.
	if _, _, applied := runRule(t, noSplitInputs(), "filter-pushdown", "rule_filter_pushdown_none.txt"); applied {
		t.Error("no filter, but the rule reports a change")
	}
}
