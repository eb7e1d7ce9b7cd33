package scheduler

import (
	"context"
	"errors"
	"sort"
	"sync"
)

// taskSet is one stage's tasks while they run: a small state machine. A
// worker per executor slot pops a task, launches it and reports the outcome
// with onDone, onLost or onFail; those methods move the task to done, back
// to the queue (a lost executor; a retryable failure, attempt+1) or fail
// the stage. mu guards every field below it.
type taskSet struct {
	s       *Scheduler
	st      StageRun
	max     int // attempts per task
	queue   *taskQueue
	want    int           // tasks to finish
	allDone chan struct{} // closed when want tasks are done
	kick    chan struct{} // an executor was lost: see whether any is left
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu      sync.Mutex
	results []any // by task index
	done    int
	err     error          // the first fatal failure
	running map[string]int // executor -> workers
	lost    map[string]bool
}

func newTaskSet(s *Scheduler, st StageRun, want int, cancel context.CancelFunc) *taskSet {
	max := s.MaxAttempts
	if max <= 0 {
		max = 3
	}
	return &taskSet{s: s, st: st, max: max, queue: newTaskQueue(st.Prefer), want: want, allDone: make(chan struct{}), kick: make(chan struct{}, 1),
		cancel: cancel, results: make([]any, st.Tasks), running: map[string]int{}, lost: map[string]bool{}}
}

// onDone records a task's result.
func (ts *taskSet) onDone(t Task, res any) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.results[t.Index] = res
	ts.done++
	if ts.s.Progress != nil {
		ts.s.Progress(ts.st, ts.done, res)
	}
	if ts.done == ts.want {
		close(ts.allDone)
	}
}

// onLost requeues the task of an executor that is gone, without spending
// an attempt; the executor gets no more tasks.
func (ts *taskSet) onLost(exec string, t Task) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.lost[exec] = true
	ts.queue.push(t)
	select {
	case ts.kick <- struct{}{}:
	default:
	}
}

// onFail retries a retryable failure with attempts left, and otherwise
// fails the stage (cancelling the tasks still running).
func (ts *taskSet) onFail(ctx context.Context, exec string, t Task, err error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ctx.Err() == nil && classify(err, t.Attempt, ts.max) {
		t.Attempt++
		ts.queue.push(t)
		return
	}
	if ts.err == nil {
		ts.err = &TaskError{Stage: ts.st.ID, Index: t.Index, Attempt: t.Attempt, Executor: exec, Err: err}
		ts.cancel()
	}
}

// failure is the stage's first fatal failure, if any.
func (ts *taskSet) failure() error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.err
}

// worker runs tasks on one slot of an executor until the queue closes or
// the executor is lost.
func (ts *taskSet) worker(ctx context.Context, exec string) {
	defer ts.wg.Done()
	defer func() {
		ts.mu.Lock()
		ts.running[exec]--
		ts.mu.Unlock()
	}()
	for {
		t, ok := ts.queue.pop(exec)
		if !ok {
			return
		}
		res, err := ts.s.T.Launch(ctx, exec, ts.st, t)
		switch {
		case err == nil:
			ts.onDone(t, res)
		case errors.Is(err, ErrExecutorLost) && ctx.Err() == nil:
			ts.onLost(exec, t)
			return
		default:
			ts.onFail(ctx, exec, t, err)
		}
	}
}

// start adds workers for the executors (new ones included) up to their
// slots, and returns how many run.
func (ts *taskSet) start(ctx context.Context) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	execs := eligible(ts.s.T.Executors(), ts.st.GPU, ts.lost)
	sort.SliceStable(execs, func(i, j int) bool { return execs[i].ID < execs[j].ID })
	// Round-robin across executors so a short stage spreads out.
	for round := 0; ; round++ {
		started := false
		for _, e := range execs {
			if ts.lost[e.ID] || round >= e.Slots {
				continue
			}
			if round >= ts.running[e.ID] {
				ts.running[e.ID]++
				ts.wg.Add(1)
				go ts.worker(ctx, e.ID)
			}
			started = true
		}
		if !started {
			break
		}
	}
	total := 0
	for _, e := range execs {
		if !ts.lost[e.ID] {
			total += ts.running[e.ID]
		}
	}
	return total
}
