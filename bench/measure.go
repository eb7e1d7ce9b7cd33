package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// runSluice runs job c.Runs times on a sluice engine, each run a
// `driver bench-child` process.
func (c *Config) runSluice(ctx context.Context, job Job, eng string, in jobInput, work string) *Entry {
	e := &Entry{Job: job.Name, Engine: "sluice-" + eng, InputBytes: in.bytes, Price: c.PriceCPU, Runs: []Measure{}}
	if eng == "gpu" {
		e.Price = c.PriceGPU
		e.Status = DetectGPU()
		return e
	}
	jobsDir := filepath.Join(c.Out, "jobs")
	if err := os.MkdirAll(jobsDir, 0o755); err != nil {
		e.Status = "failed: " + err.Error()
		return e
	}
	out := filepath.Join(work, "sluice")
	file := filepath.Join(jobsDir, job.Name+".yaml")
	if err := os.WriteFile(file, []byte(job.JobFile(in.path, out)), 0o644); err != nil {
		e.Status = "failed: " + err.Error()
		return e
	}
	stats := filepath.Join(work, "stats.json")
	for i := 0; i < c.Runs; i++ {
		os.RemoveAll(out)
		c.logf("%s: sluice-%s run %d/%d", job.Name, eng, i+1, c.Runs)
		m, _, err := runChild(ctx, c.Exe, []string{"bench-child", "--job", file, "--stats", stats, "--engine", eng,
			"--work-dir", filepath.Join(work, "scratch")}, nil, "")
		if err == nil {
			var st ChildStats
			if st, err = readChildStats(stats); err == nil {
				m.Stages = st.Stages
			}
		}
		if err == nil && i == 0 {
			var o *Outcome
			o, man, rerr := readSluiceOutcome(out, job.Grouped)
			if rerr != nil {
				err = fmt.Errorf("reading the output: %w", rerr)
			} else {
				e.Outcome = o
				e.InputRows = man.Rows.Read
			}
		}
		os.RemoveAll(out)
		if err != nil {
			e.Status = "failed: " + err.Error()
			return e
		}
		e.Runs = append(e.Runs, m)
	}
	e.Status = "ok"
	e.Stages = medianStages(e.Runs)
	return e
}

// runPeer runs job c.Runs times in a peer script, each run a node process.
func (c *Config) runPeer(ctx context.Context, job Job, peer, node, why string, in jobInput, work string) *Entry {
	e := &Entry{Job: job.Name, Engine: peer, InputBytes: in.bytes, Price: c.PriceCPU, Runs: []Measure{}}
	if node == "" {
		e.Status = "unavailable: " + why
		return e
	}
	out := filepath.Join(work, peer)
	script := filepath.Join(c.PeersDir, peer+".mjs")
	arg, err := json.Marshal(map[string]any{"job": job.Name, "input": in.files, "out": out, "threads": c.Threads})
	if err != nil {
		e.Status = "failed: " + err.Error()
		return e
	}
	env := []string{fmt.Sprintf("POLARS_MAX_THREADS=%d", c.Threads), "SLUICE_PEERS_DIR=" + c.NodeModules}
	for i := 0; i < c.Runs; i++ {
		os.RemoveAll(out)
		c.logf("%s: %s run %d/%d", job.Name, peer, i+1, c.Runs)
		m, stdout, err := runChild(ctx, node, []string{script, string(arg)}, env, "")
		os.RemoveAll(out)
		if err == nil && i == 0 {
			var p peerOutput
			if p, err = parsePeer(stdout); err == nil {
				o := p.Outcome
				e.Outcome, e.Version = &o, p.Version
			}
		}
		if err != nil {
			e.Status = "failed: " + err.Error()
			return e
		}
		e.Runs = append(e.Runs, m)
	}
	e.Status = "ok"
	return e
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
		if e.InputRows == 0 {
			e.InputRows = rows
		}
		e.RowsPerSec = PerSecond(float64(e.InputRows), e.Wall)
		e.BytesPerSec = PerSecond(float64(e.InputBytes), e.Wall)
		e.Cost = Cost(e.Wall, e.Price)
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
		e.RSSVsPeer = Ratio(float64(e.MaxRSS), float64(fast.MaxRSS))
	}
}
