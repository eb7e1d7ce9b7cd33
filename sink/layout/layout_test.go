package layout

import "testing"

func TestPaths(t *testing.T) {
	if got := ShardPath("eval", 12, "parquet"); got != "eval/part-00012.parquet" {
		t.Errorf("ShardPath = %q", got)
	}
	if got := AggregatePath("stations", "arrow"); got != "aggregates/stations.arrow" {
		t.Errorf("AggregatePath = %q", got)
	}
	for _, bad := range []string{"", "/abs", "a/../b", "..", "../x", "./a", "a//b", "manifest.json", `a\b`} {
		if CheckRelPath(bad) == nil {
			t.Errorf("CheckRelPath(%q) accepted", bad)
		}
	}
}
