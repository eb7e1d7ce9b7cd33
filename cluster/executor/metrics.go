package executor

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sluice-ml/sluice/cluster"
	"github.com/sluice-ml/sluice/monitor/nodemon"
	"github.com/sluice-ml/sluice/task"
)

// execMetrics are an executor's own sluice_* metrics. A nil *execMetrics
// ignores every update.
type execMetrics struct {
	tasks   *prometheus.CounterVec
	running prometheus.Gauge
}

func (m *execMetrics) started() {
	if m != nil {
		m.running.Inc()
	}
}

func (m *execMetrics) ended(err error) {
	if m == nil {
		return
	}
	m.running.Dec()
	state := "done"
	if err != nil {
		state = "failed"
	}
	m.tasks.WithLabelValues(state).Inc()
}

// serveExecutorMetrics registers the executor's metrics and serves them,
// with /healthz, on cfg.Metrics; the fetcher counts its remote fetches.
func serveExecutorMetrics(cfg Config, ex *task.Executor, f *cluster.Fetcher, healthy func() error) (*execMetrics, string, func(), error) {
	reg := prometheus.NewRegistry()
	m := &execMetrics{
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_executor_tasks_total",
			Help: "Task attempts this executor ran, by outcome: done, failed."}, []string{"state"}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{Name: "sluice_executor_tasks_running", Help: "Task attempts running on this executor."}),
	}
	reg.MustRegister(m.tasks, m.running)
	m.tasks.WithLabelValues("done")
	m.tasks.WithLabelValues("failed")
	f.Metrics = nodemon.NewFetchMetrics(reg)
	nodemon.RegisterMemory(reg, func() map[string][2]int64 {
		return map[string][2]int64{ex.ID: {ex.Budget.Used(), ex.Budget.Limit()}}
	})
	nodemon.RegisterGPU(reg)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h, err := nodemon.Handler(nodemon.Config{Password: cfg.Sec.Secret, Insecure: cfg.Sec.Insecure, Metrics: reg, Healthy: healthy}, nil)
	if err != nil {
		return nil, "", nil, err
	}
	addr, stop, err := nodemon.Start(cfg.Metrics, h)
	if err != nil {
		return nil, "", nil, fmt.Errorf("--metrics: %w", err)
	}
	return m, addr, stop, nil
}
