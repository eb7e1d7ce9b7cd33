package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/exec/placement"
	"github.com/sluice-ml/sluice/planner"
)

// TaskContext is what a running task gets from its executor.
type TaskContext struct {
	Executor string
	WorkDir  string           // the executor's scratch directory for this job
	Mem      memory.Allocator // charged to the executor's budget
	Budget   *Budget
	Files    Files // opens other tasks' outputs
	// Fallbacks counts the batches this task's device kernels gave back
	// to the CPU, per "stage-kind/Operator".
	Fallbacks *kernel.Counts
	// Ops are the plan operators the task ran, in order.
	Ops []string
	// PlanStage is the plan stage the task belongs to.
	PlanStage *planner.Stage
}

// ran records that the task ran a plan operator.
func (x *TaskContext) ran(op string) { x.Ops = append(x.Ops, op) }

// Executor runs tasks in a number of slots under one memory budget.
type Executor struct {
	ID      string
	Slots   int
	WorkDir string
	Budget  *Budget
	Files   Files // how this executor reads other tasks' outputs; LocalFiles by default
	// Engine pins the engine this node runs its tasks with (cpu, gpu,
	// gpu-emulated); "" or "auto" runs the job's choice. A mixed cluster
	// gives the same bytes: every engine computes identical results.
	Engine string
	mem    memory.Allocator
}

// NewExecutor makes an executor with its own work directory and budget.
func NewExecutor(id string, slots int, workDir string, memLimit int64) (*Executor, error) {
	if slots < 1 {
		return nil, fmt.Errorf("executor %s: slots must be >= 1 (got %d)", id, slots)
	}
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return nil, err
	}
	b := NewBudget(memLimit)
	return &Executor{ID: id, Slots: slots, WorkDir: workDir, Budget: b, Files: LocalFiles{}, mem: b.Allocator(memory.DefaultAllocator)}, nil
}

// run executes an in-process task function on this executor.
func (e *Executor) run(ctx context.Context, st StageRun, t Task) (res any, err error) {
	x := &TaskContext{Executor: e.ID, WorkDir: e.WorkDir, Mem: e.mem, Budget: e.Budget, Files: e.Files}
	defer func() {
		// A kernel bug must fail the task, not the process.
		if r := recover(); r != nil {
			err = fmt.Errorf("task panicked: %v", r)
		}
	}()
	return st.Run(ctx, x, t)
}

// LocalTransport is the in-process transport of the embedded mode: the same
// scheduler and task protocol as a cluster, with executors in this process.
type LocalTransport struct {
	execs   map[string]*Executor
	workers map[string]*Worker
	order   []ExecutorInfo
}

// NewLocal makes n in-process executors with the given slots and per-executor
// memory budget, working under dir.
func NewLocal(n, slots int, memPerExecutor int64, dir string) (*LocalTransport, error) {
	if n < 1 {
		return nil, fmt.Errorf("--local must be >= 1 (got %d)", n)
	}
	lt := &LocalTransport{execs: map[string]*Executor{}, workers: map[string]*Worker{}}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("local-%d", i)
		e, err := NewExecutor(id, slots, filepath.Join(dir, id), memPerExecutor)
		if err != nil {
			return nil, err
		}
		lt.execs[id] = e
		lt.workers[id] = NewWorker(e)
		lt.order = append(lt.order, ExecutorInfo{ID: id, Slots: slots})
	}
	return lt, nil
}

// Executors implements Transport.
func (l *LocalTransport) Executors() []ExecutorInfo {
	out := append([]ExecutorInfo(nil), l.order...)
	for i := range out {
		out[i].GPU = IsGPUEngine(l.execs[out[i].ID].Engine)
	}
	return out
}

// IsGPUEngine reports whether an --engine name is a GPU engine.
func IsGPUEngine(name string) bool { return placement.IsGPUEngine(name) }

// Launch implements Transport.
func (l *LocalTransport) Launch(ctx context.Context, id string, st StageRun, t Task) (any, error) {
	e, ok := l.execs[id]
	if !ok {
		return nil, Retryable(fmt.Errorf("no executor %q", id))
	}
	if st.Run != nil {
		return e.run(ctx, st, t)
	}
	// The same encoded task and result as over the network.
	spec := st.Spec(t)
	data, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("encoding task: %w", err)
	}
	out, err := l.workers[id].RunEncoded(ctx, data)
	if err != nil {
		return nil, err
	}
	return decodeResult(spec.Kind, out)
}

// Forget drops the job on every executor and deletes its scratch files.
func (l *LocalTransport) Forget(jobID string) {
	for _, w := range l.workers {
		w.Forget(jobID)
	}
}

// PeakMemory is the largest budget peak among the executors.
func (l *LocalTransport) PeakMemory() int64 {
	var p int64
	for _, e := range l.execs {
		p = max(p, e.Budget.Peak())
	}
	return p
}

// memoryUse reports an executor's Arrow bytes in use and its budget.
func (l *LocalTransport) memoryUse(id string) (used, limit int64, ok bool) {
	e, ok := l.execs[id]
	if !ok {
		return 0, 0, false
	}
	return e.Budget.Used(), e.Budget.Limit(), true
}
