package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/sluice-ml/sluice/bench"
	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/jobspec"
)

// benchCmd is `driver bench`: the benchmark suite (package bench).
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rows := fs.Int64("rows", 33_319_019, "generated citibike rows")
	seed := fs.Uint64("seed", 1, "generator seed")
	engines := fs.String("engines", "cpu", "sluice engines to measure: cpu,gpu")
	peers := fs.String("peers", "duckdb,polars", "peers to measure: duckdb,polars or none")
	jobs := fs.String("jobs", "citibike,flights,micro", "jobs: citibike, citibike-arrow, flights, scan, groupby, split, shuffle, shardwrite, micro (all micro-jobs)")
	out := fs.String("out", "report", "report directory (report.md, report.json, chart.png)")
	runs := fs.Int("runs", 3, "runs per job and engine (the median is reported)")
	data := fs.String("data", filepath.Join("data", "bench"), "where generated data is kept (reused by rows and seed)")
	repo := fs.String("repo", ".", "the sluice repository root (for bench/peers, tools/peers, data/flights-3m.parquet)")
	threads := fs.Int("threads", runtime.NumCPU(), "threads of each peer, and sluice's executors (--local)")
	priceCPU := fs.Float64("price-cpu", 0.10, "CPU instance price, USD per hour")
	priceGPU := fs.Float64("price-gpu", 1.20, "GPU instance price, USD per hour")
	perCore := fs.Float64("price-per-core-hour", 0.05, "USD per CPU core-hour: the compute cost column (CPU time)")
	perGPU := fs.Float64("price-per-gpu-hour", 2.50, "USD per GPU-hour: the compute cost column (a GPU engine's wall time)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage
	}
	if len(pos) != 0 {
		fmt.Fprintf(stderr, "driver bench: unexpected arguments %q\n", pos)
		return ExitUsage
	}
	selected, err := bench.SelectJobs(strings.Split(*jobs, ","))
	if err != nil {
		fmt.Fprintf(stderr, "driver bench: %v\n", err)
		return ExitUsage
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "driver bench: cannot find the driver binary to re-run: %v\n", err)
		return ExitFailed
	}
	cfg := bench.Config{
		Exe: exe, Rows: *rows, Seed: *seed, Engines: splitList(*engines), Peers: splitList(*peers), Jobs: selected,
		Runs: *runs, Out: *out, DataDir: *data, Threads: *threads, PriceCPU: *priceCPU, PriceGPU: *priceGPU, PricePerCoreHour: *perCore, PricePerGPUHour: *perGPU,
		FlightsPath: filepath.Join(*repo, "data", "flights-3m.parquet"),
		FetchScript: filepath.Join(*repo, "scripts", "fetch-flights.sh"),
		PeersDir:    filepath.Join(*repo, "bench", "peers"),
		NodeModules: filepath.Join(*repo, "tools", "peers"),
	}
	if len(cfg.Peers) == 1 && cfg.Peers[0] == "none" {
		cfg.Peers = nil
	}
	if !*quiet {
		cfg.Log = stderr
	}
	if *rows <= 0 || *runs <= 0 || *threads <= 0 || *priceCPU < 0 || *priceGPU < 0 || *perCore < 0 || *perGPU < 0 {
		fmt.Fprintf(stderr, "driver bench: --rows, --runs and --threads must be > 0 and prices >= 0\n")
		return ExitUsage
	}
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "driver bench: %v\n", err)
		return ExitFailed
	}
	fmt.Fprint(stdout, bench.Markdown(rep))
	fmt.Fprintf(stdout, "\nreport written to %s\n", *out)
	if !rep.OK() {
		fmt.Fprintf(stderr, "driver bench: FAILED: %d disagreement(s) with the peers", len(rep.Disagreements))
		for _, e := range rep.Entries {
			if strings.HasPrefix(e.Status, "failed") {
				fmt.Fprintf(stderr, "; %s %s %s", e.Job, e.Engine, e.Status)
			}
		}
		fmt.Fprintln(stderr)
		for _, d := range rep.Disagreements {
			fmt.Fprintf(stderr, "DISAGREEMENT %s\n", d)
		}
		return ExitFailed
	}
	return ExitOK
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// benchChild is the hidden `driver bench-child`: one measured run of a job
// in its own process, its stage statistics written as JSON to --stats.
func benchChild(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench-child", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jobFile := fs.String("job", "", "job file")
	stats := fs.String("stats", "", "where to write the stage statistics (JSON)")
	eng := fs.String("engine", "cpu", "engine")
	workDir := fs.String("work-dir", "", "scratch directory")
	local := fs.Int("local", 0, "in-process executors (0: one per core)")
	memory := fs.String("memory", "2GiB", "memory budget per executor, as submit's")
	if _, err := parseInterleaved(fs, args); err != nil {
		return ExitUsage
	}
	if *jobFile == "" || *stats == "" {
		fmt.Fprintf(stderr, "driver bench-child: --job and --stats are required\n")
		return ExitUsage
	}
	job, err := jobspec.Load(*jobFile, nil)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return ExitUsage
	}
	mem, err := ParseBytes(*memory)
	if err != nil {
		fmt.Fprintf(stderr, "driver bench-child: --memory: %v\n", err)
		return ExitUsage
	}
	setProcessLimit(*local, mem)
	res, err := engine.Run(ctx, job, engine.Options{Engine: *eng, WorkDir: *workDir, Local: *local, MemoryPerExec: mem})
	if err != nil {
		fmt.Fprintf(stderr, "driver bench-child: %v\n", err)
		return exitCode(err)
	}
	st := bench.ChildStats{Wall: res.Wall.Seconds(), PeakMemory: res.PeakMemory}
	for _, s := range res.Stages {
		st.Stages = append(st.Stages, bench.StageRow{ID: s.ID, Kind: s.Kind, Tasks: s.Tasks, Rows: s.Rows, Bytes: s.Bytes,
			Wall: s.Wall.Seconds(), CPU: s.CPU.Seconds()})
	}
	if err := bench.WriteChildStats(*stats, st); err != nil {
		fmt.Fprintf(stderr, "driver bench-child: %v\n", err)
		return ExitFailed
	}
	return ExitOK
}
