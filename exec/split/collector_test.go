package split

import (
	"reflect"
	"strings"
	"testing"
)

// AddPicked with the picks and below counts worked out by hand from
// Index leaves the collector as Add does; picks outside the table fail
// without changing it.
func TestAddPickedIsAdd(t *testing.T) {
	ws := []Window{
		{Target: Target{Group: 1, Rank: 1, N: 4}, Lo: 10, Hi: 20},
		{Target: Target{Group: 0, Rank: 1, N: 4}, Lo: 100, Hi: 200},
		{Target: Target{Group: 1, Rank: 2, N: 4}, Lo: 15, Hi: 30},
		{Target: Target{Group: 1, Rank: 0, N: 4}, Lo: 1, Hi: 0}, // empty
	}
	group := []int32{1, 0, 1, 1, 0, 7}
	h := []uint64{12, 150, 5, 18, 99, 12}
	rowid := []uint64{50, 51, 52, 53, 54, 55}
	add, _ := NewCollector(ws)
	if err := add.Add(group, h, rowid); err != nil {
		t.Fatal(err)
	}
	picked, _ := NewCollector(ws)
	start, lo, width := picked.Index()
	// Sorted by group: window 0 is ws[1] (group 0), 1 and 2 are ws[0]
	// and ws[2] (group 1); the empty window is left out.
	if !reflect.DeepEqual(start, []int32{0, 1, 3}) || !reflect.DeepEqual(lo, []uint64{100, 10, 15}) || !reflect.DeepEqual(width, []uint64{100, 10, 15}) {
		t.Fatalf("index %v %v %v", start, lo, width)
	}
	// Below: h 99 < 100 in window 0; h 5 < 10 and h 5, 12 < 15 in group 1.
	below := []int64{1, 1, 2}
	// Picks: row 0 in [10,20]; row 1 in [100,200]; row 3 in both windows
	// of group 1; row 5's group has no window.
	win := []int32{1, 0, 1, 2}
	row := []int32{0, 1, 3, 3}
	if err := picked.AddPicked(below, win, row, h, rowid); err != nil {
		t.Fatal(err)
	}
	if got, want := picked.Result(), add.Result(); !reflect.DeepEqual(got, want) {
		t.Fatalf("AddPicked %+v, Add %+v", got, want)
	}
	bad, _ := NewCollector(ws)
	err := bad.AddPicked(below, []int32{0, 3}, []int32{1, 1}, h, rowid)
	if err == nil || !strings.Contains(err.Error(), "pick 1 is row 1 in window 3") {
		t.Fatalf("bad window: %v", err)
	}
	if err := bad.AddPicked(below[:2], nil, nil, h, rowid); err == nil || !strings.Contains(err.Error(), "below 2 for 3 windows") {
		t.Fatalf("short below: %v", err)
	}
	if r := bad.Result(); r.Below[0]+r.Below[1]+r.Below[2] != 0 {
		t.Fatalf("a failed AddPicked changed the counts: %v", r.Below)
	}
}
