// Command executor runs sluice tasks for a serving driver: it joins the
// driver's gossip ring and serves the executor gRPC protocol.
//
//	executor --join HOST:7946 --secret-file F [--listen 127.0.0.1:7071] [--engine auto|cpu|gpu] [--slots N] [--memory 8GiB] [--gpu-memory 40GiB]
//	         [--work-dir DIR] [--id NAME] [--gossip HOST:PORT] [--tls-cert F --tls-key F --tls-ca F] [--insecure]
//
// Without --secret-file it refuses to start unless --insecure.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/sluice-ml/sluice/cluster"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/task/budget"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	fs := flag.NewFlagSet("executor", flag.ContinueOnError)
	join := fs.String("join", "", "gossip address(es) of the ring, HOST:PORT[,HOST:PORT] (the driver's --gossip)")
	listen := fs.String("listen", "127.0.0.1:7071", "gRPC address to serve on (give the host's address, or :7071, to serve other hosts)")
	gossip := fs.String("gossip", "", "gossip address (default: the --listen host, any free port)")
	eng := fs.String("engine", "auto", "engine this node runs tasks with: auto (the job's choice) | cpu | gpu | gpu-emulated")
	slots := fs.Int("slots", runtime.NumCPU(), "task slots")
	memory := fs.String("memory", "8GiB", "memory budget for Arrow data")
	gpuMem := fs.String("gpu-memory", "", fmt.Sprintf("device memory pool of this process's GPU, shared by all its slots and jobs (default: %.0f%% of the free memory)", gpu.DefaultMemoryFraction*100))
	workDir := fs.String("work-dir", "", "scratch directory (default: the system temp dir)")
	id := fs.String("id", "", "executor ID, unique in the ring (default: executor-HOST-PORT)")
	secret := fs.String("secret-file", "", "file holding the cluster secret (encrypts gossip, authenticates gRPC)")
	cert := fs.String("tls-cert", "", "TLS certificate (PEM)")
	key := fs.String("tls-key", "", "TLS key (PEM)")
	ca := fs.String("tls-ca", "", "CA certificate of the cluster (PEM)")
	insecure := fs.Bool("insecure", false, "serve without a cluster secret: no authentication, plain gossip (trusted networks only)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *join == "" || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "executor: --join HOST:PORT is required (and no positional arguments)")
		return 2
	}
	mem, err := budget.ParseBytes(*memory)
	if err != nil {
		fmt.Fprintf(os.Stderr, "executor: --memory: %v\n", err)
		return 2
	}
	if *gpuMem != "" {
		n, err := budget.ParseBytes(*gpuMem)
		if err == nil {
			err = gpu.SetMemoryLimit(n)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "executor: --gpu-memory: %v\n", err)
			return 2
		}
	}
	defer gpu.CloseShared() // the process's device context, pool and streams
	sec, err := cluster.NewSecurity(*secret, *cert, *key, *ca)
	if err != nil {
		fmt.Fprintf(os.Stderr, "executor: %v\n", err)
		return 2
	}
	sec.Insecure = *insecure
	if len(sec.Secret) == 0 && !sec.Insecure {
		fmt.Fprintf(os.Stderr, "executor: %v\n", cluster.ErrNoSecret)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = cluster.RunExecutor(ctx, cluster.ExecutorConfig{ID: *id, Listen: *listen, Gossip: *gossip, Join: strings.Split(*join, ","),
		Engine: *eng, Slots: *slots, Memory: mem, WorkDir: *workDir, Sec: sec, Log: os.Stderr})
	if err != nil {
		fmt.Fprintf(os.Stderr, "executor: %v\n", err)
		return 1
	}
	return 0
}
