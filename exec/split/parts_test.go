package split

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestWindows(t *testing.T) {
	ws, err := Windows([]Target{
		{0, 0, 10},           // -inf: empty window
		{0, 10, 10},          // +inf: empty window
		{1, 0, 0},            // empty group
		{2, 50, 100},         // small group: whole range
		{3, 500000, 1000000}, // big group: narrow window around the median
		{4, 1, 1000000},      // near rank 0: starts at 0
	}, 8)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if !ws[i].empty() {
			t.Errorf("window %d = [%#x, %#x], want empty", i, ws[i].Lo, ws[i].Hi)
		}
	}
	if ws[3].Lo != 0 || ws[3].Hi != math.MaxUint64 {
		t.Errorf("small group window [%#x, %#x], want the whole range", ws[3].Lo, ws[3].Hi)
	}
	mid := uint64(1) << 63
	w := ws[4]
	// d = 8*sqrt(250000) + 65 = 4065 ranks on each side of 1e6.
	wantWidth := float64(2*4065+1) / 1e6
	if w.Lo >= mid || w.Hi <= mid || math.Abs(float64(w.Hi-w.Lo)/two64-wantWidth) > 1e-9 {
		t.Errorf("median window [%#x, %#x] (width %v), want around %#x with width %v", w.Lo, w.Hi, float64(w.Hi-w.Lo)/two64, mid, wantWidth)
	}
	if ws[5].Lo != 0 || ws[5].Hi == math.MaxUint64 {
		t.Errorf("rank-1 window [%#x, %#x], want [0, small]", ws[5].Lo, ws[5].Hi)
	}
	for _, bad := range []Target{{-1, 0, 1}, {0, 2, 1}, {0, -1, 1}, {0, 0, -1}} {
		if _, err := Windows([]Target{bad}, 8); err == nil {
			t.Errorf("Windows accepts %+v", bad)
		}
	}
}

// The collector counts and keeps exactly what a plain loop over the rows
// says, with nil groups, rows of groups without windows, and empty
// windows.
func TestCollectorMatchesLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	ws := []Window{
		{Target{2, 5, 10}, 1 << 62, 1 << 63},
		{Target{0, 5, 10}, 0, 1 << 60},
		{Target{2, 6, 10}, 3 << 61, math.MaxUint64},
		{Target{0, 0, 10}, 1, 0}, // empty
		{Target{5, 5, 10}, 0, math.MaxUint64},
	}
	n := 3000
	group := make([]int32, n)
	h := make([]uint64, n)
	rowid := make([]uint64, n)
	for i := range n {
		group[i] = int32(rng.IntN(8)) - 1 // -1..6: some without windows
		h[i] = rng.Uint64()
		rowid[i] = uint64(i)
	}
	for _, nilGroup := range []bool{false, true} {
		c, err := NewCollector(ws)
		if err != nil {
			t.Fatal(err)
		}
		g := group
		if nilGroup {
			g = nil
		}
		for lo := 0; lo < n; lo += 700 {
			hi := min(n, lo+700)
			var gb []int32
			if g != nil {
				gb = g[lo:hi]
			}
			if err := c.Add(gb, h[lo:hi], rowid[lo:hi]); err != nil {
				t.Fatal(err)
			}
		}
		p := c.Result()
		for wi, w := range ws {
			var below int64
			var keep []Key
			for i := range n {
				gi := int32(0)
				if !nilGroup {
					gi = group[i]
				}
				if w.empty() || gi != w.Target.Group {
					continue
				}
				if h[i] < w.Lo {
					below++
				} else if h[i] <= w.Hi {
					keep = append(keep, Key{h[i], rowid[i]})
				}
			}
			if p.Below[wi] != below || !slices.Equal(p.Rows[wi], keep) {
				t.Errorf("nil group %v, window %d: below %d, %d rows; want %d, %d", nilGroup, wi, p.Below[wi], len(p.Rows[wi]), below, len(keep))
			}
		}
		// Result resets the collector.
		if p2 := c.Result(); slices.ContainsFunc(p2.Below, func(b int64) bool { return b != 0 }) {
			t.Errorf("second Result still counts: %v", p2.Below)
		}
	}
	c, _ := NewCollector(ws)
	if err := c.Add(group[:3], h[:2], rowid[:2]); err == nil {
		t.Error("Add accepts columns of different lengths")
	}
	if _, err := NewCollector([]Window{{Target{-1, 0, 1}, 0, 1}}); err == nil {
		t.Error("NewCollector accepts a negative group")
	}
	if _, err := NewCollector([]Window{{Target{MaxGroupID + 1, 0, 1}, 0, 1}}); err == nil {
		t.Error("NewCollector accepts a huge group id")
	}
}

func TestMerge(t *testing.T) {
	var p Partial
	if err := p.Merge(Partial{Below: []int64{1, 2}, Rows: [][]Key{{{1, 1}}, nil}}); err != nil {
		t.Fatal(err)
	}
	if err := p.Merge(Partial{Below: []int64{3, 4}, Rows: [][]Key{{{2, 2}}, {{3, 3}}}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Below, []int64{4, 6}) || !slices.Equal(p.Rows[0], []Key{{1, 1}, {2, 2}}) || !slices.Equal(p.Rows[1], []Key{{3, 3}}) {
		t.Errorf("merged %+v", p)
	}
	if err := p.Merge(Partial{Below: []int64{1}, Rows: [][]Key{nil}}); err == nil {
		t.Error("Merge accepts a partial of another shape")
	}
	if err := p.Merge(Partial{Below: []int64{1, 2}, Rows: [][]Key{nil}}); err == nil {
		t.Error("Merge accepts a malformed partial")
	}
}

func TestSelectErrors(t *testing.T) {
	w := Window{Target{0, 1, 3}, 0, math.MaxUint64}
	cases := map[string]struct {
		ws []Window
		p  Partial
	}{
		"shape":      {[]Window{w}, Partial{}},
		"too many":   {[]Window{w}, Partial{Below: []int64{2}, Rows: [][]Key{{{1, 1}, {2, 2}}}}},
		"duplicate":  {[]Window{w}, Partial{Below: []int64{0}, Rows: [][]Key{{{1, 1}, {1, 1}, {0, 3}}}}},
		"full miss":  {[]Window{w}, Partial{Below: []int64{0}, Rows: [][]Key{{{1, 1}}}}},
		"empty":      {[]Window{{Target{0, 1, 3}, 1, 0}}, Partial{Below: []int64{0}, Rows: [][]Key{nil}}},
		"bad target": {[]Window{{Target{0, 4, 3}, 0, 1}}, Partial{Below: []int64{0}, Rows: [][]Key{nil}}},
	}
	for name, c := range cases {
		if _, _, err := Select(c.ws, c.p); err == nil {
			t.Errorf("%s: Select gives no error", name)
		}
	}
	found, retry, err := Select(
		[]Window{{Target{0, 2, 5}, 10, 20}, {Target{0, 0, 5}, 1, 0}, {Target{0, 5, 5}, 1, 0}, {Target{0, 4, 5}, 10, 20}},
		Partial{Below: []int64{1, 0, 0, 1}, Rows: [][]Key{{{15, 1}, {12, 9}, {12, 3}}, nil, nil, {{11, 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]Bound{0: {Key: Key{12, 9}}, 1: {Kind: MinusInf}, 2: {Kind: PlusInf}}
	if len(found) != len(want) || !slices.Equal(retry, []int{3}) {
		t.Fatalf("found %v retry %v", found, retry)
	}
	for i, b := range want {
		if found[i] != b {
			t.Errorf("window %d: %+v, want %+v", i, found[i], b)
		}
	}
}

// A scan whose rows change between rounds ends in an error, not a loop.
func TestResolveInconsistentRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	r := makeRows(rng, []int{5000}, 1, math.MaxUint64)
	targets := []Target{{0, 2500, 5000}}
	calls := 0
	_, err := Resolve(targets, 0.001, func(ws []Window) (Partial, error) {
		calls++
		c, _ := NewCollector(ws)
		n := len(r.h)
		if calls > 1 {
			n /= 2 // half the rows vanished
		}
		_ = c.Add(r.group[:n], r.h[:n], r.rowid[:n])
		return c.Result(), nil
	})
	if err == nil {
		t.Fatal("Resolve succeeds on rows that change between scans")
	}
	if calls > WindowRounds+1 {
		t.Errorf("%d scans before the error", calls)
	}
	// Only trivial targets: no scan at all.
	b, err := Resolve([]Target{{0, 0, 5}, {1, 3, 3}}, 0, func([]Window) (Partial, error) {
		t.Fatal("scan called without a target to search")
		return Partial{}, nil
	})
	if err != nil || b[0].Kind != MinusInf || b[1].Kind != PlusInf {
		t.Errorf("trivial targets: %v, %v", b, err)
	}
}

func TestBoundariesAndAssign(t *testing.T) {
	b, err := NewBoundaries([][]Bound{
		{{Kind: MinusInf}, {Key: Key{10, 5}}, {Kind: PlusInf}},
		{},
		{{Key: Key{10, 5}}, {Key: Key{10, 5}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	group := []int32{0, 0, 0, 0, 1, 2, 2, 2}
	h := []uint64{0, 10, 10, math.MaxUint64, 7, 10, 10, 9}
	rowid := []uint64{0, 4, 5, math.MaxUint64, 7, 5, 6, 100}
	want := []int8{1, 1, 2, 2, 0, 2, 2, 0}
	out := make([]int8, len(h))
	if err := b.Assign(group, h, rowid, out); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out, want) {
		t.Errorf("Assign = %v, want %v", out, want)
	}
	if err := b.Assign([]int32{3}, h[:1], rowid[:1], out[:1]); err == nil {
		t.Error("Assign accepts a group outside the table")
	}
	if err := b.Assign(group, h, rowid, out[:2]); err == nil {
		t.Error("Assign accepts a short out")
	}
	// nil group = group 0.
	out32 := make([]int32, 4)
	if err := b.AssignInt32(nil, h[:4], rowid[:4], out32); err != nil || !slices.Equal(out32, []int32{1, 1, 2, 2}) {
		t.Errorf("AssignInt32(nil group) = %v, %v", out32, err)
	}
	if _, err := NewBoundaries([][]Bound{{{Key: Key{10, 5}}, {Key: Key{10, 4}}}}); err == nil {
		t.Error("NewBoundaries accepts cuts out of order")
	}
	if _, err := NewBoundaries([][]Bound{{{Kind: PlusInf}, {Key: Key{1, 1}}}}); err == nil {
		t.Error("NewBoundaries accepts +inf before a finite cut")
	}
	// BuildBoundaries sorts by rank and checks bounds against ranks.
	tg := []Target{{0, 7, 10}, {0, 3, 10}}
	bb, err := BuildBoundaries(2, tg, []Bound{{Key: Key{9, 9}}, {Key: Key{1, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := bb.PerGroup(); len(got) != 2 || !slices.Equal(got[0], []Bound{{Key: Key{1, 1}}, {Key: Key{9, 9}}}) || len(got[1]) != 0 {
		t.Errorf("PerGroup = %v", got)
	}
	if _, err := BuildBoundaries(2, tg, []Bound{{Key: Key{1, 1}}, {Key: Key{9, 9}}}); err == nil {
		t.Error("BuildBoundaries accepts a higher rank with a lower bound")
	}
	if _, err := BuildBoundaries(1, []Target{{1, 0, 1}}, []Bound{{Kind: MinusInf}}); err == nil {
		t.Error("BuildBoundaries accepts a group outside the table")
	}
	// More than 127 cuts: Assign refuses, AssignInt32 searches.
	many := make([]Bound, 200)
	for i := range many {
		many[i] = Bound{Key: Key{uint64(i) * 10, 0}}
	}
	bm, err := NewBoundaries([][]Bound{many})
	if err != nil {
		t.Fatal(err)
	}
	if err := bm.Assign(nil, h[:1], rowid[:1], out[:1]); err == nil {
		t.Error("Assign accepts 200 cuts into int8")
	}
	hs := []uint64{0, 5, 10, 1995, 5000}
	got := make([]int32, len(hs))
	if err := bm.AssignInt32([]int32{0, 0, 0, 0, 0}, hs, make([]uint64, len(hs)), got); err != nil || !slices.Equal(got, []int32{1, 1, 2, 200, 200}) {
		t.Errorf("AssignInt32 with 200 cuts = %v, %v", got, err)
	}
}

// countLE's linear and binary paths agree with a plain count.
func TestCountLE(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	for range 2000 {
		cuts := make([]Key, rng.IntN(30))
		for i := range cuts {
			cuts[i] = Key{uint64(rng.IntN(8)), uint64(rng.IntN(8))}
		}
		slices.SortFunc(cuts, compareKeys)
		x, r := uint64(rng.IntN(9)), uint64(rng.IntN(9))
		want := 0
		for _, c := range cuts {
			if !(Key{x, r}).Less(c) {
				want++
			}
		}
		if got := countLE(cuts, x, r); got != want {
			t.Fatalf("countLE(%v, %d, %d) = %d, want %d", cuts, x, r, got, want)
		}
	}
}

// At DefaultSigmas the first windows hold their target, for every rank of
// small groups and sampled ranks of larger ones (uniform hashes): the
// margin covers the tails near rank 0 and N.
func TestWindowsHoldTheirRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	for _, n := range []int{2, 3, 10, 64, 65, 200, 2000, 20000, 200000} {
		for range 5 {
			hs := make([]uint64, n)
			for i := range hs {
				hs[i] = rng.Uint64()
			}
			slices.Sort(hs)
			var targets []Target
			for r := 1; r < n; r++ {
				if n <= 2000 || r < 100 || r > n-100 || rng.IntN(n/100) == 0 {
					targets = append(targets, Target{0, int64(r), int64(n)})
				}
			}
			ws, err := Windows(targets, DefaultSigmas)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range ws {
				if x := hs[w.Target.Rank]; x < w.Lo || x > w.Hi {
					t.Fatalf("n %d rank %d: h %#x outside [%#x, %#x]", n, w.Target.Rank, x, w.Lo, w.Hi)
				}
			}
		}
	}
}
