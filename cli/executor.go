package cli

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

	"github.com/sluice-ml/sluice/cluster"
	"github.com/sluice-ml/sluice/engine"
)

// executorFlags are the executor command's flags.
type executorFlags struct {
	join, listen, gossip, engine, memory, workDir, id, metrics, logFormat string
	slots                                                                 int
	sec                                                                   securityFlags
}

func newExecutorFlags(stderr io.Writer) (*flag.FlagSet, *executorFlags) {
	fs := flag.NewFlagSet("executor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &executorFlags{}
	fs.StringVar(&f.join, "join", "", "gossip address(es) of the ring, HOST:PORT[,HOST:PORT] (the driver's --gossip)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:7071", "gRPC address to serve on (give the host's address, or :7071, to serve other hosts)")
	fs.StringVar(&f.gossip, "gossip", "", "gossip address (default: the --listen host, any free port)")
	fs.StringVar(&f.engine, "engine", "auto", "engine this node runs tasks with: auto (the job's choice) | cpu | gpu | gpu-emulated")
	fs.IntVar(&f.slots, "slots", runtime.NumCPU(), "task slots")
	fs.StringVar(&f.memory, "memory", "8GiB", "memory budget for Arrow data")
	fs.StringVar(&f.workDir, "work-dir", "", "scratch directory (default: the system temp dir)")
	fs.StringVar(&f.id, "id", "", "executor ID, unique in the ring (default: executor-HOST-PORT)")
	fs.StringVar(&f.metrics, "metrics", "", "serve /metrics (basic auth: the cluster secret, unless --insecure) and /healthz on HOST:PORT")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text | json")
	f.sec.register(fs)
	fs.BoolVar(&f.sec.insecure, "insecure", false, "serve without a cluster secret: no authentication, plain gossip (trusted networks only)")
	return fs, f
}

// FlagSet returns the flag set of a command: "submit", "serve", "status"
// or "executor", for checks of command lines written elsewhere (the
// deployment manifests).
func FlagSet(command string) (*flag.FlagSet, error) {
	switch command {
	case "executor":
		fs, _ := newExecutorFlags(io.Discard)
		return fs, nil
	case "serve":
		fs, _ := newServeFlags(io.Discard)
		return fs, nil
	case "submit":
		fs, _ := newSubmitFlags(io.Discard)
		return fs, nil
	case "status":
		fs, _ := newStatusFlags(io.Discard)
		return fs, nil
	}
	return nil, fmt.Errorf("no command %q (submit, serve, status, executor)", command)
}

// Executor runs the executor command with args (without the program name)
// and returns the process exit code.
func Executor(args []string, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return executorCtx(ctx, args, stderr)
}

func executorCtx(ctx context.Context, args []string, stderr io.Writer) int {
	fs, f := newExecutorFlags(stderr)
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if f.join == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "executor: --join HOST:PORT is required (and no positional arguments)")
		return ExitUsage
	}
	mem, err := engine.ParseBytes(f.memory)
	if err != nil {
		fmt.Fprintf(stderr, "executor: --memory: %v\n", err)
		return ExitUsage
	}
	sec, err := f.sec.load()
	if err != nil {
		fmt.Fprintf(stderr, "executor: %v\n", err)
		return ExitUsage
	}
	if len(sec.Secret) == 0 && !sec.Insecure {
		fmt.Fprintf(stderr, "executor: %v\n", cluster.ErrNoSecret)
		return ExitUsage
	}
	logger, err := newLogger(stderr, f.logFormat, sec.Secret)
	if err != nil {
		fmt.Fprintf(stderr, "executor: %v\n", err)
		return ExitUsage
	}
	err = cluster.RunExecutor(ctx, cluster.ExecutorConfig{ID: f.id, Listen: f.listen, Gossip: f.gossip, Join: strings.Split(f.join, ","),
		Engine: f.engine, Slots: f.slots, Memory: mem, WorkDir: f.workDir, Sec: sec, Log: stderr, Logger: logger, Metrics: f.metrics})
	if err != nil {
		fmt.Fprintf(stderr, "executor: %v\n", err)
		return ExitFailed
	}
	return ExitOK
}
