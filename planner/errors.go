package planner

import (
	"fmt"
	"strings"

	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/jobspec/yamlread"
)

// errorf is the one place that builds job-file errors: jobspec's error
// type, so callers see one form (`job.yaml:14: features.x: message`).
func errorf(file string, line int, field, format string, args ...any) error {
	return jobspec.Errorf(file, line, field, format, args...)
}

// didYouMean returns ` (did you mean "x"?)` for the closest name within a
// small edit distance (or a shared prefix/suffix), or "".
func didYouMean(name string, names []string) string {
	best, bestD := "", len(name)/2+2
	for _, n := range names {
		d := editDistance(strings.ToLower(name), strings.ToLower(n))
		if strings.Contains(n, name) || strings.Contains(name, n) {
			d = min(d, 2)
		}
		if d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance over bytes.
func editDistance(a, b string) int { return yamlread.EditDistance(a, b) }
