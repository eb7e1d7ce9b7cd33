package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sortBenchLevels are level-0 contents of the profile's quantile sketch:
// a 256K-row chunk of raw values (the shard stage's chunk), as floats.
var sortBenchLevels = []struct {
	name string
	gen  func(r *rand.Rand) float64
}{
	{"normal", func(r *rand.Rand) float64 { return r.NormFloat64() }},
	{"latitude", func(r *rand.Rand) float64 { return 40.7 + r.NormFloat64()*0.05 }},
	{"stations", func(r *rand.Rand) float64 { return stationLats[r.IntN(len(stationLats))] }},
	{"seconds", func(r *rand.Rand) float64 { return float64(60 + r.IntN(100000)) }},
	{"year", func(r *rand.Rand) float64 { return float64(1940 + r.IntN(66)) }},
	{"wide", func(r *rand.Rand) float64 { return r.NormFloat64() * math.Exp(r.NormFloat64()*20) }},
	{"onehot", func(r *rand.Rand) float64 { return float64(r.IntN(2)) }},
}

// stationLats are 800 coordinates: a trip's station latitude.
var stationLats = func() []float64 {
	r := rand.New(rand.NewPCG(3, 4))
	out := make([]float64, 800)
	for i := range out {
		out[i] = 40.7 + r.NormFloat64()*0.05
	}
	return out
}()

// BenchmarkSortSamples sorts a 256K-sample level of raw values (the
// sketch's level-0 compaction on one chunk).
func BenchmarkSortSamples(b *testing.B) {
	const n = 256 << 10
	for _, g := range sortBenchLevels {
		b.Run(g.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			src := make([]float64, n)
			for i := range src {
				src[i] = g.gen(r)
			}
			lv := make([]float64, n)
			b.SetBytes(n * 8)
			for b.Loop() {
				copy(lv, src)
				sortSamples(lv)
			}
		})
	}
}
