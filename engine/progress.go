package engine

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sluice-ml/sluice/scheduler"
	"github.com/sluice-ml/sluice/task/budget"
)

// progress shows stage, tasks done/total, rows, bytes and ETA: a redrawn
// line on a terminal, plain log lines otherwise.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	stage    scheduler.StageRun
	start    time.Time
	rows     int64
	bytes    int64
	last     time.Time
	// plan weighs the overall completion; frac is each plan stage's
	// fraction of tasks done, jobStart when the job began.
	plan     []PlanStage
	frac     map[int]float64
	jobStart time.Time
}

func newProgress(w io.Writer, terminal bool) *progress {
	return &progress{w: w, terminal: terminal, frac: map[int]float64{}, jobStart: time.Now()}
}

// overall is the job's completion and its ETA as text; p.mu is held.
func (p *progress) overall() (float64, string) {
	c := Completion(p.plan, p.frac)
	if left, ok := ETA(time.Since(p.jobStart), c); ok {
		return c, left.Round(time.Second).String()
	}
	return c, "?"
}

func (p *progress) startStage(st scheduler.StageRun) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stage, p.start, p.rows, p.bytes = st, time.Now(), 0, 0
	if !p.terminal {
		fmt.Fprintf(p.w, "stage %d %s: %d tasks\n", st.ID, st.Kind, st.Tasks)
	}
}

func (p *progress) taskDone(st scheduler.StageRun, done int, res any) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := res.(interface{ Counts() (int64, int64) }); ok {
		r, b := c.Counts()
		p.rows += r
		p.bytes += b
	}

	el := time.Since(p.start)
	if st.Only == nil && st.Tasks > 0 {
		// A later pass or a recompute does not move the job back.
		p.frac[st.ID] = max(p.frac[st.ID], float64(done)/float64(st.Tasks))
	}
	c, eta := p.overall()
	line := fmt.Sprintf("job %3.0f%%  eta %-6s stage %d %-16s tasks %d/%d  rows %s  bytes %s  elapsed %s",
		100*c, eta, st.ID, st.Kind, done, st.Tasks, humanCount(p.rows), budget.FormatBytes(p.bytes), el.Round(100*time.Millisecond))
	if p.terminal {
		fmt.Fprintf(p.w, "\r\x1b[K%s", line)
		return
	}
	// Plain logs: at most one line every 2 s, plus the last task.
	if done == st.Tasks || time.Since(p.last) > 2*time.Second {
		p.last = time.Now()
		fmt.Fprintln(p.w, line)
	}
}

func (p *progress) endStage(s StageStat) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.Pass > 0 {
		p.frac[s.ID] = 1
	}
	if p.w == nil {
		return
	}
	if p.terminal {
		fmt.Fprintf(p.w, "\r\x1b[Kstage %d %-16s done: %d tasks, %s rows, %s in %s\n", s.ID, s.Kind, s.Tasks, humanCount(s.Rows), budget.FormatBytes(s.Bytes), s.Wall.Round(10*time.Millisecond))
	}
}

func humanCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fG", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e4:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// Summary prints the closing table of a run.
func (res *Result) Summary(w io.Writer) {
	m := res.Manifest
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-4s %-18s %7s %12s %12s %10s %10s\n", "id", "stage", "tasks", "rows", "bytes", "wall", "cpu")
	for _, s := range res.Stages {
		wall, cpu := s.Wall.Round(10*time.Millisecond).String(), s.CPU.Round(10*time.Millisecond).String()
		if s.Cached { // restored from the stage cache: its rows are the storing run's
			wall, cpu = "cached", "-"
		}
		fmt.Fprintf(&b, "%-4d %-18s %7d %12s %12s %10s %10s\n", s.ID, s.Kind, s.Tasks, humanCount(s.Rows), budget.FormatBytes(s.Bytes), wall, cpu)
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
	b.WriteString("\n")
	io.WriteString(w, b.String())
}
