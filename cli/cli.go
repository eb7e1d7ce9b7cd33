package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"

	"github.com/sluice-ml/sluice/cluster/auth"
	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/input/citibike"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/monitor"
	"github.com/sluice-ml/sluice/task/budget"
	"github.com/sluice-ml/sluice/ui"
)

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1 // the job failed while running
	ExitUsage  = 2 // the command or the job file is wrong
)

const usage = `usage:
  driver submit JOB.yaml [--local N] [--engine auto|cpu|gpu|gpu-emulated] [--memory 2GiB] [--gpu-memory 40GiB] [--set key=value ...]
                 [--ui HOST:PORT [--secret-file F | --insecure] [--ui-linger 10m]] [--log-format text|json]
                 [--price-per-core-hour USD] [--price-per-gpu-hour USD] [--cache DIR | --no-cache] [--cache-max 20GiB]
  driver explain JOB.yaml [--engine ...] [--set key=value ...] [--cache DIR | --no-cache]
  driver runs DIR   (the runs recorded under an output root or a stage cache directory)
  driver submit JOB.yaml --driver HOST:PORT [--engine ...] [--set key=value ...]   (cluster; SLUICE_SECRET_FILE names the secret)
  driver serve --secret-file F [--listen 127.0.0.1:7070] [--gossip 127.0.0.1:7946] [--tls-cert F --tls-key F --tls-ca F] [--insecure]
               [--ui HOST:PORT] [--log-format text|json] [--price-per-core-hour USD] [--price-per-gpu-hour USD]
  driver status [JOB_ID] --driver HOST:PORT [--secret-file F]
  driver gen citibike --rows N --out DIR [--files K] [--seed S]
  driver bench [--rows N] [--engines cpu,gpu] [--peers duckdb,polars] [--jobs citibike,flights,micro] [--runs 3] [--out report/] [--data DIR] [--price-cpu 0.10] [--price-gpu 1.20]
`

// Driver runs the driver command with args (without the program name) and
// returns the process exit code.
func Driver(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return driverCtx(ctx, args, stdout, stderr)
}

// driverCtx runs a driver command until it ends or ctx ends.
func driverCtx(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	switch args[0] {
	case "submit":
		return submit(ctx, args[1:], stdout, stderr)
	case "explain":
		return explain(args[1:], stdout, stderr)
	case "gen":
		return gen(args[1:], stdout, stderr)
	case "serve":
		return serve(ctx, args[1:], stderr)
	case "status":
		return status(ctx, args[1:], stdout, stderr)
	case "runs":
		return runsCmd(args[1:], stdout, stderr)
	case "bench":
		return benchCmd(ctx, args[1:], stdout, stderr)
	case "bench-child":
		return benchChild(ctx, args[1:], stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return ExitOK
	}
	fmt.Fprintf(stderr, "driver: unknown command %q\n%s", args[0], usage)
	return ExitUsage
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

// parseInterleaved parses flags that may come before or after positional
// arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

type jobFlags struct {
	sets    multi
	engine  string
	local   int
	memory  string
	workDir string
	quiet   bool
	gpuMem  string
	cache   cacheFlags // cache.go
}

func (j *jobFlags) register(fs *flag.FlagSet) {
	fs.Var(&j.sets, "set", "override a job file field: key.path=value (repeatable)")
	fs.StringVar(&j.engine, "engine", "", "engine: auto | cpu | gpu | gpu-emulated (default: the job's engine.prefer)")
	fs.IntVar(&j.local, "local", 0, "in-process executors (default: one per core)")
	fs.StringVar(&j.memory, "memory", "2GiB", fmt.Sprintf("memory budget per executor; the process's Go memory limit is the executors' budgets, an eighth of each (at most 32 MiB) of freed buffers kept for reuse, plus %s (GOMEMLIMIT overrides)", budget.FormatBytes(budget.ProcessOverhead)))
	fs.StringVar(&j.workDir, "work-dir", "", "scratch directory for cache and shuffle files (default: the system temp dir)")
	fs.BoolVar(&j.quiet, "quiet", false, "no progress output")
	j.cache.register(fs)
	fs.StringVar(&j.gpuMem, "gpu-memory", "", fmt.Sprintf("device memory pool of the process's GPU, shared by all its executors (default: %.0f%% of the free memory)", gpu.DefaultMemoryFraction*100))
}

func loadJob(fs *flag.FlagSet, args []string, j *jobFlags, stderr io.Writer) (*jobspec.Job, int) {
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, ExitUsage
	}
	if j.local < 0 {
		fmt.Fprintf(stderr, "driver %s: --local: must be >= 0 executors (0 = one per core), got %d\n", fs.Name(), j.local)
		return nil, ExitUsage
	}
	if j.gpuMem != "" {
		n, err := ParseBytes(j.gpuMem)
		if err == nil {
			err = gpu.SetMemoryLimit(n)
		}
		if err != nil {
			fmt.Fprintf(stderr, "driver %s: --gpu-memory: %v\n", fs.Name(), err)
			return nil, ExitUsage
		}
	}
	if j.engine != "" {
		// A bad --engine is a wrong command (exit 2), not a failed job.
		if _, err := engine.Engines(j.engine); err != nil {
			fmt.Fprintf(stderr, "driver %s: %v\n", fs.Name(), err)
			return nil, ExitUsage
		}
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "driver %s: expected one job file (got %d arguments)\n%s", fs.Name(), len(pos), usage)
		return nil, ExitUsage
	}
	job, err := jobspec.Load(pos[0], j.sets)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, ExitUsage
	}
	return job, ExitOK
}

// submitFlags are the submit command's flags.
type submitFlags struct {
	job                            jobFlags
	ops                            opsFlags
	driver, cpuProfile, secretFile string
	insecure                       bool
}

func newSubmitFlags(stderr io.Writer) (*flag.FlagSet, *submitFlags) {
	fs := flag.NewFlagSet("submit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &submitFlags{}
	f.job.register(fs)
	fs.StringVar(&f.driver, "driver", "", "HOST:PORT of a serving driver (cluster mode)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) of the run to this file")
	f.ops.register(fs, true)
	fs.StringVar(&f.secretFile, "secret-file", os.Getenv("SLUICE_SECRET_FILE"), "file holding the cluster secret: with --ui, the UI's password (env SLUICE_SECRET_FILE)")
	fs.BoolVar(&f.insecure, "insecure", false, "with --ui: serve the UI without a password")
	return fs, f
}

func submit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, sf := newSubmitFlags(stderr)
	j, ops := &sf.job, &sf.ops
	driverAddr, cpuProfile, secretFile, insecure := &sf.driver, &sf.cpuProfile, &sf.secretFile, &sf.insecure
	job, code := loadJob(fs, args, j, stderr)
	if code != ExitOK {
		return code
	}
	if *driverAddr != "" {
		if ops.ui != "" {
			fmt.Fprintf(stderr, "driver submit: --ui serves an embedded run; a cluster's UI is `driver serve --ui HOST:PORT`\n")
			return ExitUsage
		}
		if j.cache.dir != "" && !j.cache.off {
			fmt.Fprintf(stderr, "driver submit: note: --cache serves embedded runs; a cluster run reuses no stage results\n")
		}
		return submitCluster(ctx, *driverAddr, job, j.engine, j.quiet, stdout, stderr)
	}
	mem, err := ParseBytes(j.memory)
	if err != nil {
		fmt.Fprintf(stderr, "driver submit: --memory: %v\n", err)
		return ExitUsage
	}
	prices, err := ops.prices()
	if err != nil {
		fmt.Fprintf(stderr, "driver submit: %v\n", err)
		return ExitUsage
	}
	var secret []byte
	if ops.ui != "" && !*insecure {
		if *secretFile == "" {
			fmt.Fprintf(stderr, "driver submit: --ui: %v\n", ui.ErrNoPassword)
			return ExitUsage
		}
		if secret, err = auth.LoadSecret(*secretFile); err != nil {
			fmt.Fprintf(stderr, "driver submit: %v\n", err)
			return ExitUsage
		}
	}
	logger, err := newLogger(stderr, ops.logFormat, secret)
	if err != nil {
		fmt.Fprintf(stderr, "driver submit: %v\n", err)
		return ExitUsage
	}
	opt := engine.Options{Local: j.local, MemoryPerExec: mem, Engine: j.engine, WorkDir: j.workDir, Prices: prices}
	setProcessLimit(j.local, mem)
	if opt.Cache, err = j.cache.open(); err != nil {
		fmt.Fprintf(stderr, "driver submit: %v\n", err)
		return ExitUsage
	}
	var obs []runreport.Observer
	if given(fs, "log-format") {
		obs = append(obs, monitor.LogObserver(logger))
	}
	var web *embeddedUI
	if ops.ui != "" {
		if web, err = startEmbeddedUI(ops.ui, secret, *insecure, prices); err != nil {
			fmt.Fprintf(stderr, "driver submit: %v\n", err)
			return ExitUsage
		}
		defer web.stop()
		logger.Info("web UI on http://"+web.addr+"/", "addr", web.addr)
		obs = append(obs, web.tracker)
	}
	if len(obs) > 0 {
		opt.Observer = monitor.Observers(obs...)
		if testObserver != nil {
			opt.Observer = testObserver(opt.Observer)
		}
	}
	if !j.quiet {
		opt.Progress = stderr
		opt.Terminal = isTerminal(stderr)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "driver submit: --cpuprofile: %v\n", err)
			return ExitUsage
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "driver submit: --cpuprofile: %v\n", err)
			return ExitUsage
		}
		defer pprof.StopCPUProfile()
	}
	res, err := engine.Run(ctx, job, opt)
	if err != nil {
		fmt.Fprintf(stderr, "driver submit: %v\n", err)
		if web != nil {
			web.linger(ctx, ops.linger, stderr)
		}
		return exitCode(err)
	}
	res.Summary(stdout)
	if web != nil {
		web.linger(ctx, ops.linger, stderr)
	}
	return ExitOK
}

// exitCode maps an error to 2 (the job or command is wrong) or 1 (it failed
// while running, a malformed input file included).
func exitCode(err error) int {
	var je *jobspec.Error
	if errors.As(err, &je) {
		return ExitUsage
	}
	return ExitFailed
}

func explain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var j jobFlags
	j.register(fs)
	job, code := loadJob(fs, args, &j, stderr)
	if code != ExitOK {
		return code
	}
	c, err := j.cache.open()
	if err != nil {
		fmt.Fprintf(stderr, "driver explain: %v\n", err)
		return ExitUsage
	}
	text, err := engine.Explain(job, engine.Options{Engine: j.engine, Cache: c})
	if err != nil {
		// explain runs nothing: every failure is in the job, its input or the
		// command (exit 2), never a job that failed while running.
		fmt.Fprintf(stderr, "driver explain: %v\n", err)
		return ExitUsage
	}
	fmt.Fprint(stdout, text)
	return ExitOK
}

func gen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rows := fs.Int64("rows", 1_000_000, "rows to generate")
	out := fs.String("out", "", "output directory (required)")
	files := fs.Int("files", 0, "number of Parquet files (default: one per ~1M rows)")
	seed := fs.Uint64("seed", 1, "seed: every value is a function of (seed, row index)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage
	}
	if len(pos) != 1 || pos[0] != "citibike" {
		fmt.Fprintf(stderr, "driver gen: the only data set is citibike (got %q)\n%s", strings.Join(pos, " "), usage)
		return ExitUsage
	}
	if *out == "" || *rows <= 0 {
		fmt.Fprintf(stderr, "driver gen: --out is required and --rows must be > 0\n")
		return ExitUsage
	}
	if *files <= 0 {
		*files = int(max(1, (*rows+999_999)/1_000_000))
	}
	if err := citibike.Write(*out, *rows, *files, *seed); err != nil {
		fmt.Fprintf(stderr, "driver gen: %v\n", err)
		return ExitFailed
	}
	fmt.Fprintf(stdout, "wrote %d rows in %d files to %s\n", *rows, *files, *out)
	return ExitOK
}

// ParseBytes parses sizes like 512MiB, 2GiB, 1.5GB or a plain byte count.
func ParseBytes(s string) (int64, error) { return budget.ParseBytes(s) }

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// setProcessLimit makes local executors' budgets of mem bytes each (local
// 0: one per core), with what they keep for reuse and
// budget.ProcessOverhead, the process's Go memory limit.
func setProcessLimit(local int, mem int64) {
	if local <= 0 {
		local = runtime.NumCPU()
	}
	budget.SetProcessLimit(slices.Repeat([]int64{mem}, local)...)
}
