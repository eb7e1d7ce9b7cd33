package gpu

import (
	"encoding/json"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec/cpu/feature"
)

// FitStats on the device folds several batches into every kind of partial
// with the bits of the CPU engine's FeatureStats.Update (compared as JSON,
// which writes each float64 exactly): moments and log1p moments of every
// numeric type, int64 counts on the device, and the host's sketch and
// string counts.
func TestConformanceFitStats(t *testing.T) {
	all := feature.StatNeeds{Moments: true, Log1p: true, Quantiles: true, Counts: true}
	for _, d := range devicesUnderTest(t) {
		k := NewStageKernels(d.k)
		mem := newCheckedMem(t)
		g := newGen(31, mem)
		cols := map[string]func(n int) arrow.Array{
			"int64":     func(n int) arrow.Array { return g.int64s(n, 0.1, true, 50) },
			"float64":   func(n int) arrow.Array { return g.float64s(n, 0.1, true, true) },
			"bool":      func(n int) arrow.Array { return g.bools(n, 0.1, false) },
			"timestamp": func(n int) arrow.Array { return g.timestamps(n, 0.1, true) },
		}
		for name, mk := range cols {
			got, want := feature.NewFeatureStats(all, 64), feature.NewFeatureStats(all, 64)
			if name == "float64" || name == "bool" {
				// Counts of these types fold on the host either way.
				got.Counts, want.Counts = nil, nil
			}
			for b, n := range []int{4097, 1, 3*4096 + 5, 0, 20000} {
				col := mk(n)
				var sel []int32
				if b%2 == 1 {
					for i := 0; i < n; i += 3 {
						sel = append(sel, int32(i))
					}
				}
				if err := k.FitStats(got, col, sel); err != nil {
					t.Fatalf("%s %s batch %d: %v", d.name, name, b, err)
				}
				if err := want.Update(col, sel); err != nil {
					t.Fatal(err)
				}
				col.Release()
			}
			gj, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			wj, _ := json.Marshal(want)
			if string(gj) != string(wj) {
				t.Fatalf("%s %s: device partials\n%s\nwant\n%s", d.name, name, gj, wj)
			}
		}
	}
}
