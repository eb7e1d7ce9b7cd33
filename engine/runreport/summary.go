package runreport

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sluice-ml/sluice/task/budget"
)

// Summary prints the closing table of a run.
func (res *Result) Summary(w io.Writer) {
	m := res.Manifest
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-4s %-18s %7s %12s %12s %10s %10s %10s %10s\n", "id", "stage", "tasks", "rows", "bytes", "wall", "cpu", "peak rss", "scratch")
	for _, s := range res.Stages {
		wall, cpu := s.Wall.Round(10*time.Millisecond).String(), s.CPU.Round(10*time.Millisecond).String()
		rss, scratch := optBytes(s.PeakRSS), optBytes(s.Scratch)
		if s.Cached { // restored from the stage cache: its rows are the storing run's
			wall, cpu, rss, scratch = "cached", "-", "-", "-"
		}
		fmt.Fprintf(&b, "%-4d %-18s %7d %12s %12s %10s %10s %10s %10s\n", s.ID, s.Kind, s.Tasks, humanCount(s.Rows), budget.FormatBytes(s.Bytes), wall, cpu, rss, scratch)
	}
	fmt.Fprintf(&b, "\nrows: read %d, filtered %d, dropped %d, written %d\n", m.Rows.Read, m.Rows.Filtered, m.Rows.Dropped, m.Rows.Written)
	for _, s := range m.Splits {
		fmt.Fprintf(&b, "split %-8s %10d rows in %d shards\n", s.Name, s.Rows, len(s.Shards))
	}
	for _, a := range m.Aggregates {
		fmt.Fprintf(&b, "aggregate %-8s %d rows (%s)\n", a.Name, a.Rows, a.Path)
	}
	expectSummary(&b, m.Expectations)
	for _, w := range res.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	fmt.Fprintf(&b, "output %s  wall %s  cpu %s", res.OutputDir, res.Wall.Round(10*time.Millisecond), res.CPU().Round(10*time.Millisecond))
	if g := res.GPUTime(); g > 0 {
		fmt.Fprintf(&b, "  gpu %s", g.Round(10*time.Millisecond))
	}
	if res.Prices.Set() {
		fmt.Fprintf(&b, "  cost $%.6f ($%g/core-h, $%g/GPU-h)", res.Cost(), res.Prices.CoreHour, res.Prices.GPUHour)
	}
	if res.PeakMemory > 0 {
		fmt.Fprintf(&b, "  peak Arrow memory per executor %s", budget.FormatBytes(res.PeakMemory))
	}
	if n := res.PeakRSS(); n > 0 {
		fmt.Fprintf(&b, "  peak RSS %s", budget.FormatBytes(n))
	}
	if n := res.PeakScratch(); n > 0 {
		fmt.Fprintf(&b, "  peak scratch %s", budget.FormatBytes(n))
	}
	b.WriteString("\n")
	io.WriteString(w, b.String())
}

// optBytes formats a byte count, "-" when it is not known (0).
func optBytes(n int64) string {
	if n <= 0 {
		return "-"
	}
	return budget.FormatBytes(n)
}
