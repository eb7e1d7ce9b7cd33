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
		js, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back Partial
		if err := json.Unmarshal(js, &back); err != nil {
			t.Fatal(err)
		}
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
