package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
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
type Task struct {
	Stage   int
	Index   int
	Attempt int
}

// TaskFunc runs one task on an executor and returns its (small) result.
type TaskFunc func(ctx context.Context, x *TaskContext, t Task) (any, error)

// StageRun describes one stage to schedule.
type StageRun struct {
	ID    int
	Kind  string
	Tasks int
	// Spec builds task t's TaskSpec, which the transport carries to an
	// executor's Worker.
	Spec func(t Task) *TaskSpec
	// Run, when set instead of Spec, runs the task in-process (tests).
	Run TaskFunc
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

// Retryable marks an error as worth another attempt (a lost executor, a
// failed fetch, a transient I/O error). Errors are fatal unless marked.
func Retryable(err error) error { return &retryable{err} }

type retryable struct{ err error }

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

// classify is the one place that decides whether a failed task is retried.
func classify(err error, attempt, maxAttempts int) (retry bool) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var r *retryable
	return errors.As(err, &r) && attempt+1 < maxAttempts
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
}

// Scheduler runs stages over a transport: tasks go to free slots, retryable
// failures are retried up to MaxAttempts, results come back by task index.
type Scheduler struct {
	T           Transport
	MaxAttempts int
	// Progress, when set, is called after each task completes.
	Progress func(stage StageRun, done int, result any)
}

// RunStage runs every task of the stage and returns their results ordered by
// task index, or the first fatal failure (other running tasks are cancelled).
func (s *Scheduler) RunStage(ctx context.Context, st StageRun) ([]any, error) {
	maxAttempts := s.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 3
	}
	execs := s.T.Executors()
	if len(execs) == 0 {
		return nil, errors.New("scheduler: no executors")
	}
	results := make([]any, st.Tasks)
	if st.Tasks == 0 {
		return results, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Every task sits in the queue at most once, so the buffer never blocks.
	queue := make(chan Task, st.Tasks)
	for i := 0; i < st.Tasks; i++ {
		queue <- Task{Stage: st.ID, Index: i}
	}
	var (
		mu       sync.Mutex
		firstErr error
		done     int
		wg       sync.WaitGroup
	)
	allDone := make(chan struct{})
	worker := func(exec string) {
		defer wg.Done()
		for {
			var t Task
			select {
			case t = <-queue:
			case <-allDone:
				return
			case <-ctx.Done():
				return
			}
			res, err := s.T.Launch(ctx, exec, st, t)
			mu.Lock()
			switch {
			case err == nil:
				results[t.Index] = res
				done++
				if s.Progress != nil {
					s.Progress(st, done, res)
				}
				if done == st.Tasks {
					close(allDone)
				}
			case ctx.Err() == nil && classify(err, t.Attempt, maxAttempts):
				t.Attempt++
				queue <- t
			default:
				if firstErr == nil {
					firstErr = &TaskError{Stage: st.ID, Index: t.Index, Attempt: t.Attempt, Executor: exec, Err: err}
					cancel()
				}
			}
			mu.Unlock()
		}
	}
	// Start slots round-robin across executors so a short stage spreads out.
	sort.SliceStable(execs, func(i, j int) bool { return execs[i].ID < execs[j].ID })
	for round := 0; ; round++ {
		started := false
		for _, e := range execs {
			if round < e.Slots {
				wg.Add(1)
				go worker(e.ID)
				started = true
			}
		}
		if !started {
			break
		}
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if done != st.Tasks {
		return nil, ctx.Err()
	}
	return results, nil
}
