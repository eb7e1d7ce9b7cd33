package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/logs"
	"github.com/sluice-ml/sluice/monitor"
	"github.com/sluice-ml/sluice/ui"
)

// opsFlags are the operating flags of submit and serve: the web UI, the
// log format and the prices of compute.
type opsFlags struct {
	ui        string
	linger    time.Duration
	logFormat string
	core, gpu float64
}

func (o *opsFlags) register(fs *flag.FlagSet, embedded bool) {
	fs.StringVar(&o.ui, "ui", "", "serve the web UI, /metrics and /healthz on HOST:PORT (basic auth: the cluster secret is the password, unless --insecure)")
	if embedded {
		fs.DurationVar(&o.linger, "ui-linger", 0, "keep the web UI up this long after the job ends (an interrupt stops it sooner)")
	}
	fs.StringVar(&o.logFormat, "log-format", logs.FormatText, "log format: text | json")
	fs.Float64Var(&o.core, "price-per-core-hour", 0, "USD per CPU core-hour: prices the job's CPU time in the summary, status and UI")
	fs.Float64Var(&o.gpu, "price-per-gpu-hour", 0, "USD per GPU-hour: prices the job's GPU time")
}

func (o *opsFlags) prices() (runreport.Prices, error) {
	p := runreport.Prices{CoreHour: o.core, GPUHour: o.gpu}
	if err := p.Check(); err != nil {
		return p, fmt.Errorf("--price-per-core-hour / --price-per-gpu-hour: %w", err)
	}
	return p, nil
}

// given reports whether the flag was set on the command line.
func given(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}

// testObserver, when set by tests, wraps the observer of an embedded run
// (to hold a job at a chosen point while the test looks at the UI).
var testObserver func(runreport.Observer) runreport.Observer

// embeddedUI is the web UI of an embedded run.
type embeddedUI struct {
	tracker *monitor.Tracker
	addr    string
	stop    func()
}

// startEmbeddedUI serves the UI of an embedded run on addr.
func startEmbeddedUI(addr string, secret []byte, insecure bool, prices runreport.Prices) (*embeddedUI, error) {
	reg := prometheus.NewRegistry()
	met := monitor.NewMetrics(reg)
	tr := monitor.NewTracker(monitor.Config{Mode: "embedded", Prices: prices, Metrics: met})
	monitor.RegisterMemory(reg, tr.Memory)
	monitor.RegisterGPU(reg)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h, err := ui.Handler(ui.Config{Source: tr, Password: secret, Insecure: insecure, Metrics: reg})
	if err != nil {
		return nil, err
	}
	bound, stop, err := ui.Start(addr, h)
	if err != nil {
		return nil, fmt.Errorf("--ui: %w", err)
	}
	return &embeddedUI{tracker: tr, addr: bound, stop: stop}, nil
}

// linger keeps the UI up for d after the job, or until ctx ends.
func (u *embeddedUI) linger(ctx context.Context, d time.Duration, stderr io.Writer) {
	if d <= 0 {
		return
	}
	fmt.Fprintf(stderr, "web UI stays up on http://%s/ for %s (interrupt to stop)\n", u.addr, d)
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// newLogger makes the process's logger; the secret never appears in it.
func newLogger(w io.Writer, format string, secret []byte) (*slog.Logger, error) {
	return logs.New(w, format, secret)
}
