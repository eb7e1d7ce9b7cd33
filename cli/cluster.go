package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sluice-ml/sluice/cluster"
	"github.com/sluice-ml/sluice/jobspec"
)

// securityFlags are the cluster credential flags; each defaults to its
// SLUICE_* environment variable (submit reads only the environment).
type securityFlags struct {
	secret, cert, key, ca string
}

func (s *securityFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.secret, "secret-file", os.Getenv("SLUICE_SECRET_FILE"), "file holding the cluster secret (env SLUICE_SECRET_FILE)")
	fs.StringVar(&s.cert, "tls-cert", os.Getenv("SLUICE_TLS_CERT"), "TLS certificate, PEM (env SLUICE_TLS_CERT)")
	fs.StringVar(&s.key, "tls-key", os.Getenv("SLUICE_TLS_KEY"), "TLS key, PEM (env SLUICE_TLS_KEY)")
	fs.StringVar(&s.ca, "tls-ca", os.Getenv("SLUICE_TLS_CA"), "cluster CA certificate, PEM (env SLUICE_TLS_CA)")
}

func (s *securityFlags) load() (cluster.Security, error) {
	return cluster.NewSecurity(s.secret, s.cert, s.key, s.ca)
}

// envSecurity is the credentials from the environment (driver submit).
func envSecurity() (cluster.Security, error) {
	var s securityFlags
	s.register(flag.NewFlagSet("", flag.ContinueOnError))
	return s.load()
}

// serve runs `driver serve` until SIGTERM or interrupt.
func serve(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", ":7070", "gRPC address for submit and status")
	gossip := fs.String("gossip", ":7946", "gossip address executors --join")
	workDir := fs.String("work-dir", "", "scratch directory (default: the system temp dir)")
	attempts := fs.Int("max-attempts", 0, "attempts per task (default 3)")
	var sec securityFlags
	sec.register(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "driver serve: unexpected arguments %q\n%s", pos, usage)
		return ExitUsage
	}
	s, err := sec.load()
	if err != nil {
		fmt.Fprintf(stderr, "driver serve: %v\n", err)
		return ExitUsage
	}
	err = cluster.RunDriver(ctx, cluster.DriverConfig{Listen: *listen, Gossip: *gossip, Sec: s, WorkDir: *workDir, Log: stderr, MaxAttempts: *attempts})
	if err != nil {
		fmt.Fprintf(stderr, "driver serve: %v\n", err)
		return ExitFailed
	}
	return ExitOK
}

// status runs `driver status [JOB_ID] --driver HOST:PORT`.
func status(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("driver", "", "HOST:PORT of the serving driver (required)")
	var sec securityFlags
	sec.register(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage
	}
	if *addr == "" || len(pos) > 1 {
		fmt.Fprintf(stderr, "driver status: --driver HOST:PORT is required, with at most one JOB_ID\n%s", usage)
		return ExitUsage
	}
	s, err := sec.load()
	if err != nil {
		fmt.Fprintf(stderr, "driver status: %v\n", err)
		return ExitUsage
	}
	id := ""
	if len(pos) == 1 {
		id = pos[0]
	}
	if err := cluster.Status(ctx, *addr, s, id, stdout); err != nil {
		fmt.Fprintf(stderr, "driver status: %v\n", err)
		return ExitFailed
	}
	return ExitOK
}

// submitCluster sends a loaded job to a serving driver and prints the
// summary it returns.
func submitCluster(ctx context.Context, addr string, job *jobspec.Job, engineChoice string, quiet bool, stdout, stderr io.Writer) int {
	s, err := envSecurity()
	if err != nil {
		fmt.Fprintf(stderr, "driver submit: %v\n", err)
		return ExitUsage
	}
	var progress io.Writer
	if !quiet {
		progress = stderr
	}
	summary, err := cluster.Submit(ctx, addr, s, job.File, job.Sets, engineChoice, progress)
	if err != nil {
		fmt.Fprintf(stderr, "driver submit: %v\n", err)
		if errors.Is(err, cluster.ErrJobUsage) {
			return ExitUsage
		}
		return ExitFailed
	}
	fmt.Fprint(stdout, summary)
	return ExitOK
}
