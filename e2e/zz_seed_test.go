package e2e

import (
	"fmt"
	"testing"

	"github.com/sluice-ml/sluice/engine"
)

func TestSeeds(t *testing.T) {
	raw := rawRows(t, mainSeed, mainRows)
	for seed := 40; seed < 60; seed++ {
		dir, m := runJob(t, mainJob, []string{fmt.Sprintf("split.seed=%d", seed)}, engine.Options{Local: 2})
		sp := tripSplits(t, splitTables(t, dir, m))
		var tmin, tmax, amin, amax int64 = 1 << 62, 0, 1 << 62, 0
		for i := range raw {
			r := &raw[i]
			s, ok := sp[r.TripID]
			if !ok { continue }
			amin, amax = min(amin, r.Start), max(amax, r.Start)
			if s == "train" { tmin, tmax = min(tmin, r.Start), max(tmax, r.Start) }
		}
		t.Logf("seed %d: min differs %v max differs %v", seed, tmin != amin, tmax != amax)
	}
}
