package profile

import (
	"cmp"
	"slices"
	"strings"
)

// TopCounters is the size of a top-values summary.
const TopCounters = 256

// TopK is a Misra-Gries summary of at most TopCounters counters
// (Agarwal et al., "Mergeable summaries", 2012). Every kept count is a
// lower bound of the value's true count, low by at most Undercount() =
// (N - sum of kept counts) / (TopCounters + 1); while a column has at most
// TopCounters distinct values nothing is ever subtracted and the counts
// are exact. Updates and merges in a fixed order give the same summary.
type TopK struct {
	N      int64            `json:"n"`
	Counts map[string]int64 `json:"counts"`
}

// NewTopK returns an empty summary.
func NewTopK() *TopK { return &TopK{Counts: map[string]int64{}} }

// AddCounts adds a chunk's exact counts (a summary in its own right) and
// reduces once: the same bound as adding the values one by one, at one
// reduction per chunk. A kept key is copied, so counts may alias Arrow
// buffers.
func (t *TopK) AddCounts(counts map[string]int64) {
	for k, c := range counts {
		t.N += c
		if old, ok := t.Counts[k]; ok {
			t.Counts[k] = old + c
		} else {
			t.Counts[strings.Clone(k)] = c
		}
	}
	if len(t.Counts) > TopCounters {
		t.reduce()
	}
}

// Merge folds o into t.
func (t *TopK) Merge(o *TopK) {
	if o == nil {
		return
	}
	t.N += o.N
	for _, k := range sortedKeys(o.Counts) {
		t.Counts[k] += o.Counts[k]
	}
	if len(t.Counts) > TopCounters {
		t.reduce()
	}
}

// reduce subtracts the (TopCounters+1)-th largest count from every
// counter and drops those left at zero or below.
func (t *TopK) reduce() {
	cs := make([]int64, 0, len(t.Counts))
	for _, c := range t.Counts {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b int64) int { return cmp.Compare(b, a) })
	cut := cs[TopCounters]
	for k, c := range t.Counts {
		if c -= cut; c <= 0 {
			delete(t.Counts, k)
		} else {
			t.Counts[k] = c
		}
	}
}

// Undercount is the most any kept count is below the true count.
func (t *TopK) Undercount() int64 {
	var kept int64
	for _, c := range t.Counts {
		kept += c
	}
	return (t.N - kept) / (TopCounters + 1)
}

// ValueCount is one value and its count.
type ValueCount struct {
	Value string
	Count int64
}

// Top returns at most k values by count (largest first, ties by value).
func (t *TopK) Top(k int) []ValueCount {
	out := make([]ValueCount, 0, len(t.Counts))
	for v, c := range t.Counts {
		out = append(out, ValueCount{v, c})
	}
	slices.SortFunc(out, func(a, b ValueCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
	return out[:min(k, len(out))]
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
