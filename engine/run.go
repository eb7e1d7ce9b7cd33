package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sluice-ml/sluice/engine/barrier"
	"github.com/sluice-ml/sluice/engine/bind"
	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/engine/stagereuse"
	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/placement"
	"github.com/sluice-ml/sluice/internal/cputime"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/scheduler"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/exchange"
	"github.com/sluice-ml/sluice/task/workdir"
)

// run is the driver's state for one job.
type run struct {
	*task.Env
	p        *bind.Prepared
	bound    *pb.BoundJob // the job as every fragment carries it
	opt      Options
	jobID    string
	sched    *scheduler.Scheduler
	prog     *runreport.Progress
	local    *scheduler.LocalTransport
	files    exchange.Files // how the driver reads task outputs (aggregate tables)
	stats    []runreport.StageStat
	runs     int // stage runs started, failed ones included: the next run's wire number
	warnings []string
	// batches device kernels gave back to the CPU, per "stage-kind/Operator"
	fellBack map[string]int64
	noted    map[string]bool    // fallback messages already shown
	cpu      scheduler.CPUMeter // executors' CPU (cluster), nil in process
	cur      *planner.Stage     // the plan stage running
	passes   map[int]int        // plan stage id -> passes run
	cache    *stagereuse.Run    // the stage cache, nil without one
	fps      []string           // the input files' content fingerprints
	work     string             // the job's work directory (caches, spilled runs)
}

// warn records a warning for the result and shows it on the progress
// writer.
func (r *run) warn(msg string) {
	r.warnings = append(r.warnings, msg)
	if r.opt.Progress != nil {
		fmt.Fprintf(r.opt.Progress, "warning: %s\n", msg)
	}
}

// Engines returns the engines for an --engine choice, in preference order
// (placement.Engines).
func Engines(choice string) ([]exec.Engine, error) {
	if testEngines != nil {
		return testEngines(choice)
	}
	return placement.Engines(choice)
}

// testEngines, when set (by tests), replaces placement.Engines: a device
// with a small memory, say.
var testEngines func(choice string) ([]exec.Engine, error)

// Explain plans the job and returns the EXPLAIN text.
func Explain(job *jobspec.Job, opt Options) (string, error) {
	engines, err := Engines(firstNonEmpty(opt.Engine, job.Engine.Prefer))
	if err != nil {
		return "", err
	}
	p, err := bind.Prepare(job, engines)
	if err != nil {
		return "", err
	}
	if opt.Cache != nil {
		opt.defaults()
		note, err := explainCache(p, opt)
		return p.Plan.Explain() + note, err
	}
	return p.Plan.Explain(), nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Run executes the job embedded: an in-process driver and opt.Local
// executors running the same stages and tasks as a cluster.
func Run(ctx context.Context, job *jobspec.Job, opt Options) (res *runreport.Result, err error) {
	start := time.Now()
	opt.defaults()
	engines, err := Engines(firstNonEmpty(opt.Engine, job.Engine.Prefer))
	if err != nil {
		return nil, err
	}
	p, err := bind.Prepare(job, engines)
	if err != nil {
		return nil, err
	}
	root := opt.WorkDir
	if root == "" {
		root = os.TempDir()
	}
	cleanDebris(job.Output.Path, root, opt.Progress)
	txn, err := sink.Begin(job.Output.Path, job.Output.Overwrite)
	if err != nil {
		return nil, jobspec.Errorf(job.File, job.Output.Line, "output.path", "%s", strings.TrimPrefix(err.Error(), "output.path: "))
	}
	committed := false
	outHold := &workdir.Hold{}
	if !txn.Remote() { // an object-store output has no directory to hold
		if outHold, err = workdir.HoldDir(txn.Dir()); err != nil {
			txn.Abort()
			return nil, err
		}
	}
	defer func() {
		outHold.Release()
		if !committed {
			txn.Abort()
		}
	}()
	var rnd [6]byte
	rand.Read(rnd[:])
	jobID := safeName(job.Name) + "-" + hex.EncodeToString(rnd[:])
	work := filepath.Join(root, "sluice-"+jobID)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, fmt.Errorf("--work-dir: %w", err)
	}
	workHold, err := workdir.HoldDir(work)
	if err != nil {
		return nil, err
	}
	if !opt.KeepWorkDir {
		defer os.RemoveAll(work)
	}
	defer workHold.Release()
	choice := firstNonEmpty(opt.Engine, job.Engine.Prefer)
	bound, err := bind.Job(p, choice, opt.BatchRows)
	if err != nil {
		return nil, err
	}
	// The driver derives its schemas from the bound job as every executor
	// does.
	env, err := task.NewEnv(bound, engines)
	if err != nil {
		return nil, err
	}
	r := &run{Env: env, p: p, bound: bound, opt: opt, jobID: jobID, work: work, prog: runreport.NewProgress(opt.Progress, opt.Terminal, runreport.PlanStages(p.Plan))}
	var tr scheduler.Transport
	if opt.Transport != nil {
		tr, r.files = opt.Transport, opt.Files
		if r.files == nil {
			r.files = exchange.LocalFiles{}
		}
		if opt.Forget != nil {
			defer opt.Forget(jobID)
		}
	} else {
		lt, err := scheduler.NewLocal(opt.Local, opt.Slots, opt.MemoryPerExec, work)
		if err != nil {
			return nil, err
		}
		lt.SetEngines(Engines)
		defer lt.Forget(jobID)
		tr, r.local, r.files = lt, lt, exchange.LocalFiles{}
	}
	if opt.wrap != nil {
		tr = opt.wrap(tr)
	}
	r.planNotes()
	r.cpu, _ = tr.(scheduler.CPUMeter)
	if obs := opt.Observer; obs != nil {
		js := runreport.JobStart{JobID: jobID, Name: job.Name, Engine: choice, Started: start, Stages: runreport.PlanStages(p.Plan),
			Placement: p.Plan.Placement, Executors: tr.Executors()}
		if r.local != nil {
			js.Memory, js.MemoryUse = opt.MemoryPerExec, r.local.MemoryUse
		}
		obs.JobStarted(js)
		defer func() { obs.JobEnded(jobID, res, err) }()
		tr = runreport.Observed{Transport: tr, JobID: jobID, Observer: obs}
	}
	r.sched = &scheduler.Scheduler{T: tr, MaxAttempts: opt.MaxAttempts, Progress: r.prog.TaskDone, NoExecutorWait: opt.NoExecutorWait}
	var stamps []string
	if r.fps, stamps, err = inputFingerprints(ctx, p.DS); err != nil {
		return nil, err
	}
	if opt.Cache != nil && opt.Transport == nil && !txn.Remote() {
		keys, err := stagereuse.Keys(p.Job, p.DS, p.Plan, bound, stamps)
		if err != nil {
			return nil, err
		}
		r.cache = stagereuse.Open(opt.Cache, p.Plan, keys, work, r.warn)
		defer r.cache.Close()
	}
	m, err := r.execute(ctx, txn)
	if err != nil {
		return nil, err
	}
	m.Run = r.runInfo(start)
	outHold.Release() // the marker must not reach the output
	if err := txn.Commit(m); err != nil {
		return nil, err
	}
	committed = true
	r.recordRun(m)
	cleanDebris(job.Output.Path, root, opt.Progress)
	res = &runreport.Result{JobID: jobID, OutputDir: job.Output.Path, Manifest: m, Stages: r.stats, Wall: time.Since(start), Warnings: r.warnings, Prices: opt.Prices}
	if r.local != nil {
		res.PeakMemory = r.local.PeakMemory()
	}
	return res, nil
}

// stage runs one stage on the executors and records its statistics.
func (r *run) stage(ctx context.Context, kind string, tasks int, b *task.Broadcast) ([]any, error) {
	return r.stageOnly(ctx, kind, tasks, b, nil)
}

// stageOnly runs the given tasks of a stage (all when only is nil).
func (r *run) stageOnly(ctx context.Context, kind string, tasks int, b *task.Broadcast, only []int) ([]any, error) {
	// seq numbers the stage runs of the job, a failed one included: tasks
	// on the wire are unique by it, while progress, status and the summary
	// show the plan's id.
	r.runs++
	seq := r.runs
	pst, label, pass, err := r.planStage(kind, only)
	if err != nil {
		return nil, err
	}
	id := pst.ID
	gpu := r.p.GPUStages[kind]
	if b != nil && b.ShardWin {
		gpu = r.p.GPUStages[planner.StageSplitBoundaries] // window collection alone
	}
	st := scheduler.StageRun{ID: id, Kind: label, Tasks: tasks, Only: only, Prefer: preferCache(kind, b), GPU: gpu, Spec: func(t scheduler.Task) *pb.StageFragment {
		return bind.Fragment(r.p, r.bound, r.jobID, seq, pst, kind, t, b)
	}}
	t0, c0 := time.Now(), cputime.Process()
	// In process the executors' resident memory and scratch files are the
	// driver's: each stage reports its own peaks.
	var scratch *scratchMeter
	rss := false
	if r.local != nil {
		rss = task.ResetPeakRSS()
		scratch = startScratch(r.work)
	}
	r.prog.StartStage(st)
	if r.opt.Observer != nil {
		r.opt.Observer.StageStarted(runreport.StageStart{JobID: r.jobID, ID: id, Kind: kind, Label: label, Tasks: runTasks(tasks, only), GPU: gpu})
	}
	res, err := r.sched.RunStage(ctx, st)
	var scratchPeak int64
	if scratch != nil {
		scratchPeak = scratch.Stop()
	}
	if err != nil {
		return nil, err
	}
	// The driver's CPU, and in a cluster the executors' as they report it.
	cpu := cputime.Process() - c0
	if r.cpu != nil {
		cpu += r.cpu.StageCPU(r.jobID, seq)
	}
	ss := runreport.StageStat{ID: id, Kind: label, Pass: pass, Tasks: tasks, Wall: time.Since(t0), CPU: cpu, GPUs: r.stageGPUs(kind, gpu), Scratch: scratchPeak}
	if rss {
		ss.PeakRSS = task.PeakRSS()
	}
	if only != nil {
		ss.Tasks = len(only)
	}
	first := true
	for i, x := range res {
		if o, ok := x.(interface{ TaskOps() []string }); ok && x != nil {
			if first {
				ss.Operators, first = o.TaskOps(), false
			} else if !slices.Equal(o.TaskOps(), ss.Operators) {
				return nil, fmt.Errorf("internal: stage %d (%s): task %d ran %v, another ran %v", id, label, i, o.TaskOps(), ss.Operators)
			}
		}
		// A recomputed task's batches were counted when it first ran.
		if f, ok := x.(interface{ TaskFallbacks() map[string]int64 }); ok && only == nil && len(f.TaskFallbacks()) > 0 {
			if r.fellBack == nil {
				r.fellBack = map[string]int64{}
			}
			barrier.AddCounts(r.fellBack, f.TaskFallbacks())
		}
		if f, ok := x.(interface {
			TaskFallbackNotes() (map[string]string, string)
		}); ok && x != nil {
			r.fallbackNotes(f.TaskFallbackNotes())
		}
		if c, ok := x.(interface{ Counts() (int64, int64) }); ok {
			rows, bytes := c.Counts()
			ss.Rows += rows
			ss.Bytes += bytes
		}
	}
	r.stats = append(r.stats, ss)
	r.prog.EndStage(ss)
	if r.opt.Observer != nil {
		r.opt.Observer.StageEnded(r.jobID, ss)
	}
	return res, nil
}

// planStage names a run of tasks of a kind: the plan stage it belongs to
// (the one running, or for a lineage recompute the scan), the label shown
// for it and its pass number.
func (r *run) planStage(kind string, only []int) (pst *planner.Stage, label string, pass int, err error) {
	st := r.cur
	if only != nil {
		st = r.p.Plan.Stage(kind)
	}
	if st == nil || st.Kind != kind {
		return nil, "", 0, fmt.Errorf("internal: %s tasks outside a plan stage of that kind (running %v)", kind, st)
	}
	if only != nil {
		return st, kind + " (recompute)", 0, nil
	}
	if r.passes == nil {
		r.passes = map[int]int{}
	}
	r.passes[st.ID]++
	pass = r.passes[st.ID]
	label = kind
	if pass > 1 {
		label = fmt.Sprintf("%s (pass %d)", kind, pass)
	}
	return st, label, pass, nil
}

// stageGPUs is how many GPUs a stage of the kind held: in process, one
// when the plan puts any of its operators on a GPU engine; in a cluster,
// the executors with a GPU engine when the stage is steered to them.
func (r *run) stageGPUs(kind string, gpuStage bool) int {
	if r.local != nil {
		for _, pl := range r.p.Plan.Placement {
			if pl.StageKind == kind && scheduler.IsGPUEngine(pl.Engine) {
				return 1
			}
		}
		return 0
	}
	if !gpuStage {
		return 0
	}
	n := 0
	for _, e := range r.sched.T.Executors() {
		if e.GPU {
			n++
		}
	}
	return n
}

// runTasks is how many tasks a stage run launches.
func runTasks(tasks int, only []int) int {
	if only != nil {
		return len(only)
	}
	return tasks
}

// safeName keeps letters, digits, '-' and '_' of a job name for file names.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}

// preferCache makes the stages that read one scan task's cache prefer the
// executor that wrote it.
func preferCache(kind string, b *task.Broadcast) func(scheduler.Task) string {
	switch kind {
	case planner.StageSplitBoundaries, planner.StageFit:
		if b != nil && len(b.Caches) > 0 {
			return func(t scheduler.Task) string { return b.Caches[t.Index].Executor }
		}
	}
	return nil
}

// planNotes shows, under engine.fallback: warn, each operator the plan put
// on the CPU though a device engine was preferred, once.
func (r *run) planNotes() {
	if r.p.Plan.Fallback != planner.FallbackWarn {
		return
	}
	for _, f := range r.p.Plan.Fallbacks {
		r.note("fallback: " + f)
	}
}

// fallbackNotes shows a task's run-time fallbacks: a lost device (a
// sticky GPU error) whatever the policy, and under engine.fallback: warn
// the first fallback of each operator. Each message is shown once a job.
func (r *run) fallbackNotes(why map[string]string, lost string) {
	if r.noted == nil {
		r.noted = map[string]bool{}
	}
	if lost != "" && !r.noted["lost"] {
		r.noted["lost"] = true
		r.note("the GPU hit a sticky error; the rest of the job runs on the CPU engine (counted in the manifest's engine.fell_back): " + lost)
	}
	if r.p.Plan.Fallback != planner.FallbackWarn {
		return
	}
	ops := make([]string, 0, len(why))
	for op := range why {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	for _, op := range ops {
		if !r.noted["op:"+op] {
			r.noted["op:"+op] = true
			r.note(fmt.Sprintf("fallback: %s ran batches on the CPU engine: %s", op, why[op]))
		}
	}
}

// note warns with msg unless it was shown already.
func (r *run) note(msg string) {
	if r.noted == nil {
		r.noted = map[string]bool{}
	}
	if r.noted[msg] {
		return
	}
	r.noted[msg] = true
	r.warn(msg)
}

// BindTask binds a job on this node and returns task index of its first
// plan stage of a kind, with an empty broadcast: what a driver would send
// for it. For tools and tests that talk to an executor directly.
func BindTask(job *jobspec.Job, opt Options, jobID, kind string, index int) (*pb.StageFragment, error) {
	opt.defaults()
	choice := firstNonEmpty(opt.Engine, job.Engine.Prefer)
	engines, err := Engines(choice)
	if err != nil {
		return nil, err
	}
	p, err := bind.Prepare(job, engines)
	if err != nil {
		return nil, err
	}
	bound, err := bind.Job(p, choice, opt.BatchRows)
	if err != nil {
		return nil, err
	}
	st := p.Plan.Stage(kind)
	if st == nil {
		return nil, fmt.Errorf("the plan has no %s stage", kind)
	}
	return bind.Fragment(p, bound, jobID, 1, st, kind, scheduler.Task{Index: index}, nil), nil
}
