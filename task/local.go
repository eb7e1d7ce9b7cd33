package task

import (
	"context"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/exec/placement"
	"github.com/sluice-ml/sluice/task/budget"
	"github.com/sluice-ml/sluice/task/exchange"
)

// TaskContext is what a running task gets from its executor.
type TaskContext struct {
	Executor string
	WorkDir  string           // the executor's scratch directory for this job
	Mem      memory.Allocator // charged to the executor's budget
	Budget   *budget.Budget
	Files    exchange.Files // opens other tasks' outputs
	// Slots are the executor's task slots: the goroutines one task's
	// parallel encoding may use.
	Slots int
	// Fallbacks counts the batches this task's device kernels gave back
	// to the CPU, per "stage-kind/Operator".
	Fallbacks *kernel.Counts
	// Ops are the plan operators the task ran, in order.
	Ops []string
	// PlanStage is the plan stage the task belongs to.
	PlanStage *planStage
}

// ran records that the task ran a plan operator.
func (x *TaskContext) ran(op string) { x.Ops = append(x.Ops, op) }

// Executor runs tasks in a number of slots under one memory budget.
type Executor struct {
	ID      string
	Slots   int
	WorkDir string
	Budget  *budget.Budget
	Files   exchange.Files // how this executor reads other tasks' outputs; LocalFiles by default
	// Engine pins the engine this node runs its tasks with (cpu, gpu,
	// gpu-emulated); "" or "auto" runs the job's choice. A mixed cluster
	// gives the same bytes: every engine computes identical results.
	Engine string
	// Engines opens the engines of an --engine choice; nil is
	// placement.Engines (tests give a device a small memory, say).
	Engines func(choice string) ([]exec.Engine, error)
	mem     memory.Allocator
}

// engines opens the engines of an --engine choice.
func (e *Executor) engines(choice string) ([]exec.Engine, error) {
	if e.Engines != nil {
		return e.Engines(choice)
	}
	return placement.Engines(choice)
}

// NewExecutor makes an executor with its own work directory and budget.
func NewExecutor(id string, slots int, workDir string, memLimit int64) (*Executor, error) {
	if slots < 1 {
		return nil, fmt.Errorf("executor %s: slots must be >= 1 (got %d)", id, slots)
	}
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return nil, err
	}
	b := budget.New(memLimit)
	return &Executor{ID: id, Slots: slots, WorkDir: workDir, Budget: b, Files: exchange.LocalFiles{}, mem: b.Allocator(memory.DefaultAllocator)}, nil
}

// RunFunc executes an in-process task function on this executor (tests
// schedule such tasks).
func (e *Executor) RunFunc(ctx context.Context, fn func(ctx context.Context, x *TaskContext, t Task) (any, error), t Task) (res any, err error) {
	x := &TaskContext{Executor: e.ID, WorkDir: e.WorkDir, Mem: e.mem, Budget: e.Budget, Files: e.Files, Slots: e.Slots}
	defer func() {
		// A kernel bug must fail the task, not the process.
		if r := recover(); r != nil {
			err = fmt.Errorf("task panicked: %v", r)
		}
	}()
	return fn(ctx, x, t)
}
