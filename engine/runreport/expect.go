package runreport

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/sink"
)

// ExpectError is a job stopped by a failed expectation (on_fail: error):
// nothing was written.
type ExpectError struct {
	File   string
	Line   int
	Result *sink.Expectations
}

// Error lists each failed rule with its column, the violating rows and up
// to 5 example values with their file and row.
func (e *ExpectError) Error() string {
	var b strings.Builder
	n := 0
	for _, er := range e.Result.Rules {
		if !er.Passed {
			n++
		}
	}
	where := e.File
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
	}
	fmt.Fprintf(&b, "%s: expect: %d of %d rules failed on %d rows read; no output was written", where, n, len(e.Result.Rules), e.Result.Rows)
	for _, er := range e.Result.Rules {
		if !er.Passed {
			b.WriteString("\n  ")
			b.WriteString(DescribeFailure(er, e.Result.Rows))
		}
	}
	return b.String()
}

// DescribeFailure is one failed rule in a line, with its examples.
func DescribeFailure(er sink.ExpectationRule, rows int64) string {
	var b strings.Builder
	if er.Column != "" {
		b.WriteString(er.Column + " " + er.Spec + ": ")
	} else {
		b.WriteString(er.Spec + ": ")
	}
	switch er.Rule {
	case jobspec.RuleRowsMin, jobspec.RuleRowsMax:
		fmt.Fprintf(&b, "the input has %d rows", rows)
		return b.String()
	case jobspec.RuleNullFractionMax:
		fmt.Fprintf(&b, "%d of %d rows null (fraction %s)", er.Violations, rows, strconv.FormatFloat(*er.Fraction, 'g', 6, 64))
	default:
		fmt.Fprintf(&b, "%d violating %s", er.Violations, plural(er.Violations, "row"))
	}
	if len(er.Examples) > 0 {
		b.WriteString(", e.g.")
		for i, ex := range er.Examples {
			if i > 0 {
				b.WriteString(";")
			}
			fmt.Fprintf(&b, " %s (%s row %d)", ex.Value, ex.File, ex.Row)
		}
	}
	return b.String()
}

// expectSummary is the summary's expectations line: how many rules held
// (a failed rule under warn is also a warning line).
func expectSummary(b *strings.Builder, x *sink.Expectations) {
	if x == nil {
		return
	}
	passed := 0
	for _, r := range x.Rules {
		if r.Passed {
			passed++
		}
	}
	fmt.Fprintf(b, "expect: %d of %d rules passed on %d rows read", passed, len(x.Rules), x.Rows)
	if !x.Passed {
		fmt.Fprintf(b, " (on_fail: %s)", x.OnFail)
	}
	b.WriteString("\n")
}

// plural is word, with an s unless n is 1.
func plural(n int64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
