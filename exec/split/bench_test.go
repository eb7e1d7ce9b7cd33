package split

import (
	"math"
	"math/rand/v2"
	"testing"
)

// benchRows: 64k rows in 100 groups of 1M rows each (as counted), bytes
// per row = group (4) + h (8) + rowid (8).
func benchSetup(b *testing.B, ratios []float64) (rows, []Window, *Boundaries) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, groups = 1 << 16, 100
	r := rows{group: make([]int32, n), h: make([]uint64, n), rowid: make([]uint64, n)}
	for i := range n {
		r.group[i] = int32(rng.IntN(groups))
		r.h[i] = rng.Uint64()
		r.rowid[i] = uint64(i)
	}
	counts := make([]int64, groups)
	for g := range counts {
		counts[g] = 1_000_000
	}
	targets, err := SplitTargets(counts, ratios)
	if err != nil {
		b.Fatal(err)
	}
	ws, err := Windows(targets, 0)
	if err != nil {
		b.Fatal(err)
	}
	bounds := make([]Bound, len(targets))
	for i, t := range targets {
		bounds[i] = Bound{Key: Key{uint64(float64(t.Rank) / float64(t.N) * math.MaxUint64), 0}}
	}
	bd, err := BuildBoundaries(groups, targets, bounds)
	if err != nil {
		b.Fatal(err)
	}
	return r, ws, bd
}

func BenchmarkCollectorAdd(b *testing.B) {
	for _, bc := range []struct {
		name   string
		ratios []float64
	}{{"k2", []float64{0.9, 0.1}}, {"k3", []float64{0.7, 0.2, 0.1}}} {
		b.Run(bc.name, func(b *testing.B) {
			r, ws, _ := benchSetup(b, bc.ratios)
			c, err := NewCollector(ws)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(r.h)) * 20)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.Add(r.group, r.h, r.rowid); err != nil {
					b.Fatal(err)
				}
				if i%64 == 63 {
					c.Result() // keep the kept rows bounded
				}
			}
		})
	}
}

func BenchmarkAssign(b *testing.B) {
	for _, bc := range []struct {
		name   string
		ratios []float64
	}{{"k2", []float64{0.9, 0.1}}, {"k3", []float64{0.7, 0.2, 0.1}}} {
		b.Run(bc.name, func(b *testing.B) {
			r, _, bd := benchSetup(b, bc.ratios)
			out := make([]int8, len(r.h))
			b.SetBytes(int64(len(r.h)) * 20)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := bd.Assign(r.group, r.h, r.rowid, out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("shards16-onegroup", func(b *testing.B) {
		r, _, _ := benchSetup(b, []float64{1})
		targets, _ := ShardTargets([]int64{1 << 20}, 16)
		bounds := make([]Bound, len(targets))
		for i, t := range targets {
			bounds[i] = Bound{Key: Key{uint64(t.Rank) << 44, 0}}
		}
		bd, err := BuildBoundaries(1, targets, bounds)
		if err != nil {
			b.Fatal(err)
		}
		out := make([]int32, len(r.h))
		b.SetBytes(int64(len(r.h)) * 16)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := bd.AssignInt32(nil, r.h, r.rowid, out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
