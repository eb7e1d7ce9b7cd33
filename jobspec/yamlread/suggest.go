package yamlread

import (
	"fmt"
	"strings"
)

// EditDistance is the Levenshtein distance between a and b (bytes), for
// "did you mean" suggestions here, in package jobspec and in the planner.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// suggest returns the allowed word closest to got (case-insensitive), or ""
// when none is close enough to be a likely typo.
func suggest(got string, allowed []string) string {
	g := strings.ToLower(got)
	best, bestD := "", -1
	for _, a := range allowed {
		d := EditDistance(g, strings.ToLower(a))
		if bestD < 0 || d < bestD {
			best, bestD = a, d
		}
	}
	limit := max(2, len(g)/3)
	if bestD < 0 || bestD > limit || bestD >= len(g) {
		return ""
	}
	return best
}

// UnknownMsg is `unknown <what> "got"; did you mean "x"? (allowed: a, b)`.
func UnknownMsg(what, got string, allowed []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "unknown %s %q", what, got)
	if s := suggest(got, allowed); s != "" {
		fmt.Fprintf(&b, "; did you mean %q?", s)
	}
	fmt.Fprintf(&b, " (allowed: %s)", strings.Join(allowed, ", "))
	return b.String()
}
