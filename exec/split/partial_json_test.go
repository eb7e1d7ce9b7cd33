package split

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestPartialJSONRoundTrip(t *testing.T) {
	for _, p := range []Partial{
		{},
		{Below: []int64{0}, Rows: [][]Key{nil}},
		{Below: []int64{3, 0, 7}, Rows: [][]Key{{{1, 2}, {math.MaxUint64, 0}}, nil, {{0, math.MaxUint64}, {5, 5}, {1 << 63, 1<<40 | 17}}}},
	} {
		back, js := roundTrip(t, p)
		if len(back.Below) != len(p.Below) || len(back.Rows) != len(p.Rows) {
			t.Fatalf("%s: shape %d/%d, want %d/%d", js, len(back.Below), len(back.Rows), len(p.Below), len(p.Rows))
		}
		for i := range p.Rows {
			if back.Below[i] != p.Below[i] || len(back.Rows[i]) != len(p.Rows[i]) || (len(p.Rows[i]) > 0 && !reflect.DeepEqual(back.Rows[i], p.Rows[i])) {
				t.Errorf("window %d: %v %v, want %v %v", i, back.Below[i], back.Rows[i], p.Below[i], p.Rows[i])
			}
		}
	}
	var bad Partial
	for _, js := range []string{`{"below":[1],"rows":[]}`, `{"below":[1],"rows":["AAAA"]}`} {
		if err := json.Unmarshal([]byte(js), &bad); err == nil || !strings.Contains(err.Error(), "malformed") {
			t.Errorf("%s: err %v, want a malformed-partial error", js, err)
		}
	}
}

// TestPartialJSONWindowsApart checks that a decoded partial's windows,
// which share one array, do not share capacity: appending to one window's
// rows (as Merge does to its accumulator) leaves the next window as it was.
func TestPartialJSONWindowsApart(t *testing.T) {
	p := Partial{Below: []int64{1, 2}, Rows: [][]Key{{{1, 1}}, {{2, 2}, {3, 3}}}}
	back, _ := roundTrip(t, p)
	back.Rows[0] = append(back.Rows[0], Key{9, 9})
	if !reflect.DeepEqual(back.Rows[1], p.Rows[1]) {
		t.Fatalf("window 1 is %v after appending to window 0, want %v", back.Rows[1], p.Rows[1])
	}
	var acc Partial
	for range 2 {
		if err := acc.Merge(back); err != nil {
			t.Fatal(err)
		}
	}
	want := [][]Key{{{1, 1}, {9, 9}, {1, 1}, {9, 9}}, {{2, 2}, {3, 3}, {2, 2}, {3, 3}}}
	if !reflect.DeepEqual(acc.Rows, want) || !reflect.DeepEqual(acc.Below, []int64{2, 4}) {
		t.Fatalf("merged %v %v, want %v [2 4]", acc.Below, acc.Rows, want)
	}
}

// roundTrip returns p marshalled to JSON and read back, and the JSON.
func roundTrip(t *testing.T, p Partial) (Partial, []byte) {
	t.Helper()
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Partial
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	return back, js
}
