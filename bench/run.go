package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/sluice-ml/sluice/exec/gpu/cuda"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
	"github.com/sluice-ml/sluice/input/citibike"
)

// Config is one `driver bench` invocation.
type Config struct {
	Exe         string   // the driver binary (re-executed as `bench-child`)
	Rows        int64    // generated citibike rows
	Seed        uint64   // generator seed
	Engines     []string // sluice engines: cpu, gpu
	Peers       []string // duckdb, polars (none: empty)
	Jobs        []Job
	Runs        int
	Out         string // report directory
	DataDir     string // where generated data is kept, keyed by rows and seed
	FlightsPath string // data/flights-3m.parquet
	FetchScript string // scripts/fetch-flights.sh, run when FlightsPath is missing
	PeersDir    string // bench/peers (the scripts)
	NodeModules string // tools/peers (their node_modules)
	Threads     int    // threads of each peer, and sluice's executors (--local)
	PriceCPU    float64
	PriceGPU    float64
	// PricePerCoreHour and PricePerGPUHour price compute itself: an
	// engine's CPU time, and a GPU engine's wall time on its GPU.
	PricePerCoreHour float64
	PricePerGPUHour  float64
	Log              io.Writer
}

// Entry is one (job, engine or peer) cell of the report.
type Entry struct {
	Job         string    `json:"job"`
	Engine      string    `json:"engine"` // sluice-cpu, sluice-gpu, duckdb, polars
	Version     string    `json:"version,omitempty"`
	Method      string    `json:"method,omitempty"` // how the engine runs the job
	Status      string    `json:"status"`           // ok, or why there is no number
	Runs        []Measure `json:"runs"`
	Wall        float64   `json:"wall_s"` // medians over runs
	CPU         float64   `json:"cpu_s"`
	MaxRSS      int64     `json:"max_rss"`
	InputRows   int64     `json:"input_rows"`
	InputBytes  int64     `json:"input_bytes"`
	RowsPerSec  float64   `json:"rows_per_s"`
	BytesPerSec float64   `json:"bytes_per_s"`
	TimeVsPeer  float64   `json:"time_vs_faster_peer"` // wall / the faster peer's wall
	CPUVsPeer   float64   `json:"cpu_vs_faster_peer"`  // CPU / that peer's CPU
	RSSVsPeer   float64   `json:"rss_vs_faster_peer"`  // RSS / that peer's RSS
	Price       float64   `json:"price_per_hour"`
	Cost        float64   `json:"cost_usd"`
	// ComputeCost is CPU hours at the core-hour price plus, for a GPU
	// engine, wall hours at the GPU-hour price.
	ComputeCost float64 `json:"compute_cost_usd"`
	// corePrice and gpuPrice price ComputeCost (gpuPrice only for a GPU
	// engine, whose GPU is held for the run's wall time).
	corePrice, gpuPrice float64
	Stages              []StageRow         `json:"stages,omitempty"` // sluice: per-stage medians
	Phases              map[string]float64 `json:"phases,omitempty"` // peers: per-phase medians (their own timing)
	Outcome             *Outcome           `json:"outcome,omitempty"`
	Agreement           *Agreement         `json:"agreement,omitempty"` // peers: against sluice-cpu
}

// Agreement is one peer's check against sluice.
type Agreement struct {
	OK       bool     `json:"ok"`
	Problems []string `json:"problems,omitempty"`
}

// Report is everything one `driver bench` measured.
type Report struct {
	Started  time.Time `json:"started"`
	Host     string    `json:"host"`
	CPUs     int       `json:"cpus"`
	GPU      string    `json:"gpu"`
	Rows     int64     `json:"rows"`
	Seed     uint64    `json:"seed"`
	Runs     int       `json:"runs"`
	Threads  int       `json:"peer_threads"`
	PriceCPU float64   `json:"price_cpu_per_hour"`
	PriceGPU float64   `json:"price_gpu_per_hour"`
	// PricePerCoreHour and PricePerGPUHour price ComputeCost.
	PricePerCoreHour float64  `json:"price_per_core_hour"`
	PricePerGPUHour  float64  `json:"price_per_gpu_hour"`
	Entries          []*Entry `json:"entries"`
	// Disagreements lists every failed agreement check; empty means every
	// peer agreed with sluice.
	Disagreements []string `json:"disagreements"`
}

// OK reports whether every run succeeded and every peer agreed with sluice.
func (r *Report) OK() bool {
	if len(r.Disagreements) > 0 {
		return false
	}
	for _, e := range r.Entries {
		if strings.HasPrefix(e.Status, "failed") {
			return false
		}
	}
	return true
}

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "bench: "+format+"\n", args...)
	}
}

// Run runs the benchmark and writes report.md, report.json and chart.png
// into c.Out. It returns an error only when the benchmark could not run at
// all; failed runs and disagreements are in the report (see Report.OK).
func Run(ctx context.Context, c Config) (*Report, error) {
	if c.Runs <= 0 || c.Rows <= 0 || c.Threads <= 0 {
		return nil, fmt.Errorf("bench: runs, rows and threads must be > 0 (got %d, %d, %d)", c.Runs, c.Rows, c.Threads)
	}
	for _, e := range c.Engines {
		if e != "cpu" && e != "gpu" && e != emulator.Name {
			return nil, fmt.Errorf("--engines: %q is not an engine (allowed: cpu, gpu, %s)", e, emulator.Name)
		}
	}
	for _, p := range c.Peers {
		if p != "duckdb" && p != "polars" {
			return nil, fmt.Errorf("--peers: %q is not a peer (allowed: duckdb, polars, none)", p)
		}
	}
	for _, p := range []*string{&c.Out, &c.DataDir, &c.FlightsPath, &c.PeersDir, &c.NodeModules, &c.FetchScript} {
		if *p != "" {
			abs, err := filepath.Abs(*p)
			if err != nil {
				return nil, err
			}
			*p = abs
		}
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	rep := &Report{Started: time.Now().UTC(), Host: host, CPUs: runtime.NumCPU(), GPU: DetectGPU(), Rows: c.Rows, Seed: c.Seed,
		Runs: c.Runs, Threads: c.Threads, PriceCPU: c.PriceCPU, PriceGPU: c.PriceGPU,
		PricePerCoreHour: c.PricePerCoreHour, PricePerGPUHour: c.PricePerGPUHour, Disagreements: []string{}}
	node, nodeWhy := findNode(c)
	for _, job := range c.Jobs {
		in, err := c.inputFor(job)
		if err != nil {
			return nil, err
		}
		work := filepath.Join(c.Out, "work", job.Name)
		if err := os.MkdirAll(work, 0o755); err != nil {
			return nil, err
		}
		var cells []*runner
		for _, eng := range c.Engines {
			cells = append(cells, c.sluiceRunner(job, eng, in, work))
		}
		for _, p := range c.Peers {
			cells = append(cells, c.peerRunner(job, p, node, nodeWhy, in, work))
		}
		// Interleaved: run i of every cell, then run i+1; the order rotates
		// by one cell each round, so no engine always runs first.
		for i := 0; i < c.Runs; i++ {
			for k := range cells {
				r := cells[(i+k)%len(cells)]
				if r.once == nil || r.e.Status != "" {
					continue
				}
				if err := r.once(ctx, i); err != nil {
					r.e.Status = "failed: " + err.Error()
				}
			}
		}
		var sluice *Entry
		var peers []*Entry
		for k, r := range cells {
			if r.e.Status == "" {
				r.e.Status = "ok"
				if k < len(c.Engines) {
					r.e.Stages = medianStages(r.e.Runs)
				}
			}
			rep.Entries = append(rep.Entries, r.e)
			if k < len(c.Engines) {
				if r.e.Engine == "sluice-cpu" && r.e.Status == "ok" {
					sluice = r.e
				}
			} else {
				peers = append(peers, r.e)
			}
		}
		for _, e := range peers {
			if e.Status != "ok" || e.Outcome == nil {
				continue
			}
			if sluice == nil {
				e.Agreement = &Agreement{OK: false, Problems: []string{"no sluice-cpu result to compare with"}}
			} else {
				probs := Compare(sluice.Outcome, e.Outcome, job, 1e-9, 20)
				e.Agreement = &Agreement{OK: len(probs) == 0, Problems: probs}
			}
			for _, pr := range e.Agreement.Problems {
				rep.Disagreements = append(rep.Disagreements, fmt.Sprintf("%s: %s vs sluice: %s", job.Name, e.Engine, pr))
			}
		}
		finishJob(rep.Entries, job.Name, peers)
		os.RemoveAll(work)
	}
	os.Remove(filepath.Join(c.Out, "work"))
	if err := WriteReport(c.Out, rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// jobInput is a job's input: the path sluice reads and the files the peers
// read, with their total size.
type jobInput struct {
	path  string
	files []string
	bytes int64
}

func (c *Config) inputFor(job Job) (jobInput, error) {
	var in jobInput
	switch job.Data {
	case "citibike":
		dir, err := c.citibike()
		if err != nil {
			return in, err
		}
		in.path = dir
	case "flights":
		if _, err := os.Stat(c.FlightsPath); err != nil && c.FetchScript != "" {
			c.logf("%s is missing: running %s", c.FlightsPath, c.FetchScript)
			cmd := exec.Command(c.FetchScript)
			cmd.Dir = filepath.Dir(filepath.Dir(c.FetchScript))
			if msg, err := cmd.CombinedOutput(); err != nil {
				return in, fmt.Errorf("%s: %v\n%s", c.FetchScript, err, msg)
			}
		}
		in.path = c.FlightsPath
	default:
		return in, fmt.Errorf("job %s: unknown data %q", job.Name, job.Data)
	}
	st, err := os.Stat(in.path)
	if err != nil {
		return in, err
	}
	if st.IsDir() {
		in.files, err = filepath.Glob(filepath.Join(in.path, "*.parquet"))
		if err != nil {
			return in, err
		}
		sort.Strings(in.files)
	} else {
		in.files = []string{in.path}
	}
	if len(in.files) == 0 {
		return in, fmt.Errorf("%s: no Parquet files", in.path)
	}
	for _, f := range in.files {
		st, err := os.Stat(f)
		if err != nil {
			return in, err
		}
		in.bytes += st.Size()
	}
	return in, nil
}

// citibike returns the generated data dir for c.Rows and c.Seed, writing it
// first when it is not there (about one file per million rows).
func (c *Config) citibike() (string, error) {
	dir := filepath.Join(c.DataDir, fmt.Sprintf("citibike-%d-s%d", c.Rows, c.Seed))
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir, nil
	}
	files := int(max(1, (c.Rows+999_999)/1_000_000))
	c.logf("generating %d citibike rows in %d files into %s", c.Rows, files, dir)
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	if err := citibike.Write(tmp, c.Rows, files, c.Seed); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	// Renamed only when complete, so a present dir is always whole.
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	return dir, nil
}

// DetectGPU says which NVIDIA GPUs this machine has (NVML), or why none
// is used.
func DetectGPU() string {
	infos, err := cuda.Detect()
	if err != nil {
		return err.Error()
	}
	var names []string
	for _, d := range infos {
		names = append(names, d.String())
	}
	return strings.Join(names, "; ")
}

func findNode(c Config) (string, string) {
	if len(c.Peers) == 0 {
		return "", "no peers asked"
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return "", "no node on PATH"
	}
	for _, m := range []string{"nodejs-polars", filepath.Join("@duckdb", "node-api")} {
		if _, err := os.Stat(filepath.Join(c.NodeModules, "node_modules", m)); err != nil {
			return "", fmt.Sprintf("%s is missing (run `make peers`)", filepath.Join(c.NodeModules, "node_modules", m))
		}
	}
	return node, ""
}
