package split

import (
	"fmt"
	"math"
)

// DefaultSigmas is the window half-width, in standard deviations of the
// rank, that Resolve starts with. In the bulk of a group a window misses
// about as often as a normal variable lands beyond Sigmas deviations
// (1e-15 at 8); near rank 0 or N the Sigmas^2 margin covers the Poisson
// tails. A miss costs one more scan of the missed targets, never accuracy.
const DefaultSigmas = 8.0

// Window is the H range [Lo, Hi] searched for one target. A scan counts
// the group's rows with H < Lo and keeps those with Lo <= H <= Hi (see
// Collector). A window with Lo > Hi is empty: its target needs no search
// (Rank 0 or N), and scans skip it.
type Window struct {
	Target Target
	Lo, Hi uint64
}

// empty reports a window that scans skip.
func (w Window) empty() bool { return w.Lo > w.Hi }

// two64 is 2^64 as a float64.
const two64 = 18446744073709551616.0

// Windows builds one window per target, in order. For a target of rank r
// among N rows, the window spans the ranks r-d .. r+1+d mapped linearly
// onto the uint64 range (H is uniform), with
//
//	d = sigmas*sqrt(r*(N-r)/N) + sigmas^2 + 1
//
// The sigmas^2 term is the absolute margin: it keeps the window wide
// enough near rank 0 or N and in small groups, where the normal
// approximation fails. A window clamps to [0, MaxUint64]: a group of at
// most sigmas^2+1 rows (65 at sigmas 8) always takes the whole range, and
// one of a few hundred rows mostly does. Targets with Rank == 0
// (cut at -infinity) or Rank == N (no row: cut at +infinity) get an empty
// window (Lo = 1, Hi = 0) and are resolved by Select without data.
// sigmas <= 0 means DefaultSigmas.
func Windows(targets []Target, sigmas float64) ([]Window, error) {
	if !(sigmas > 0) || math.IsInf(sigmas, 0) {
		sigmas = DefaultSigmas
	}
	ws := make([]Window, len(targets))
	for i, t := range targets {
		if err := t.validate(); err != nil {
			return nil, fmt.Errorf("split: target %d: %w", i, err)
		}
		ws[i] = windowFor(t, sigmas)
	}
	return ws, nil
}

// windowFor is the window of one valid target.
func windowFor(t Target, sigmas float64) Window {
	if _, ok := t.trivial(); ok {
		return Window{Target: t, Lo: 1, Hi: 0}
	}
	n, r := float64(t.N), float64(t.Rank)
	d := sigmas*math.Sqrt(r*(n-r)/n) + sigmas*sigmas + 1
	return Window{Target: t, Lo: fracToHash((r - d) / n), Hi: fracToHash((r + 1 + d) / n)}
}

// fracToHash maps a fraction of the hash range to a hash value, clamped to
// [0, MaxUint64].
func fracToHash(f float64) uint64 {
	if !(f > 0) {
		return 0
	}
	x := f * two64
	if x >= two64 {
		return math.MaxUint64
	}
	return uint64(x)
}

// fullWindow is a window over the whole hash range.
func fullWindow(t Target) Window {
	if _, ok := t.trivial(); ok {
		return Window{Target: t, Lo: 1, Hi: 0}
	}
	return Window{Target: t, Lo: 0, Hi: math.MaxUint64}
}
