package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sluice-ml/sluice/exec/gpu/cuda"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
)

// runner measures one (job, engine or peer) cell one run at a time, so
// that Run can interleave the cells' runs.
type runner struct {
	e    *Entry
	once func(ctx context.Context, i int) error // run i (from 0)
}

// sluiceRunner prepares the runs of job on a sluice engine, each run a
// `driver bench-child` process with c.Threads executors.
func (c *Config) sluiceRunner(job Job, eng string, in jobInput, work string) *runner {
	e := &Entry{Job: job.Name, Engine: "sluice-" + eng, InputBytes: in.bytes, Price: c.PriceCPU, Runs: []Measure{}, corePrice: c.PricePerCoreHour,
		Method: fmt.Sprintf("driver bench-child --local %d (one executor per thread)", c.Threads)}
	r := &runner{e: e}
	switch eng {
	case "gpu":
		e.Price, e.gpuPrice = c.PriceGPU, c.PricePerGPUHour
		if _, err := cuda.Detect(); err != nil {
			e.Status = "unavailable: " + err.Error()
			return r
		}
	case emulator.Name:
		// For checking the harness only: the emulated device's timings are
		// CPU threads running the kernels, never GPU timings.
		e.Method += "; emulated GPU: kernels on CPU threads, not GPU timings"
	}
	jobsDir := filepath.Join(c.Out, "jobs")
	file := filepath.Join(jobsDir, job.Name+".yaml")
	out := filepath.Join(work, "sluice")
	if err := os.MkdirAll(jobsDir, 0o755); err != nil {
		e.Status = "failed: " + err.Error()
		return r
	}
	if err := os.WriteFile(file, []byte(job.JobFile(in.path, out)), 0o644); err != nil {
		e.Status = "failed: " + err.Error()
		return r
	}
	stats := filepath.Join(work, "stats.json")
	r.once = func(ctx context.Context, i int) error {
		os.RemoveAll(out)
		defer os.RemoveAll(out)
		c.logf("%s: sluice-%s run %d/%d", job.Name, eng, i+1, c.Runs)
		m, _, err := runChild(ctx, c.Exe, []string{"bench-child", "--job", file, "--stats", stats, "--engine", eng,
			"--local", strconv.Itoa(c.Threads), "--work-dir", filepath.Join(work, "scratch")}, nil, "")
		if err != nil {
			return err
		}
		st, err := readChildStats(stats)
		if err != nil {
			return err
		}
		m.Stages = st.Stages
		if i == 0 {
			o, man, err := readSluiceOutcome(out, job.Grouped)
			if err != nil {
				return fmt.Errorf("reading the output: %w", err)
			}
			e.Outcome, e.InputRows = o, man.Rows.Read
		}
		e.Runs = append(e.Runs, m)
		return nil
	}
	return r
}

// peerRunner prepares the runs of job in a peer script, each run a node
// process; after the first, count.mjs counts the rows it wrote per split
// and group (outside the measured time).
func (c *Config) peerRunner(job Job, peer, node, why string, in jobInput, work string) *runner {
	e := &Entry{Job: job.Name, Engine: peer, InputBytes: in.bytes, Price: c.PriceCPU, Runs: []Measure{}, corePrice: c.PricePerCoreHour}
	r := &runner{e: e}
	if node == "" {
		e.Status = "unavailable: " + why
		return r
	}
	out := filepath.Join(work, peer)
	script := filepath.Join(c.PeersDir, peer+".mjs")
	arg, err := json.Marshal(map[string]any{"job": job.Name, "input": in.files, "out": out, "threads": c.Threads})
	if err != nil {
		e.Status = "failed: " + err.Error()
		return r
	}
	env := []string{fmt.Sprintf("POLARS_MAX_THREADS=%d", c.Threads), "SLUICE_PEERS_DIR=" + c.NodeModules}
	r.once = func(ctx context.Context, i int) error {
		os.RemoveAll(out)
		defer os.RemoveAll(out)
		c.logf("%s: %s run %d/%d", job.Name, peer, i+1, c.Runs)
		m, stdout, err := runChild(ctx, node, []string{script, string(arg)}, env, "")
		if err != nil {
			return err
		}
		p, err := parsePeer(stdout)
		if err != nil {
			return err
		}
		m.Phases = p.Phases
		if i == 0 {
			o := p.Outcome
			e.Version, e.Method = p.Version, p.Method
			if job.AggregatesOnly {
				o.Splits = map[string]int64{}
			} else {
				cnt, err := c.countPeer(ctx, node, out, job.Grouped, env)
				if err != nil {
					return fmt.Errorf("counting the rows written: %w", err)
				}
				o.Rows, o.Splits, o.Groups = cnt.Rows, cnt.Splits, cnt.Groups
			}
			e.Outcome = &o
		}
		e.Runs = append(e.Runs, m)
		return nil
	}
	return r
}

// countPeer runs count.mjs over a peer's output directory.
func (c *Config) countPeer(ctx context.Context, node, dir string, grouped bool, env []string) (peerCounts, error) {
	var cnt peerCounts
	arg, err := json.Marshal(map[string]any{"dir": dir, "grouped": grouped})
	if err != nil {
		return cnt, err
	}
	_, stdout, err := runChild(ctx, node, []string{filepath.Join(c.PeersDir, "count.mjs"), string(arg)}, env, "")
	if err != nil {
		return cnt, err
	}
	err = parseJSON(stdout, &cnt)
	if !grouped {
		cnt.Groups = nil
	}
	return cnt, err
}

// medianStages returns each stage's median wall and CPU over the runs
// (rows, bytes and tasks from the first run).
func medianStages(runs []Measure) []StageRow {
	if len(runs) == 0 {
		return nil
	}
	out := append([]StageRow(nil), runs[0].Stages...)
	for i := range out {
		var walls, cpus []float64
		for _, r := range runs {
			if i < len(r.Stages) {
				walls = append(walls, r.Stages[i].Wall)
				cpus = append(cpus, r.Stages[i].CPU)
			}
		}
		out[i].Wall, out[i].CPU = Median(walls), Median(cpus)
	}
	return out
}

// medianPhases returns each peer phase's median seconds over the runs.
func medianPhases(runs []Measure) map[string]float64 {
	var out map[string]float64
	for _, r := range runs {
		for name := range r.Phases {
			if out == nil {
				out = map[string]float64{}
			}
			var xs []float64
			for _, q := range runs {
				if v, ok := q.Phases[name]; ok {
					xs = append(xs, v)
				}
			}
			out[name] = Median(xs)
		}
	}
	return out
}

// finishJob fills the derived numbers of one job's entries: medians,
// throughput, ratios to the faster peer and cost.
func finishJob(entries []*Entry, job string, peers []*Entry) {
	var rows int64
	for _, e := range entries {
		if e.Job == job && e.Engine == "sluice-cpu" {
			rows = e.InputRows
		}
	}
	for _, e := range entries {
		if e.Job != job || e.Status != "ok" {
			continue
		}
		var walls, cpus, rss []float64
		for _, r := range e.Runs {
			walls, cpus, rss = append(walls, r.Wall), append(cpus, r.CPU), append(rss, float64(r.MaxRSS))
		}
		e.Wall, e.CPU, e.MaxRSS = Median(walls), Median(cpus), int64(Median(rss))
		e.Phases = medianPhases(e.Runs)
		if e.InputRows == 0 {
			e.InputRows = rows
		}
		e.RowsPerSec = PerSecond(float64(e.InputRows), e.Wall)
		e.BytesPerSec = PerSecond(float64(e.InputBytes), e.Wall)
		e.Cost = Cost(e.Wall, e.Price)
		e.ComputeCost = Cost(e.CPU, e.corePrice) + Cost(e.Wall, e.gpuPrice)
	}
	var fast *Entry
	for _, p := range peers {
		if p.Status == "ok" && (fast == nil || p.Wall < fast.Wall) {
			fast = p
		}
	}
	for _, e := range entries {
		if e.Job != job || e.Status != "ok" || fast == nil {
			continue
		}
		e.TimeVsPeer = Ratio(e.Wall, fast.Wall)
		e.CPUVsPeer = Ratio(e.CPU, fast.CPU)
		e.RSSVsPeer = Ratio(float64(e.MaxRSS), float64(fast.MaxRSS))
	}
}
