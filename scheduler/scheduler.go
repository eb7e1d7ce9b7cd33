package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/exchange"
)

// Task is one unit of a stage: the stage runs Run once per task index, on
// whichever executor has a free slot.
//
// Task states, in order:
//
//	pending ──launch──► running ──ok──► done
//	   ▲                   │
//	   └──retryable fail───┘ (attempt+1, at most MaxAttempts)
//	                       └──fatal fail / attempts spent──► failed (stage fails)
type Task = task.Task

// TaskFunc runs one task on an executor and returns its (small) result.
type TaskFunc func(ctx context.Context, x *task.TaskContext, t Task) (any, error)

// StageRun describes one stage to schedule.
type StageRun struct {
	ID    int
	Kind  string
	Tasks int
	// Spec builds task t's stage fragment, which the transport carries to
	// an executor's Worker.
	Spec func(t Task) *pb.StageFragment
	// Run, when set instead of Spec, runs the task in-process (tests).
	Run TaskFunc
	// Only, when not nil, runs just these task indexes (lineage recovery
	// re-runs the tasks whose outputs were lost).
	Only []int
	// Prefer, when set, names the executor holding task t's input; a free
	// slot there takes it first (locality).
	Prefer func(t Task) string
	// GPU marks a stage whose work a GPU engine mostly runs: while any
	// executor with a GPU engine is up, only those executors take its
	// tasks (mixed clusters: GPU nodes run GPU stages, every node the rest).
	GPU bool
}

// TaskError is a task failure with its retry classification.
type TaskError struct {
	Stage, Index, Attempt int
	Executor              string
	Retryable             bool
	Err                   error
}

func (e *TaskError) Error() string {
	return fmt.Sprintf("stage %d task %d (attempt %d on %s): %v", e.Stage, e.Index, e.Attempt, e.Executor, e.Err)
}

func (e *TaskError) Unwrap() error { return e.Err }

// Retryable marks an error as worth another attempt (exchange.Retryable).
func Retryable(err error) error { return exchange.Retryable(err) }

// IsRetryable reports whether err was marked with Retryable.
func IsRetryable(err error) bool { return exchange.IsRetryable(err) }

// classify is the one place that decides whether a failed task is retried.
func classify(err error, attempt, maxAttempts int) (retry bool) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	// A lost input is not fixed by running the reader again: the stage
	// fails to the driver, which re-runs the input's producer (lineage).
	var ff *exchange.FetchFailed
	if errors.As(err, &ff) {
		return false
	}
	return IsRetryable(err) && attempt+1 < maxAttempts
}

// Transport launches a task on a named executor and reports its outcome.
// The embedded mode uses an in-process transport; the cluster uses gRPC.
type Transport interface {
	// Executors lists the executors and their slots.
	Executors() []ExecutorInfo
	// Launch runs the task and returns its result; it blocks until done.
	Launch(ctx context.Context, executor string, stage StageRun, t Task) (any, error)
}

// ExecutorInfo is what the scheduler knows of an executor.
type ExecutorInfo struct {
	ID    string
	Slots int
	// GPU: the executor runs a GPU engine (gpu or gpu-emulated).
	GPU bool
}

// Scheduler runs stages over a transport: tasks go to free slots, retryable
// failures are retried up to MaxAttempts, results come back by task index.
type Scheduler struct {
	T           Transport
	MaxAttempts int
	// Progress, when set, is called after each task completes.
	Progress func(stage StageRun, done int, result any)
	// NoExecutorWait is how long a stage waits for an executor to join when
	// none is left (0: fail at once).
	NoExecutorWait time.Duration
}

// ErrExecutorLost is returned by a transport when the executor is gone
// (crashed, left, unreachable): the task goes back to the queue without
// spending an attempt, and no more tasks go to that executor.
var ErrExecutorLost = errors.New("executor lost")

// RunStage runs the tasks of the stage (all of them, or st.Only) and returns
// their results ordered by task index, or the first fatal failure (other
// running tasks are cancelled). Executors that join while the stage runs get
// tasks too.
func (s *Scheduler) RunStage(ctx context.Context, st StageRun) ([]any, error) {
	indexes := st.Only
	if indexes == nil {
		indexes = make([]int, st.Tasks)
		for i := range indexes {
			indexes[i] = i
		}
	}
	if len(indexes) == 0 {
		return make([]any, st.Tasks), nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ts := newTaskSet(s, st, len(indexes), cancel)
	for _, i := range indexes {
		ts.queue.push(Task{Stage: st.ID, Index: i})
	}
	// Workers block in pop: wake them when the stage ends either way.
	go func() {
		select {
		case <-ts.allDone:
		case <-ctx.Done():
		}
		ts.queue.close()
	}()
	// Executors that join, and the loss of the last one, are events: the
	// loop starts workers on each (no polling), and waits NoExecutorWait
	// for an executor when none is left.
	events, _ := s.T.(MembershipEvents)
	var idle *time.Timer
	first := true
	defer func() {
		if idle != nil {
			idle.Stop()
		}
	}()
	for {
		var changed <-chan struct{} // before start: a change after it is not missed
		if events != nil {
			changed = events.Changed()
		}
		if ts.start(ctx) > 0 {
			if idle != nil {
				idle.Stop()
				idle = nil
			}
		} else if idle == nil {
			if first && s.NoExecutorWait <= 0 {
				return nil, errors.New("scheduler: no executors")
			}
			// No executor to run on: wait a while for one to join.
			idle = time.NewTimer(max(s.NoExecutorWait, 0))
		}
		first = false
		var expired <-chan time.Time
		if idle != nil {
			expired = idle.C
		}
		select {
		case <-ts.allDone:
			ts.wg.Wait()
			return ts.results, nil
		case <-ctx.Done():
			ts.wg.Wait()
			if err := ts.failure(); err != nil {
				return nil, err
			}
			return nil, ctx.Err()
		case <-changed:
		case <-ts.kick:
		case <-expired:
			cancel()
			ts.wg.Wait()
			return nil, fmt.Errorf("stage %d (%s): no executor available for %s", st.ID, st.Kind, s.NoExecutorWait)
		}
	}
}

// MembershipEvents is implemented by transports whose executors come and
// go. Changed returns a channel that is closed at the next change of
// Executors(); call it again for the one after.
type MembershipEvents interface {
	Changed() <-chan struct{}
}

// eligible are the executors a stage may run on: for a GPU stage, the live
// executors with a GPU engine when there are any, else every executor.
func eligible(execs []ExecutorInfo, gpuStage bool, lost map[string]bool) []ExecutorInfo {
	if !gpuStage {
		return execs
	}
	var out []ExecutorInfo
	for _, e := range execs {
		if e.GPU && !lost[e.ID] {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return execs
	}
	return out
}

// CPUMeter is implemented by transports whose executors run in other
// processes: StageCPU is the CPU time the executors spent while they ran
// the tasks of the job's stage run seq (as TaskSpec.Stage numbers it),
// as they reported it. The meter may forget the stage run once asked.
type CPUMeter interface {
	StageCPU(jobID string, seq int) time.Duration
}
