package scheduler

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/placement"
	"github.com/sluice-ml/sluice/task"
	"google.golang.org/protobuf/proto"
)

// LocalTransport is the in-process transport of the embedded mode: the same
// scheduler and task protocol as a cluster, with executors in this process.
type LocalTransport struct {
	execs   map[string]*task.Executor
	workers map[string]*task.Worker
	order   []ExecutorInfo
}

// NewLocal makes n in-process executors with the given slots and per-executor
// memory budget, working under dir.
func NewLocal(n, slots int, memPerExecutor int64, dir string) (*LocalTransport, error) {
	if n < 1 {
		return nil, fmt.Errorf("--local must be >= 1 (got %d)", n)
	}
	lt := &LocalTransport{execs: map[string]*task.Executor{}, workers: map[string]*task.Worker{}}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("local-%d", i)
		e, err := task.NewExecutor(id, slots, filepath.Join(dir, id), memPerExecutor)
		if err != nil {
			return nil, err
		}
		lt.execs[id] = e
		lt.workers[id] = task.NewWorker(e)
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
		return e.RunFunc(ctx, st.Run, t)
	}
	// The same encoded task and result as over the network.
	f := st.Spec(t)
	data, err := proto.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encoding task: %w", err)
	}
	out, err := l.workers[id].RunEncoded(ctx, data)
	if err != nil {
		return nil, err
	}
	return task.DecodeResult(f.GetKind(), out)
}

// Executor is the in-process executor with an ID (nil when none).
func (l *LocalTransport) Executor(id string) *task.Executor { return l.execs[id] }

// SetEngines makes every executor open its engines with fn (tests give a
// device a small memory, say).
func (l *LocalTransport) SetEngines(fn func(choice string) ([]exec.Engine, error)) {
	for _, e := range l.execs {
		e.Engines = fn
	}
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

// MemoryUse reports an executor's Arrow bytes in use and its budget.
func (l *LocalTransport) MemoryUse(id string) (used, limit int64, ok bool) {
	e, ok := l.execs[id]
	if !ok {
		return 0, 0, false
	}
	return e.Budget.Used(), e.Budget.Limit(), true
}
