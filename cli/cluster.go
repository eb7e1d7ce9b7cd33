package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sluice-ml/sluice/cluster/auth"
	clusterserve "github.com/sluice-ml/sluice/cluster/serve"
	"github.com/sluice-ml/sluice/jobspec"
)

// securityFlags are the cluster credential flags; each defaults to its
// SLUICE_* environment variable (submit reads only the environment).
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

// Default listen addresses are on loopback: a node that other hosts must
// reach is given its address explicitly.
const (
	defaultListen = "127.0.0.1:7070"
	defaultGossip = "127.0.0.1:7946"
)

// envSecurity is the credentials from the environment (driver submit).
func envSecurity() (auth.Security, error) {
	var s securityFlags
	s.register(flag.NewFlagSet("", flag.ContinueOnError))
	return s.load()
}

// serveFlags are the serve command's flags.
type serveFlags struct {
	listen, gossip, workDir string
	insecure                bool
	attempts                int
	sec                     securityFlags
	ops                     opsFlags
}

func newServeFlags(stderr io.Writer) (*flag.FlagSet, *serveFlags) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &serveFlags{}
	fs.StringVar(&f.listen, "listen", defaultListen, "gRPC address for submit and status (give the host's address, or :7070, to serve other hosts)")
	fs.StringVar(&f.gossip, "gossip", defaultGossip, "gossip address executors --join")
	fs.BoolVar(&f.insecure, "insecure", false, "serve without a cluster secret: no authentication, plain gossip (trusted networks only)")
	fs.StringVar(&f.workDir, "work-dir", "", "scratch directory (default: the system temp dir)")
	fs.IntVar(&f.attempts, "max-attempts", 0, "attempts per task (default 3)")
	f.sec.register(fs)
	f.ops.register(fs, false)
	return fs, f
}

// serve runs `driver serve` until SIGTERM or interrupt.
func serve(ctx context.Context, args []string, stderr io.Writer) int {
	fs, f := newServeFlags(stderr)
	listen, gossip, insecure, workDir, attempts, sec := &f.listen, &f.gossip, &f.insecure, &f.workDir, &f.attempts, &f.sec
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "driver serve: unexpected arguments %q\n%s", pos, usage)
		return ExitUsage
	}
	sec.insecure = *insecure
	s, err := sec.load()
	if err != nil {
		fmt.Fprintf(stderr, "driver serve: %v\n", err)
		return ExitUsage
	}
	if len(s.Secret) == 0 && !s.Insecure {
		fmt.Fprintf(stderr, "driver serve: %v\n", auth.ErrNoSecret)
		return ExitUsage
	}
	prices, err := f.ops.prices()
	if err != nil {
		fmt.Fprintf(stderr, "driver serve: %v\n", err)
		return ExitUsage
	}
	logger, err := newLogger(stderr, f.ops.logFormat, s.Secret)
	if err != nil {
		fmt.Fprintf(stderr, "driver serve: %v\n", err)
		return ExitUsage
	}
	err = clusterserve.RunDriver(ctx, clusterserve.DriverConfig{Listen: *listen, Gossip: *gossip, Sec: s, WorkDir: *workDir, Log: stderr, Logger: logger,
		MaxAttempts: *attempts, UI: f.ops.ui, Prices: prices})
	if err != nil {
		fmt.Fprintf(stderr, "driver serve: %v\n", err)
		return ExitFailed
	}
	return ExitOK
}

// statusFlags are the status command's flags.
type statusFlags struct {
	driver string
	sec    securityFlags
}

func newStatusFlags(stderr io.Writer) (*flag.FlagSet, *statusFlags) {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &statusFlags{}
	fs.StringVar(&f.driver, "driver", "", "HOST:PORT of the serving driver (required)")
	f.sec.register(fs)
	return fs, f
}

// status runs `driver status [JOB_ID] --driver HOST:PORT`.
func status(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, f := newStatusFlags(stderr)
	addr, sec := &f.driver, &f.sec
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
	if err := clusterserve.Status(ctx, *addr, s, id, stdout); err != nil {
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
	summary, err := clusterserve.Submit(ctx, addr, s, job.File, job.Sets, engineChoice, progress)
	if err != nil {
		fmt.Fprintf(stderr, "driver submit: %v\n", err)
		if errors.Is(err, clusterserve.ErrJobUsage) {
			return ExitUsage
		}
		return ExitFailed
	}
	fmt.Fprint(stdout, summary)
	return ExitOK
}
