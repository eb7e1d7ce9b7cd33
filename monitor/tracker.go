package monitor

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/scheduler"
)

// keepJobs is how many finished jobs a Tracker remembers.
const keepJobs = 100

// Tracker follows jobs through the engine's Observer hooks. It is safe for
// concurrent use; the zero value is not: use NewTracker.
type Tracker struct {
	mode    string
	prices  runreport.Prices
	src     ExecutorSource
	metrics *Metrics
	now     func() time.Time

	mu    sync.Mutex
	jobs  map[string]*jobRec
	order []string // job ids, oldest first
	execs map[string]*execRec
	lost  map[string]bool // executors lost (embedded: seen lost by a task)
}

var _ runreport.Observer = (*Tracker)(nil)

// Config configures a Tracker.
type Config struct {
	// Mode is "embedded" or "cluster", as the UI shows it.
	Mode string
	// Prices price the jobs' CPU and GPU time (zero: no cost shown).
	Prices runreport.Prices
	// Executors, when set, lists a cluster's executors.
	Executors ExecutorSource
	// Metrics, when set, is updated as tasks and jobs end.
	Metrics *Metrics
}

// NewTracker makes a Tracker.
func NewTracker(cfg Config) *Tracker {
	return &Tracker{mode: cfg.Mode, prices: cfg.Prices, src: cfg.Executors, metrics: cfg.Metrics, now: time.Now,
		jobs: map[string]*jobRec{}, execs: map[string]*execRec{}, lost: map[string]bool{}}
}

type jobRec struct {
	start   runreport.JobStart
	state   string
	err     string
	end     time.Time
	res     *runreport.Result
	runs    []*runRec
	frac    map[int]float64 // plan stage id -> fraction of tasks done
	retries int
}

type runRec struct {
	v       StageView
	started time.Time
	ended   time.Time
	durs    []float64 // successful attempts' wall seconds
}

type execRec struct {
	info    scheduler.ExecutorInfo
	engine  string
	memory  int64
	memUse  func(string) (int64, int64, bool)
	running int
	done    int
	failed  int
	last    time.Time
}

// JobStarted implements runreport.Observer.
func (t *Tracker) JobStarted(s runreport.JobStart) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.jobs[s.JobID] = &jobRec{start: s, state: "running", frac: map[int]float64{}}
	t.order = append(t.order, s.JobID)
	for _, e := range s.Executors {
		x := t.exec(e.ID)
		x.info, x.engine, x.memory, x.memUse = e, enginesOf(s), s.Memory, s.MemoryUse
		x.last = s.Started
	}
	t.forgetOldLocked()
	t.metrics.jobStarted()
}

// forgetOldLocked drops the oldest finished jobs beyond keepJobs.
func (t *Tracker) forgetOldLocked() {
	for len(t.order) > keepJobs {
		drop := -1
		for i, id := range t.order {
			if t.jobs[id].state != "running" {
				drop = i
				break
			}
		}
		if drop < 0 {
			return
		}
		delete(t.jobs, t.order[drop])
		t.order = append(t.order[:drop], t.order[drop+1:]...)
	}
}

func (t *Tracker) exec(id string) *execRec {
	x := t.execs[id]
	if x == nil {
		x = &execRec{info: scheduler.ExecutorInfo{ID: id}}
		t.execs[id] = x
	}
	return x
}

// StageStarted implements runreport.Observer.
func (t *Tracker) StageStarted(s runreport.StageStart) {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[s.JobID]
	if j == nil {
		return
	}
	v := StageView{ID: s.ID, Kind: s.Kind, Label: s.Label, State: "running", Weight: runreport.StageWeight(s.Kind), Tasks: s.Tasks,
		Executors: map[string]int{}, Placement: placementOf(j.start, s.Kind)}
	j.runs = append(j.runs, &runRec{v: v, started: t.now()})
}

// placementOf lists a stage kind's operators by engine, in plan order:
// "cpu: Scan, Filter", and an operator placed for a reason on its own
// line with the reason.
func placementOf(s runreport.JobStart, kind string) []string {
	var out []string
	group := map[string]int{} // engine -> index in out
	for _, pl := range s.Placement {
		if pl.StageKind != kind {
			continue
		}
		if pl.Reason != "" {
			out = append(out, pl.Engine+": "+pl.Operator+" ("+pl.Reason+")")
			continue
		}
		if i, ok := group[pl.Engine]; ok {
			out[i] += ", " + pl.Operator
			continue
		}
		group[pl.Engine] = len(out)
		out = append(out, pl.Engine+": "+pl.Operator)
	}
	return out
}

// enginesOf lists the engines the plan placed operators on.
func enginesOf(s runreport.JobStart) string {
	var out []string
	for _, pl := range s.Placement {
		if !slices.Contains(out, pl.Engine) {
			out = append(out, pl.Engine)
		}
	}
	return strings.Join(out, ",")
}

// run finds the running stage run a task belongs to.
func (j *jobRec) run(stage int, label string) *runRec {
	for i := len(j.runs) - 1; i >= 0; i-- {
		if r := j.runs[i]; r.v.ID == stage && r.v.Label == label {
			return r
		}
	}
	return nil
}

// TaskStarted implements runreport.Observer.
func (t *Tracker) TaskStarted(s runreport.TaskStart) {
	t.mu.Lock()
	defer t.mu.Unlock()
	x := t.exec(s.Executor)
	x.running++
	if j := t.jobs[s.JobID]; j != nil {
		if s.Attempt > 0 {
			j.retries++
		}
		if r := j.run(s.Stage, s.Label); r != nil {
			r.v.Running++
		}
	}
	t.metrics.taskStarted(s)
}

// TaskEnded implements runreport.Observer.
func (t *Tracker) TaskEnded(e runreport.TaskEnd) {
	t.mu.Lock()
	defer t.mu.Unlock()
	x := t.exec(e.Executor)
	x.running--
	x.last = e.Start.Add(e.Wall)
	switch {
	case e.Err == nil:
		x.done++
	case e.Lost:
		if !t.lost[e.Executor] {
			t.lost[e.Executor] = true
			t.metrics.executorLost()
		}
	default:
		x.failed++
	}
	var kind string
	if j := t.jobs[e.JobID]; j != nil {
		if r := j.run(e.Stage, e.Label); r != nil {
			kind = r.v.Kind
			r.v.Running--
			if e.Err == nil {
				r.v.Done++
				r.v.Rows += e.Rows
				r.v.Bytes += e.Bytes
				r.v.Executors[e.Executor]++
				r.durs = append(r.durs, e.Wall.Seconds())
				if r.v.Tasks > 0 && !strings.HasSuffix(r.v.Label, "(recompute)") {
					j.frac[r.v.ID] = max(j.frac[r.v.ID], float64(r.v.Done)/float64(r.v.Tasks))
				}
			} else if !e.Lost {
				r.v.Failed++
			}
		}
	}
	t.metrics.taskEnded(e, kind)
}

// StageEnded implements runreport.Observer.
func (t *Tracker) StageEnded(jobID string, s runreport.StageStat) {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[jobID]
	if j == nil {
		return
	}
	r := j.run(s.ID, s.Kind)
	if r == nil {
		return
	}
	r.ended = t.now()
	r.v.State = "done"
	// The stage's own totals are the summary's: they replace the sums of
	// the task reports.
	r.v.Rows, r.v.Bytes = s.Rows, s.Bytes
	r.v.WallSeconds, r.v.CPUSeconds, r.v.GPUs = s.Wall.Seconds(), s.CPU.Seconds(), s.GPUs
	if s.Pass > 0 {
		j.frac[s.ID] = 1
	}
}

// JobEnded implements runreport.Observer.
func (t *Tracker) JobEnded(jobID string, res *runreport.Result, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[jobID]
	if j == nil {
		return
	}
	j.end, j.res = t.now(), res
	if err != nil {
		j.state, j.err = "failed", err.Error()
		for _, r := range j.runs {
			if r.v.State == "running" {
				r.v.State, r.ended = "failed", j.end
			}
		}
	} else {
		j.state = "succeeded"
	}
	t.metrics.jobEnded(j.state)
}

// Snapshot returns the state now.
func (t *Tracker) Snapshot() Snapshot {
	var src []ExecutorView
	if t.src != nil {
		src = t.src.Executors() // outside t.mu: the source has its own locks
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	s := Snapshot{Time: now, Mode: t.mode, Jobs: []JobView{}, Executors: []ExecutorView{}}
	for _, id := range t.order {
		s.Jobs = append(s.Jobs, t.jobView(t.jobs[id], now))
	}
	if t.src != nil {
		for _, v := range src {
			if x := t.execs[v.ID]; x != nil {
				v.Running, v.Done, v.Failed = x.running, x.done, x.failed
			}
			if v.State == "lost" {
				s.LostExecutors++
			}
			s.Executors = append(s.Executors, v)
		}
	} else {
		ids := make([]string, 0, len(t.execs))
		for id := range t.execs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			s.Executors = append(s.Executors, t.execView(t.execs[id], now))
		}
		s.LostExecutors = len(t.lost)
	}
	return s
}

// execView shows an in-process executor.
func (t *Tracker) execView(x *execRec, now time.Time) ExecutorView {
	// In-process executors live as long as the driver: their heartbeat
	// is now.
	v := ExecutorView{ID: x.info.ID, Addr: "in process", Engine: x.engine, Device: "cpu", Slots: x.info.Slots, Memory: x.memory,
		MemoryUsed: -1, Running: x.running, Done: x.done, Failed: x.failed, LastHeartbeat: now, State: "alive"}
	for _, e := range strings.Split(x.engine, ",") {
		if scheduler.IsGPUEngine(e) {
			v.Device = e
		}
	}
	if x.memUse != nil {
		if used, limit, ok := x.memUse(x.info.ID); ok {
			v.MemoryUsed, v.Memory = used, limit
		}
	}
	if t.lost[x.info.ID] {
		v.State = "lost"
	}
	return v
}

// jobView builds one job's view; t.mu is held.
func (t *Tracker) jobView(j *jobRec, now time.Time) JobView {
	v := JobView{ID: j.start.JobID, Name: j.start.Name, State: j.state, Error: j.err, Engine: j.start.Engine + " (" + enginesOf(j.start) + ")", Started: j.start.Started,
		Retries: j.retries, ETASeconds: -1, Stages: []StageView{}}
	end := now
	if j.state != "running" {
		end = j.end
	}
	wall := end.Sub(j.start.Started)
	v.WallSeconds = wall.Seconds()
	c := runreport.Completion(j.start.Stages, j.frac)
	if j.state == "succeeded" {
		c = 1
	}
	v.Percent = 100 * c
	if j.state == "running" {
		if left, ok := runreport.ETA(wall, c); ok {
			v.ETASeconds = left.Seconds()
		}
	}
	started := map[int]bool{}
	var cpu, gpu float64
	for _, r := range j.runs {
		sv := r.v
		sv.Executors = copyMap(sv.Executors)
		if sv.State == "running" {
			sv.WallSeconds = now.Sub(r.started).Seconds()
		}
		sv.TaskMin, sv.TaskMedian, sv.TaskMax = skew(r.durs)
		if sv.ID >= 0 && sv.Kind == "scan" && !strings.HasSuffix(sv.Label, "(recompute)") {
			v.Rows += sv.Rows
		}
		v.Bytes += sv.Bytes
		cpu += sv.CPUSeconds
		gpu += sv.WallSeconds * float64(sv.GPUs)
		if j.res != nil && j.res.Manifest != nil {
			sv.Fallbacks = fellBack(j.res.Manifest.Engine.FellBack, sv.Kind)
		}
		started[sv.ID] = true
		v.Stages = append(v.Stages, sv)
	}
	if j.state == "running" {
		for _, ps := range j.start.Stages {
			if !started[ps.ID] {
				v.Stages = append(v.Stages, StageView{ID: ps.ID, Kind: ps.Kind, Label: ps.Kind, State: "pending", Weight: ps.Weight,
					Tasks: ps.Tasks, Executors: map[string]int{}, Placement: placementOf(j.start, ps.Kind)})
			}
		}
	}
	v.CPUSeconds, v.GPUSeconds = cpu, gpu
	v.Cost = t.prices.Cost(time.Duration(cpu*float64(time.Second)), time.Duration(gpu*float64(time.Second)))
	if j.res != nil && j.res.Manifest != nil {
		v.Output = outputView(j.res)
	}
	return v
}

func copyMap(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// fellBack picks a stage kind's device fallbacks ("kind/Operator" keys).
func fellBack(all map[string]int64, kind string) map[string]int64 {
	var out map[string]int64
	for k, n := range all {
		if op, ok := strings.CutPrefix(k, kind+"/"); ok {
			if out == nil {
				out = map[string]int64{}
			}
			out[op] = n
		}
	}
	return out
}

// skew is the min, median and max of task times (zeros when none).
func skew(d []float64) (lo, med, hi float64) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	s := append([]float64(nil), d...)
	sort.Float64s(s)
	n := len(s)
	med = s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return s[0], med, s[n-1]
}

// outputView summarises a finished job's manifest.
func outputView(res *runreport.Result) *OutputView {
	m := res.Manifest
	o := &OutputView{Dir: res.OutputDir, RowsRead: m.Rows.Read, Filtered: m.Rows.Filtered, Dropped: m.Rows.Dropped, Written: m.Rows.Written,
		Splits: []SplitView{}, Transforms: []TransformView{}, Aggregates: []string{}, Warnings: append([]string{}, res.Warnings...)}
	for _, sp := range m.Splits {
		v := SplitView{Name: sp.Name, Ratio: sp.Ratio, Rows: sp.Rows, Shards: len(sp.Shards)}
		for _, sh := range sp.Shards {
			v.Bytes += sh.Bytes
		}
		o.Splits = append(o.Splits, v)
	}
	for _, tr := range m.Transforms {
		o.Transforms = append(o.Transforms, TransformView{Feature: tr.Feature, Transform: tr.Transform, Source: tr.Source, Params: shorten(tr.Params, 160)})
	}
	for _, a := range m.Aggregates {
		o.Aggregates = append(o.Aggregates, fmt.Sprintf("%s: %d rows (%s)", a.Name, a.Rows, a.Path))
	}
	return o
}

// shorten compacts JSON and cuts it to n bytes.
func shorten(raw json.RawMessage, n int) string {
	var v any
	s := string(raw)
	if json.Unmarshal(raw, &v) == nil {
		if b, err := json.Marshal(v); err == nil {
			s = string(b)
		}
	}
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// Job returns one job's view; ok is false when the Tracker does not know
// it.
func (t *Tracker) Job(id string) (JobView, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[id]
	if j == nil {
		return JobView{}, false
	}
	return t.jobView(j, t.now()), true
}

// Memory reports the in-process executors' Arrow bytes in use and budgets
// (a MemoryFunc for the embedded mode).
func (t *Tracker) Memory() map[string][2]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string][2]int64{}
	for id, x := range t.execs {
		if x.memUse != nil {
			if used, limit, ok := x.memUse(id); ok {
				out[id] = [2]int64{used, limit}
			}
		}
	}
	return out
}
