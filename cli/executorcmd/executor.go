package executorcmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/sluice-ml/sluice/cluster/auth"
	"github.com/sluice-ml/sluice/cluster/executor"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/logs"
	"github.com/sluice-ml/sluice/task/budget"
)

// executorFlags are the executor command's flags.
type executorFlags struct {
	join, listen, gossip, engine, memory, gpuMemory, workDir, id, metrics, logFormat string
	slots                                                                            int
	sec                                                                              securityFlags
}

// NewFlagSet returns the executor command's flag set, writing usage to
// stderr.
func NewFlagSet(stderr io.Writer) *flag.FlagSet {
	fs, _ := newFlags(stderr)
	return fs
}

func newFlags(stderr io.Writer) (*flag.FlagSet, *executorFlags) {
	fs := flag.NewFlagSet("executor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &executorFlags{}
	fs.StringVar(&f.join, "join", "", "gossip address(es) of the ring, HOST:PORT[,HOST:PORT] (the driver's --gossip)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:7071", "gRPC address to serve on (give the host's address, or :7071, to serve other hosts)")
	fs.StringVar(&f.gossip, "gossip", "", "gossip address (default: the --listen host, any free port)")
	fs.StringVar(&f.engine, "engine", "auto", "engine this node runs tasks with: auto (the job's choice) | cpu | gpu | gpu-emulated")
	fs.IntVar(&f.slots, "slots", runtime.NumCPU(), "task slots")
	fs.StringVar(&f.memory, "memory", "8GiB", fmt.Sprintf("memory budget for Arrow data; the process's Go memory limit is this, an eighth of it (at most 32 MiB) of freed buffers kept for reuse, plus %s (GOMEMLIMIT overrides)", budget.FormatBytes(budget.ProcessOverhead)))
	fs.StringVar(&f.gpuMemory, "gpu-memory", "", fmt.Sprintf("device memory pool of this process's GPU, shared by all its slots and jobs (default: %.0f%% of the free memory)", gpu.DefaultMemoryFraction*100))
	fs.StringVar(&f.workDir, "work-dir", "", "scratch directory (default: the system temp dir)")
	fs.StringVar(&f.id, "id", "", "executor ID, unique in the ring (default: executor-HOST-PORT)")
	fs.StringVar(&f.metrics, "metrics", "", "serve /metrics (basic auth: the cluster secret, unless --insecure) and /healthz on HOST:PORT")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text | json")
	f.sec.register(fs)
	fs.BoolVar(&f.sec.insecure, "insecure", false, "serve without a cluster secret: no authentication, plain gossip (trusted networks only)")
	return fs, f
}

// Main runs the executor command with args (without the program name)
// and returns the process exit code.
func Main(args []string, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, stderr)
}

func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs, f := newFlags(stderr)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if f.join == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "executor: --join HOST:PORT is required (and no positional arguments)")
		return exitUsage
	}
	mem, err := budget.ParseBytes(f.memory)
	if err != nil {
		fmt.Fprintf(stderr, "executor: --memory: %v\n", err)
		return exitUsage
	}
	budget.SetProcessLimit(mem)
	if f.gpuMemory != "" {
		n, err := budget.ParseBytes(f.gpuMemory)
		if err == nil {
			err = gpu.SetMemoryLimit(n)
		}
		if err != nil {
			fmt.Fprintf(stderr, "executor: --gpu-memory: %v\n", err)
			return exitUsage
		}
	}
	defer gpu.CloseShared() // the process's device context, pool and streams
	sec, err := f.sec.load()
	if err != nil {
		fmt.Fprintf(stderr, "executor: %v\n", err)
		return exitUsage
	}
	if len(sec.Secret) == 0 && !sec.Insecure {
		fmt.Fprintf(stderr, "executor: %v\n", auth.ErrNoSecret)
		return exitUsage
	}
	logger, err := logs.New(stderr, f.logFormat, sec.Secret)
	if err != nil {
		fmt.Fprintf(stderr, "executor: %v\n", err)
		return exitUsage
	}
	err = executor.Run(ctx, executor.Config{ID: f.id, Listen: f.listen, Gossip: f.gossip, Join: strings.Split(f.join, ","),
		Engine: f.engine, Slots: f.slots, Memory: mem, WorkDir: f.workDir, Sec: sec, Log: stderr, Logger: logger, Metrics: f.metrics})
	if err != nil {
		fmt.Fprintf(stderr, "executor: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// Exit codes, as package cli's.
const (
	exitOK     = 0
	exitFailed = 1 // the executor failed while serving
	exitUsage  = 2 // the command line is wrong
)

// securityFlags are the cluster credential flags; each defaults to its
// SLUICE_* environment variable.
type securityFlags struct {
	secret, cert, key, ca string
	insecure              bool
}

func (s *securityFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.secret, "secret-file", os.Getenv("SLUICE_SECRET_FILE"), "file holding the cluster secret (env SLUICE_SECRET_FILE)")
	fs.StringVar(&s.cert, "tls-cert", os.Getenv("SLUICE_TLS_CERT"), "TLS certificate, PEM (env SLUICE_TLS_CERT)")
	fs.StringVar(&s.key, "tls-key", os.Getenv("SLUICE_TLS_KEY"), "TLS key, PEM (env SLUICE_TLS_KEY)")
	fs.StringVar(&s.ca, "tls-ca", os.Getenv("SLUICE_TLS_CA"), "cluster CA certificate, PEM (env SLUICE_TLS_CA)")
}

func (s *securityFlags) load() (auth.Security, error) {
	sec, err := auth.NewSecurity(s.secret, s.cert, s.key, s.ca)
	sec.Insecure = s.insecure
	return sec, err
}
