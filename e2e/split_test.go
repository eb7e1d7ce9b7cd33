package e2e

import (
	"fmt"
	"slices"
	"testing"

	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/sink"
)

// splitJob is a small job with the given split section body (indented two
// spaces) over rows generated rows in 3 files.
func splitJob(name string, rows int64, split string) string {
	return fmt.Sprintf(`name: %s
input:
  generate: {kind: citibike, rows: %d, seed: 5, files: 3}
filter: tripduration < 20000
features:
  tripduration: {transform: zscore}
label:
  birth_year: {fill: drop}
keep: [trip_id, start_station_name]
split:
%s
output:
  format: arrow
  compression: lz4
  shards: 2
`, name, rows, split)
}

// checkSplitCounts compares, per group (keyOf of the raw row; one group
// when keyOf is nil) and split, the written rows with largest-remainder
// rounding of the oracle's group sizes. names and permille are the splits
// in job order.
func checkSplitCounts(t *testing.T, m *sink.Manifest, tables map[string][]*table, raw map[int64]*rawRow,
	kept []*rawRow, keyOf func(*rawRow) string, names []string, permille []int64) {
	t.Helper()
	if keyOf == nil {
		keyOf = func(*rawRow) string { return "" }
	}
	groupN := map[string]int64{}
	for _, r := range kept {
		groupN[keyOf(r)]++
	}
	got := map[string][]int64{}
	for si, name := range names {
		for _, tb := range tables[name] {
			ids := tb.col(t, "trip_id")
			sn := tb.col(t, "start_station_name")
			for i := 0; i < tb.Rows; i++ {
				r := raw[ids.I64[i]]
				if r == nil {
					t.Fatalf("split %s: trip_id %d is not an input row", name, ids.I64[i])
				}
				if sn.S[i] != r.StartName {
					t.Fatalf("trip_id %d: start_station_name %q, raw row has %q", r.TripID, sn.S[i], r.StartName)
				}
				k := keyOf(r)
				if got[k] == nil {
					got[k] = make([]int64, len(names))
				}
				got[k][si]++
			}
		}
	}
	wantSplit := make([]int64, len(names))
	for k, n := range groupN {
		want := largestRemainder(n, permille)
		g := got[k]
		if g == nil {
			g = make([]int64, len(names))
		}
		if !slices.Equal(g, want) {
			t.Fatalf("group %q (%d rows): split counts %v, largest-remainder oracle %v (splits %v)", k, n, g, want, names)
		}
		for i, c := range want {
			wantSplit[i] += c
		}
	}
	for k := range got {
		if _, ok := groupN[k]; !ok {
			t.Fatalf("group %q written but has no kept input rows", k)
		}
	}
	for i, s := range m.Splits {
		if s.Name != names[i] || s.Rows != wantSplit[i] {
			t.Fatalf("manifest split %d = %s with %d rows, want %s with %d", i, s.Name, s.Rows, names[i], wantSplit[i])
		}
	}
}

// TestStratifiedSplitExact: with split.by every group gets exactly the
// largest-remainder rounding of ratio·n rows per split.
func TestStratifiedSplitExact(t *testing.T) {
	f := loadMain(t)
	byName := func(r *rawRow) string { return r.StartName }
	checkSplitCounts(t, f.m, f.tables, f.byID, f.kept(), byName, []string{"train", "eval"}, []int64{900, 100})
	if len(f.m.Split.By) != 1 || !f.m.Split.Stratified {
		t.Fatalf("manifest split spec %+v, want stratified by start_station_name", f.m.Split)
	}
}

// TestStratifiedSplitThreeWay: a 3-way stratified split, where most groups
// have remainders to distribute over three splits.
func TestStratifiedSplitThreeWay(t *testing.T) {
	const rows = 60_000
	job := splitJob("e2e-split3", rows, "  by: start_station_name\n  ratios: {train: 0.7, eval: 0.2, test: 0.1}\n  seed: 9")
	dir, m := runJob(t, job, nil, engine.Options{Local: 2})
	raw := rawRows(t, 5, rows)
	byName := func(r *rawRow) string { return r.StartName }
	checkSplitCounts(t, m, splitTables(t, dir, m), byTripID(raw), keptSplitJob(raw), byName,
		[]string{"train", "eval", "test"}, []int64{700, 200, 100})
}

// TestPlainSplitExact: without split.by the whole input is one group.
func TestPlainSplitExact(t *testing.T) {
	const rows = 45_001
	for _, c := range []struct {
		ratios   string
		names    []string
		permille []int64
	}{
		{"{train: 0.9, eval: 0.1}", []string{"train", "eval"}, []int64{900, 100}},
		{"{train: 0.7, eval: 0.2, test: 0.1}", []string{"train", "eval", "test"}, []int64{700, 200, 100}},
	} {
		job := splitJob("e2e-plain", rows, "  ratios: "+c.ratios+"\n  seed: 3")
		dir, m := runJob(t, job, nil, engine.Options{Local: 2})
		raw := rawRows(t, 5, rows)
		kept := keptSplitJob(raw)
		checkSplitCounts(t, m, splitTables(t, dir, m), byTripID(raw), kept, nil, c.names, c.permille)
		if m.Split.Stratified {
			t.Fatalf("manifest says stratified for a plain split")
		}
	}
}

// keptSplitJob is the oracle of splitJob's filter and label drop.
func keptSplitJob(raw []rawRow) []*rawRow {
	var out []*rawRow
	for i := range raw {
		if raw[i].Duration < 20000 && raw[i].BirthOK {
			out = append(out, &raw[i])
		}
	}
	return out
}
