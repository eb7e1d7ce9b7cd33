package monitor

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/scheduler"
	"github.com/sluice-ml/sluice/task/exchange"
)

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// TestTrackerFollowsAJob feeds a two-stage job's events by hand and checks
// the snapshot's completion, ETA, task skew, executors, cost and metrics
// against values computed here.
func TestTrackerFollowsAJob(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	reg := prometheus.NewRegistry()
	met := NewMetrics(reg)
	tr := NewTracker(Config{Mode: "embedded", Prices: runreport.Prices{CoreHour: 36}, Metrics: met})
	tr.now = clock.now
	start := clock.t
	tr.JobStarted(runreport.JobStart{JobID: "j1", Name: "job", Engine: "auto", Started: start,
		Stages: []runreport.PlanStage{{ID: 1, Kind: planner.StageScan, Tasks: 4, Weight: 3}, {ID: 2, Kind: planner.StageShardWrite, Tasks: 2, Weight: 1}},
		Placement: []planner.Placement{{Stage: 1, StageKind: planner.StageScan, Operator: "Scan", Engine: "cpu"},
			{Stage: 1, StageKind: planner.StageScan, Operator: "Filter", Engine: "cpu"},
			{Stage: 2, StageKind: planner.StageShardWrite, Operator: "Transform", Engine: "gpu", Reason: "cheaper"}},
		Executors: []scheduler.ExecutorInfo{{ID: "a", Slots: 2}, {ID: "b", Slots: 2}}, Memory: 100})
	tr.StageStarted(runreport.StageStart{JobID: "j1", ID: 1, Kind: planner.StageScan, Label: planner.StageScan, Tasks: 4})
	task := func(i, attempt int, exec string, wall time.Duration, rows int64, err error) {
		ts := runreport.TaskStart{JobID: "j1", Stage: 1, Label: planner.StageScan, Index: i, Attempt: attempt, Executor: exec, Start: clock.t}
		tr.TaskStarted(ts)
		tr.TaskEnded(runreport.TaskEnd{TaskStart: ts, Wall: wall, Rows: rows, Bytes: 10 * rows, Err: err})
	}
	task(0, 0, "a", 1*time.Second, 100, nil)
	task(1, 0, "b", 3*time.Second, 100, nil)
	task(2, 0, "a", 0, 0, exchange.Retryable(errors.New("flaky")))
	task(2, 1, "b", 2*time.Second, 100, nil)
	clock.t = start.Add(6 * time.Second)

	s := tr.Snapshot()
	if len(s.Jobs) != 1 {
		t.Fatalf("jobs %+v", s.Jobs)
	}
	j := s.Jobs[0]
	// 3 of 4 scan tasks done: (3 * 3/4 + 1 * 0) / (3 + 1) = 56.25%; the
	// rest at the same pace: 6 s * (1 - .5625) / .5625.
	if want := 6 * (1 - 0.5625) / 0.5625; j.Percent != 56.25 || math.Abs(j.ETASeconds-want) > 1e-6 {
		t.Errorf("percent %v eta %v, want 56.25 and %v", j.Percent, j.ETASeconds, 6*(1-0.5625)/0.5625)
	}
	if len(j.Stages) != 2 || j.Stages[0].State != "running" || j.Stages[1].State != "pending" {
		t.Fatalf("stages %+v", j.Stages)
	}
	sc := j.Stages[0]
	if sc.Done != 3 || sc.Failed != 1 || sc.Rows != 300 || sc.TaskMin != 1 || sc.TaskMedian != 2 || sc.TaskMax != 3 {
		t.Errorf("scan %+v: want 3 done, 1 failed, 300 rows, tasks 1/2/3 s", sc)
	}
	if got := sc.Placement; len(got) != 1 || got[0] != "cpu: Scan, Filter" {
		t.Errorf("scan placement %q", got)
	}
	if got := j.Stages[1].Placement; len(got) != 1 || got[0] != "gpu: Transform (cheaper)" {
		t.Errorf("shard-write placement %q", got)
	}
	if j.Retries != 1 {
		t.Errorf("retries %d, want 1", j.Retries)
	}
	if len(s.Executors) != 2 || s.Executors[0].Done != 1 || s.Executors[0].Failed != 1 || s.Executors[1].Done != 2 {
		t.Errorf("executors %+v", s.Executors)
	}

	tr.StageEnded("j1", runreport.StageStat{ID: 1, Kind: planner.StageScan, Pass: 1, Tasks: 4, Rows: 400, Wall: 5 * time.Second, CPU: 10 * time.Second})
	tr.StageStarted(runreport.StageStart{JobID: "j1", ID: 2, Kind: planner.StageShardWrite, Label: planner.StageShardWrite, Tasks: 2})
	tr.StageEnded("j1", runreport.StageStat{ID: 2, Kind: planner.StageShardWrite, Pass: 1, Tasks: 2, Wall: time.Second, CPU: 20 * time.Second, GPUs: 1})
	tr.JobEnded("j1", &runreport.Result{JobID: "j1"}, nil)
	j, _ = tr.Job("j1")
	// 30 CPU seconds at $36 per core-hour: $0.30.
	if j.State != "succeeded" || j.Percent != 100 || j.CPUSeconds != 30 || j.GPUSeconds != 1 || j.Cost != 0.3 {
		t.Errorf("after the job: %+v", j)
	}
	if got := testutil.ToFloat64(met.tasks.WithLabelValues("done")); got != 3 {
		t.Errorf("sluice_tasks_total{done} = %v, want 3", got)
	}
	if got := testutil.ToFloat64(met.tasks.WithLabelValues("failed")); got != 1 {
		t.Errorf("sluice_tasks_total{failed} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(met.retries); got != 1 {
		t.Errorf("sluice_task_retries_total = %v, want 1", got)
	}
	if got := testutil.ToFloat64(met.stageRows.WithLabelValues("scan")); got != 300 {
		t.Errorf("sluice_stage_rows_total{scan} = %v, want 300", got)
	}
	if got := testutil.ToFloat64(met.running); got != 0 {
		t.Errorf("sluice_tasks_running = %v, want 0", got)
	}
}

// TestTrackerLostExecutor counts an executor lost under a task once.
func TestTrackerLostExecutor(t *testing.T) {
	reg := prometheus.NewRegistry()
	met := NewMetrics(reg)
	tr := NewTracker(Config{Metrics: met})
	tr.JobStarted(runreport.JobStart{JobID: "j", Executors: []scheduler.ExecutorInfo{{ID: "a", Slots: 1}}})
	for i := 0; i < 2; i++ {
		ts := runreport.TaskStart{JobID: "j", Executor: "a", Index: i}
		tr.TaskStarted(ts)
		tr.TaskEnded(runreport.TaskEnd{TaskStart: ts, Err: scheduler.ErrExecutorLost, Lost: true})
	}
	s := tr.Snapshot()
	if s.LostExecutors != 1 || s.Executors[0].State != "lost" || s.Executors[0].Failed != 0 {
		t.Errorf("snapshot %+v: want executor a lost once, no failed task", s)
	}
	if got := testutil.ToFloat64(met.lost); got != 1 {
		t.Errorf("sluice_executors_lost_total = %v, want 1", got)
	}
	if got := testutil.ToFloat64(met.tasks.WithLabelValues("lost")); got != 2 {
		t.Errorf("sluice_tasks_total{lost} = %v, want 2", got)
	}
}
