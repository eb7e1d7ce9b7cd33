package planner

import (
	"math"
	"testing"
)

func TestRuleFilterPushdown(t *testing.T) {
	_, after, applied := runRule(t, citibikeInputs(), "filter-pushdown", "rule_filter_pushdown.txt")
	want := Range{Column: "tripduration", Lo: 60, Hi: 86400, LoIncl: true}
	if pr := after.find(NodeScan).Prune; !applied || len(pr) != 1 || pr[0] != want {
		t.Errorf("prune %v, want [%v]", pr, want)
	}
	if after.find(NodeFilter) == nil {
		t.Error("the Filter must stay after pushdown")
	}
	// The derived column's range (age < 80) and the string equality are
	// not pushed; the input column's range is.
	_, after, _ = runRule(t, pruneInputs(), "filter-pushdown", "rule_filter_pushdown_derived.txt")
	want = Range{Column: "tripduration", Lo: math.Inf(-1), Hi: 3600, HiIncl: true}
	if pr := after.find(NodeScan).Prune; len(pr) != 1 || pr[0] != want {
		t.Errorf("prune %v, want [%v]", pr, want)
	}
	// No filter: nothing to push.
	if _, _, applied := runRule(t, noSplitInputs(), "filter-pushdown", "rule_filter_pushdown_none.txt"); applied {
		t.Error("no filter, but the rule reports a change")
	}
}

func TestIntersect(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct{ a, b, want Range }{
		{Range{"x", 0, inf, true, false}, Range{"x", -inf, 10, false, false}, Range{"x", 0, 10, true, false}},
		{Range{"x", 0, 10, true, true}, Range{"x", 0, 10, false, true}, Range{"x", 0, 10, false, true}},
		{Range{"x", 5, 10, false, true}, Range{"x", 0, 7, true, true}, Range{"x", 5, 7, false, true}},
		{Range{"x", 5, 10, true, true}, Range{"x", 20, 30, true, true}, Range{"x", 20, 10, true, true}}, // empty
	}
	for _, c := range cases {
		if got := intersect(c.a, c.b); got != c.want {
			t.Errorf("intersect(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := intersect(c.b, c.a); got != c.want {
			t.Errorf("intersect(%v, %v) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}
