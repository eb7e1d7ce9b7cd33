package e2e

import "testing"

// TestConservation: every input row that passes the filter and has a label
// is written exactly once, and the manifest's row counters equal the
// oracle's.
func TestConservation(t *testing.T) {
	f := loadMain(t)
	var filtered, dropped int64
	want := map[int64]bool{}
	for i := range f.raw {
		r := &f.raw[i]
		switch {
		case !mainFilter(r):
			filtered++
		case !r.BirthOK:
			dropped++
		default:
			want[r.TripID] = true
		}
	}
	got := tripSplits(t, f.tables) // fails on duplicates
	for id := range got {
		if !want[id] {
			r := f.byID[id]
			t.Fatalf("trip_id %d written but should not be (raw row %+v)", id, r)
		}
	}
	for id := range want {
		if _, ok := got[id]; !ok {
			t.Fatalf("trip_id %d passes the filter with a label but was not written", id)
		}
	}
	rows := f.m.Rows
	if rows.Read != mainRows || rows.Filtered != filtered || rows.Dropped != dropped || rows.Written != int64(len(want)) {
		t.Fatalf("manifest rows read/filtered/dropped/written = %d/%d/%d/%d, oracle %d/%d/%d/%d",
			rows.Read, rows.Filtered, rows.Dropped, rows.Written, mainRows, filtered, dropped, len(want))
	}
	if rows.DroppedBy["birth_year"] != dropped || len(rows.DroppedBy) != 1 {
		t.Fatalf("manifest dropped_by = %v, want {birth_year: %d}", rows.DroppedBy, dropped)
	}
	var inFiles, splitRows int64
	for _, fl := range f.m.Input.Files {
		inFiles += fl.Rows
	}
	for _, s := range f.m.Splits {
		splitRows += s.Rows
	}
	if inFiles != mainRows || len(f.m.Input.Files) != mainFiles {
		t.Fatalf("manifest input files: %d files, %d rows; want %d files, %d rows", len(f.m.Input.Files), inFiles, mainFiles, mainRows)
	}
	if splitRows != int64(len(want)) {
		t.Fatalf("splits hold %d rows, want %d", splitRows, len(want))
	}
	if filtered == 0 || dropped == 0 {
		t.Fatalf("test data too tame: filtered %d, dropped %d (both must be > 0)", filtered, dropped)
	}
}
