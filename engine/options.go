package engine

import (
	"io"
	"runtime"
	"time"

	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/scheduler"
	"github.com/sluice-ml/sluice/stagecache"
	"github.com/sluice-ml/sluice/task/exchange"
)

// Options configure an embedded run.
type Options struct {
	Local         int    // in-process executors; 0 = one per core
	Slots         int    // task slots per executor; 0 = 1
	MemoryPerExec int64  // bytes; 0 = 2 GiB
	Engine        string // auto | cpu | gpu | gpu-emulated ("" = the job's engine.prefer)
	WorkDir       string // scratch root; "" = os.TempDir()
	Progress      io.Writer
	Terminal      bool // progress as a redrawn line (true) or plain log lines
	MaxAttempts   int  // per task; 0 = 3
	BatchRows     int  // rows per scan batch; 0 = 262144
	KeepWorkDir   bool // for debugging: do not delete shuffle and cache files
	// Observer, when set, is told of the job, its stages and every task
	// attempt (the web UI, metrics, status).
	Observer runreport.Observer
	// Prices, when set, price the run's CPU and GPU time in the summary.
	Prices runreport.Prices

	// Transport, when set, runs the tasks on its executors (a cluster)
	// instead of Local in-process executors; Files is then how the driver
	// reads task outputs (aggregate tables), and Forget is called with the
	// job ID when the job ends so executors delete its files.
	Transport scheduler.Transport
	Files     exchange.Files
	Forget    func(jobID string)
	// NoExecutorWait is how long a stage waits for an executor when none is
	// left (cluster mode).
	NoExecutorWait time.Duration

	// Cache, when set, is the stage cache an embedded run reuses stages
	// from and stores them in (a cluster run and an object-store output
	// use none).
	Cache *stagecache.Cache

	// wrap, in tests, interposes on the transport (fault injection).
	wrap func(scheduler.Transport) scheduler.Transport
}

func (o *Options) defaults() {
	if o.Local <= 0 {
		o.Local = runtime.NumCPU()
	}
	if o.Slots <= 0 {
		o.Slots = 1
	}
	if o.MemoryPerExec <= 0 {
		o.MemoryPerExec = 2 << 30
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.BatchRows <= 0 {
		o.BatchRows = 256 << 10
	}
}
