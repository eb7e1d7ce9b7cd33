package task

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/sluice-ml/sluice/exec/kernel"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/task/fragment"
	"github.com/sluice-ml/sluice/task/workdir"
	"github.com/sluice-ml/sluice/vocab"
)

// Worker is the executor side of the task protocol: it runs stage
// fragments, keeping each job's bound environment (schemas, bound
// expressions, device kernels), built once per job on this executor from
// the first fragment's bound job. It never sees the job file.
type Worker struct {
	exec *Executor
	mu   sync.Mutex
	envs map[string]*envEntry
}

type envEntry struct {
	once sync.Once
	env  *Env
	err  error
}

// NewWorker makes the task runner of an executor.
func NewWorker(e *Executor) *Worker { return &Worker{exec: e, envs: map[string]*envEntry{}} }

// env returns the job's environment, binding it on first use.
func (w *Worker) env(f *pb.StageFragment) (*Env, error) {
	w.mu.Lock()
	ent, ok := w.envs[f.GetJobId()]
	if !ok {
		ent = &envEntry{}
		w.envs[f.GetJobId()] = ent
	}
	w.mu.Unlock()
	ent.once.Do(func() {
		if f.GetJob() == nil {
			ent.err = fmt.Errorf("fragment of job %s has no bound job", f.GetJobId())
			return
		}
		choice := f.GetJob().GetEngine()
		if e := w.exec.Engine; e != "" && e != "auto" {
			choice = e
		}
		engines, err := w.exec.engines(choice)
		if err != nil {
			ent.err = err
			return
		}
		ent.env, ent.err = NewEnv(f.GetJob(), engines)
	})
	return ent.env, ent.err
}

// RunEncoded runs one encoded stage fragment and returns the encoded
// result.
func (w *Worker) RunEncoded(ctx context.Context, data []byte) ([]byte, error) {
	var f pb.StageFragment
	if err := proto.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decoding task: %w", err)
	}
	return w.RunFragment(ctx, &f)
}

// RunFragment runs one stage fragment and returns the encoded result.
func (w *Worker) RunFragment(ctx context.Context, f *pb.StageFragment) ([]byte, error) {
	res, err := w.Run(ctx, f)
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

// Run runs one task.
func (w *Worker) Run(ctx context.Context, f *pb.StageFragment) (res any, err error) {
	if err := checkFragment(f); err != nil {
		return nil, err
	}
	dir, err := workdir.Under(w.exec.WorkDir, f.GetJobId())
	if err != nil {
		return nil, err
	}
	env, err := w.env(f)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	x := &TaskContext{Executor: w.exec.ID, WorkDir: dir, Mem: w.exec.mem, Budget: w.exec.Budget, Files: w.exec.Files, Slots: w.exec.Slots, Fallbacks: &kernel.Counts{},
		PlanStage: stageOf(f)}
	t := Task{Stage: int(f.GetStageRun()), Index: int(f.GetIndex()), Attempt: int(f.GetAttempt())}
	defer func() {
		// A kernel bug must fail the task, not the process.
		if r := recover(); r != nil {
			err = fmt.Errorf("task panicked: %v", r)
		}
	}()
	b := fragment.DecodeBroadcast(f.GetBroadcast())
	switch f.GetKind() {
	case vocab.StageScan:
		res, err = env.scanTask(ctx, x, t, f.GetInput())
	case vocab.StageAggregate:
		res, err = env.aggregateTask(ctx, x, t, b)
	case vocab.StageSplitBoundaries:
		res, err = env.windowTask(ctx, x, t, b)
	case vocab.StageFit:
		if b.ShardWin {
			// A repeated pass of the fit stage's shard-window collection.
			res, err = env.shardWindowTask(ctx, x, t, b)
		} else {
			res, err = env.fitTask(ctx, x, t, b)
		}
	case vocab.StageShardWrite:
		res, err = env.shardTask(ctx, x, t, b)
	case vocab.StageExpect:
		res, err = env.uniqueTask(ctx, x, t, b)
	default:
		return nil, fmt.Errorf("unknown stage kind %q", f.GetKind())
	}
	if f, ok := res.(interface {
		setReport([]string, *kernel.Counts)
	}); ok && err == nil {
		f.setReport(x.Ops, x.Fallbacks)
	}
	return res, err
}

// Forget drops a job's environment and deletes its scratch files on this
// executor.
func (w *Worker) Forget(jobID string) error {
	if err := workdir.CheckJobID(jobID); err != nil {
		return err
	}
	dir, err := workdir.Under(w.exec.WorkDir, jobID)
	if err != nil {
		return err
	}
	w.mu.Lock()
	delete(w.envs, jobID)
	w.mu.Unlock()
	return os.RemoveAll(dir)
}
