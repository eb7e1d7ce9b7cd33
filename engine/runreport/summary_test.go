package runreport

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ml/sluice/sink"
)

// The summary table shows each stage's peak RSS and scratch bytes ("-"
// where not known) and the run's largest of each.
func TestSummaryPeakRSSAndScratch(t *testing.T) {
	res := &Result{Manifest: &sink.Manifest{}, Stages: []StageStat{
		{ID: 1, Kind: "scan", Tasks: 2, Wall: time.Second, CPU: time.Second, PeakRSS: 300 << 20, Scratch: 5 << 30},
		{ID: 2, Kind: "shard-write", Tasks: 2, Wall: time.Second, CPU: time.Second, PeakRSS: 700 << 20, Scratch: 3 << 30},
		{ID: 3, Kind: "fit", Tasks: 1, Wall: time.Second, CPU: time.Second},
	}}
	var b strings.Builder
	res.Summary(&b)
	lines := strings.Split(b.String(), "\n")
	header := strings.Fields(lines[1])
	if got := strings.Join(header[len(header)-3:], " "); got != "peak rss scratch" {
		t.Fatalf("header ends %q: %s", got, lines[1])
	}
	for i, want := range [][2]string{{"300.0 MiB", "5.0 GiB"}, {"700.0 MiB", "3.0 GiB"}, {"-", "-"}} {
		if end := fmt.Sprintf(" %10s %10s", want[0], want[1]); !strings.HasSuffix(lines[2+i], end) {
			t.Errorf("stage %d: want rss and scratch %q: %s", i+1, end, lines[2+i])
		}
	}
	last := lines[len(lines)-2]
	if !strings.Contains(last, "peak RSS 700.0 MiB") || !strings.Contains(last, "peak scratch 5.0 GiB") {
		t.Errorf("last line %q lacks the run's peaks", last)
	}
}
