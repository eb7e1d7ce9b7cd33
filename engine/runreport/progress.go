package runreport

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sluice-ml/sluice/scheduler"
	"github.com/sluice-ml/sluice/task/budget"
)

// Progress shows stage, tasks done/total, rows, bytes and ETA: a redrawn
// line on a terminal, plain log lines otherwise.
type Progress struct {
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

// NewProgress shows progress on w (nil: none) for a job of the plan's
// stages; terminal redraws one line.
func NewProgress(w io.Writer, terminal bool, plan []PlanStage) *Progress {
	return &Progress{w: w, terminal: terminal, plan: plan, frac: map[int]float64{}, jobStart: time.Now()}
}

// overall is the job's completion and its ETA as text; p.mu is held.
func (p *Progress) overall() (float64, string) {
	c := Completion(p.plan, p.frac)
	if left, ok := ETA(time.Since(p.jobStart), c); ok {
		return c, left.Round(time.Second).String()
	}
	return c, "?"
}

// StartStage shows a stage run starting.
func (p *Progress) StartStage(st scheduler.StageRun) {
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

// TaskDone shows a task of the stage run done (done of st.Tasks; res
// the task's result).
func (p *Progress) TaskDone(st scheduler.StageRun, done int, res any) {
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

// EndStage shows a stage run ended.
func (p *Progress) EndStage(s StageStat) {
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
