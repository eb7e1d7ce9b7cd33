package task

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

// TestKeyCountsJSON checks KeyCounts against the map it replaces: the same
// JSON as encoding/json writes for the map, the same pairs read back from
// it, keys in ascending order, and null or {} as the empty set.
func TestKeyCountsJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 2, 900, 5000} {
		m := map[string]int64{}
		for len(m) < n {
			k := fmt.Sprintf("%x\x00%d", rng.Uint64()>>rng.IntN(64), rng.IntN(3))
			if rng.IntN(50) == 0 {
				k = "" // the empty key is a key too
			}
			m[k] = rng.Int64N(1 << 40)
		}
		c := NewKeyCounts(m)
		got, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(m)
		if string(got) != string(want) {
			t.Fatalf("n=%d: JSON %.200s, want %.200s", n, got, want)
		}
		var back KeyCounts
		if err := json.Unmarshal(want, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back.Map(), m) || back.Len() != len(m) {
			t.Fatalf("n=%d: read back %d pairs, want %d", n, back.Len(), len(m))
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if gk, gc := back.At(i); gk != k || gc != m[k] {
				t.Fatalf("n=%d: pair %d is (%q, %d), want (%q, %d)", n, i, gk, gc, k, m[k])
			}
		}
	}
	for _, js := range []string{`null`, `{}`} {
		var c KeyCounts
		if err := json.Unmarshal([]byte(js), &c); err != nil || c.Len() != 0 {
			t.Errorf("%s: %d pairs, err %v; want the empty set", js, c.Len(), err)
		}
	}
	var c KeyCounts
	if err := json.Unmarshal([]byte(`{"a":"x"}`), &c); err == nil {
		t.Error(`{"a":"x"}: no error, want one (counts are integers)`)
	}
}
