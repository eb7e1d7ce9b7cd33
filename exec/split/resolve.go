package split

import (
	"fmt"
	"math"
)

// WindowRounds is how many scans Resolve makes with windows (each doubling
// the width of the last) before it scans the remaining targets over the
// whole range still possible, which is always exact.
const WindowRounds = 3

// ScanFunc scans every row once with the given windows (one Collector per
// task, Partials merged in task order) and returns the merged Partial.
type ScanFunc func(ws []Window) (Partial, error)

// Resolve finds the bound of every target, in order. Round 1 scans with
// Windows(targets, sigmas) (sigmas <= 0: DefaultSigmas); later rounds scan
// only the targets that missed, with twice the sigmas of the round before,
// narrowed to the hash range the earlier misses leave possible. After
// WindowRounds rounds the remaining targets scan that whole possible range
// (at most [0, MaxUint64]), which always finds them. scan is not called
// when no target needs a search. Errors from scan or Select are returned.
func Resolve(targets []Target, sigmas float64, scan ScanFunc) ([]Bound, error) {
	if !(sigmas > 0) || math.IsInf(sigmas, 0) {
		sigmas = DefaultSigmas
	}
	out := make([]Bound, len(targets))
	lo := make([]uint64, len(targets)) // the answer's H is within [lo, hi]
	hi := make([]uint64, len(targets))
	var pending []int
	for i, t := range targets {
		if err := t.validate(); err != nil {
			return nil, fmt.Errorf("split: target %d: %w", i, err)
		}
		if b, ok := t.trivial(); ok {
			out[i] = b
			continue
		}
		hi[i] = math.MaxUint64
		pending = append(pending, i)
	}
	for round := 0; len(pending) > 0; round++ {
		ws := make([]Window, len(pending))
		for j, i := range pending {
			w := Window{Target: targets[i], Lo: lo[i], Hi: hi[i]}
			if round < WindowRounds {
				v := windowFor(targets[i], sigmas*float64(uint(1)<<round))
				w.Lo, w.Hi = max(w.Lo, v.Lo), min(w.Hi, v.Hi)
				if w.empty() {
					w.Lo, w.Hi = lo[i], hi[i]
				}
			}
			ws[j] = w
		}
		p, err := scan(ws)
		if err != nil {
			return nil, err
		}
		found, retry, err := Select(ws, p)
		if err != nil {
			return nil, err
		}
		for j, b := range found {
			out[pending[j]] = b
		}
		next := make([]int, 0, len(retry))
		for _, j := range retry {
			i, w := pending[j], ws[j]
			if round >= WindowRounds || (w.Lo == lo[i] && w.Hi == hi[i]) {
				return nil, fmt.Errorf("split: group %d rank %d of %d: the scan of its whole possible range missed: the rows changed between scans", w.Target.Group, w.Target.Rank, w.Target.N)
			}
			below := w.Target.Rank < p.Below[j]
			if (below && w.Lo == 0) || (!below && w.Hi == math.MaxUint64) {
				return nil, fmt.Errorf("split: group %d rank %d of %d: no rows can lie beyond the window: the rows changed between scans", w.Target.Group, w.Target.Rank, w.Target.N)
			}
			if below {
				hi[i] = w.Lo - 1 // the answer has H < Lo
			} else {
				lo[i] = w.Hi + 1 // the answer has H > Hi
			}
			next = append(next, i)
		}
		pending = next
	}
	return out, nil
}
