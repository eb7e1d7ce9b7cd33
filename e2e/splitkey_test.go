package e2e

import (
	"fmt"
	"testing"

	"github.com/sluice-ml/sluice/engine"
)

// keyJob cuts the same 50k generated rows into files input files; key is
// the split.key line ("" for the default (file, row) key).
func keyJob(files int, key string) string {
	return fmt.Sprintf(`name: e2e-key
input:
  generate: {kind: citibike, rows: 50000, seed: 8, files: %d}
features:
  tripduration: {transform: zscore}
label:
  birth_year: {fill: drop}
keep: [trip_id, start_station_name]
split:
  by: start_station_name
%s  ratios: {train: 0.8, eval: 0.2}
  seed: 13
output:
  format: arrow
  compression: lz4
  shards: 3
`, files, key)
}

// place is where a row was written.
type place struct {
	split string
	shard int
}

// placement maps trip_id to its split and shard index.
func placement(t *testing.T, tables map[string][]*table) map[int64]place {
	t.Helper()
	out := map[int64]place{}
	for name, shards := range tables {
		for si, tb := range shards {
			ids := tb.col(t, "trip_id")
			for i := 0; i < tb.Rows; i++ {
				out[ids.I64[i]] = place{name, si}
			}
		}
	}
	return out
}

// TestSplitKeyReproducible: with split.key: trip_id, every trip lands in
// the same split (and shard) whether the rows come in 3 or 5 input files.
// With the default (file, row) key the layout does change membership,
// which shows the comparison can fail.
func TestSplitKeyReproducible(t *testing.T) {
	runPlacement := func(files int, key string) map[int64]place {
		dir, m := runJob(t, keyJob(files, key), nil, engine.Options{Local: 2})
		if len(m.Input.Files) != files {
			t.Fatalf("%d input files, want %d", len(m.Input.Files), files)
		}
		return placement(t, splitTables(t, dir, m))
	}
	diff := func(a, b map[int64]place, splitOnly bool) (n int, example string) {
		if len(a) != len(b) {
			return -1, fmt.Sprintf("%d vs %d rows", len(a), len(b))
		}
		for id, pa := range a {
			pb, ok := b[id]
			if splitOnly {
				pa.shard, pb.shard = 0, 0
			}
			if !ok || pa != pb {
				if n == 0 {
					example = fmt.Sprintf("trip_id %d: %+v vs %+v", id, pa, pb)
				}
				n++
			}
		}
		return n, example
	}
	k3, k5 := runPlacement(3, "  key: trip_id\n"), runPlacement(5, "  key: trip_id\n")
	if n, ex := diff(k3, k5, true); n != 0 {
		t.Fatalf("split.key trip_id: %d trips change split between 3 and 5 files (%s)", n, ex)
	}
	if n, ex := diff(k3, k5, false); n != 0 {
		t.Fatalf("split.key trip_id: %d trips change shard between 3 and 5 files (%s)", n, ex)
	}
	d3, d5 := runPlacement(3, ""), runPlacement(5, "")
	if n, _ := diff(d3, d5, true); n == 0 {
		t.Fatalf("default (file, row) key: no trip changed split between 3 and 5 files; the comparison above proves nothing")
	}
}
