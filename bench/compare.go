package bench

import (
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Compare lists where peer disagrees with want (sluice) on job: rows per
// split (unless job.AggregatesOnly), rows per (split, group) when
// job.Grouped, and every aggregate value within rel relative. At most limit
// problems are listed, then a count.
func Compare(want, peer *Outcome, job Job, rel float64, limit int) []string {
	var probs []string
	n := 0
	add := func(format string, args ...any) {
		n++
		if len(probs) < limit {
			probs = append(probs, fmt.Sprintf(format, args...))
		}
	}
	for _, s := range unionKeys(want.Splits, peer.Splits) {
		if !job.AggregatesOnly && want.Splits[s] != peer.Splits[s] {
			add("split %s: sluice %d rows, peer %d", s, want.Splits[s], peer.Splits[s])
		}
	}
	if job.Grouped {
		for _, s := range unionKeys(want.Groups, peer.Groups) {
			w, p := want.Groups[s], peer.Groups[s]
			for _, g := range unionKeys(w, p) {
				if w[g] != p[g] {
					add("split %s group %q: sluice %d rows, peer %d", s, g, w[g], p[g])
				}
			}
		}
	}
	for _, t := range unionKeys(want.Aggregates, peer.Aggregates) {
		w, p := want.Aggregates[t], peer.Aggregates[t]
		if w == nil || p == nil {
			add("aggregate table %s: missing in %s", t, map[bool]string{true: "sluice", false: "peer"}[w == nil])
			continue
		}
		for _, k := range unionKeys(w, p) {
			wr, pr := w[k], p[k]
			if wr == nil || pr == nil {
				add("aggregate %s group %q: missing in %s", t, k, map[bool]string{true: "sluice", false: "peer"}[wr == nil])
				continue
			}
			for _, c := range unionKeys(wr, pr) {
				wv, wok := wr[c]
				pv, pok := pr[c]
				switch {
				case !wok || !pok:
					add("aggregate %s column %s: missing in %s", t, c, map[bool]string{true: "sluice", false: "peer"}[!wok])
				case (wv == nil) != (pv == nil):
					add("aggregate %s group %q %s: sluice %s, peer %s", t, k, c, fmtVal(wv), fmtVal(pv))
				case wv != nil && !relClose(*wv, *pv, rel):
					add("aggregate %s group %q %s: sluice %s, peer %s (relative tolerance %g)", t, k, c, fmtVal(wv), fmtVal(pv), rel)
				}
			}
		}
	}
	if peer.Fitted != nil {
		compareFitted(want, peer, add)
	}
	if n > len(probs) {
		probs = append(probs, fmt.Sprintf("... and %d more", n-len(probs)))
	}
	return probs
}

// FitSE is how many standard errors a peer's fitted number may differ from
// sluice's. The peers rank rows by their own native hash, so their train
// rows are a different exact sample of each group (the same count per
// group): their fitted means, deviations, medians and quantiles differ by
// sampling alone, by about std/sqrt(train rows).
const FitSE = 10

// stdSE is a sample standard deviation's standard error in units of
// std/sqrt(n): sqrt((kurtosis-1)/4), which is 1 for kurtosis 5 and grows
// with heavy tails (a log-normal trip duration has a kurtosis in the
// hundreds). It never goes below 1; without a kurtosis it is 1.
func stdSE(kurtosis *float64) float64 {
	if kurtosis == nil || math.IsNaN(*kurtosis) {
		return 1
	}
	return max(1, math.Sqrt((*kurtosis-1)/4))
}

// compareFitted checks the peer's fitted statistics against sluice's:
// transforms and hash buckets equal; one-hot categories the same set;
// vocabularies sharing at least 95 % of their entries; numbers within
// FitSE standard errors.
func compareFitted(want, peer *Outcome, add func(string, ...any)) {
	n := want.Splits["train"]
	if n == 0 {
		for _, v := range want.Splits {
			n = max(n, v)
		}
	}
	root := math.Sqrt(float64(max(n, 1)))
	for _, name := range unionKeys(want.Fitted, peer.Fitted) {
		w, wok := want.Fitted[name]
		p, pok := peer.Fitted[name]
		if !wok || !pok {
			add("fitted %s: missing in %s", name, map[bool]string{true: "sluice", false: "peer"}[!wok])
			continue
		}
		if w.Transform != p.Transform || w.Buckets != p.Buckets {
			add("fitted %s: sluice %s (buckets %d), peer %s (buckets %d)", name, w.Transform, w.Buckets, p.Transform, p.Buckets)
			continue
		}
		num := func(what string, a, b *float64, spread float64) {
			if (a == nil) != (b == nil) {
				add("fitted %s %s: sluice %s, peer %s", name, what, fmtVal(a), fmtVal(b))
				return
			}
			if a != nil && math.Abs(*a-*b) > FitSE*spread/root+1e-9*math.Abs(*a) {
				add("fitted %s %s: sluice %s, peer %s (more than %d standard errors apart)", name, what, fmtVal(a), fmtVal(b), FitSE)
			}
		}
		if w.Std != nil {
			num("mean", w.Mean, p.Mean, *w.Std)
			num("std", w.Std, p.Std, *w.Std*stdSE(p.Kurtosis))
			num("fill", w.Fill, p.Fill, *w.Std)
		}
		if w.Min != nil && w.Max != nil {
			num("min", w.Min, p.Min, *w.Max-*w.Min)
			num("max", w.Max, p.Max, *w.Max-*w.Min)
		}
		if len(w.Boundaries) != len(p.Boundaries) {
			add("fitted %s: sluice %d boundaries, peer %d", name, len(w.Boundaries), len(p.Boundaries))
		} else if k := len(w.Boundaries); k > 0 {
			spread := w.Boundaries[k-1] - w.Boundaries[0]
			for i := range w.Boundaries {
				num(fmt.Sprintf("boundary %d", i), &w.Boundaries[i], &p.Boundaries[i], spread)
			}
		}
		common := 0
		in := map[string]bool{}
		for _, v := range w.Vocab {
			in[v] = true
		}
		for _, v := range p.Vocab {
			if in[v] {
				common++
			}
		}
		longer := max(len(w.Vocab), len(p.Vocab))
		switch {
		case w.Transform == "onehot" && (common != len(w.Vocab) || common != len(p.Vocab)):
			add("fitted %s: one-hot categories differ: sluice %q, peer %q", name, w.Vocab, p.Vocab)
		case w.Transform == "vocab" && float64(common) < 0.95*float64(longer):
			add("fitted %s: vocabularies share %d of %d entries (sluice %d, peer %d), want at least 95 %%", name, common, longer, len(w.Vocab), len(p.Vocab))
		}
	}
}

func fmtVal(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'g', 17, 64)
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
