package monitor

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/monitor/nodemon"
)

// Metrics are the driver's sluice_* metrics. A nil *Metrics ignores every
// update.
type Metrics struct {
	tasks        *prometheus.CounterVec // state: done | failed | lost
	running      prometheus.Gauge
	retries      prometheus.Counter
	stageRows    *prometheus.CounterVec // stage kind
	stageBytes   *prometheus.CounterVec
	taskSeconds  *prometheus.HistogramVec
	jobs         *prometheus.CounterVec // state: succeeded | failed
	jobsRunning  prometheus.Gauge
	lost         prometheus.Counter
	execsRunning *prometheus.GaugeVec
}

// NewMetrics registers the driver's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_tasks_total",
			Help: "Task attempts ended, by state: done, failed (retried or fatal), lost (their executor was lost; requeued)."}, []string{"state"}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{Name: "sluice_tasks_running", Help: "Task attempts running now."}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{Name: "sluice_task_retries_total",
			Help: "Task attempts launched after a failed attempt of the same task."}),
		stageRows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_stage_rows_total",
			Help: "Rows processed by successful task attempts, by stage kind (as EXPLAIN names it)."}, []string{"stage"}),
		stageBytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_stage_bytes_total",
			Help: "Bytes processed by successful task attempts, by stage kind."}, []string{"stage"}),
		taskSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "sluice_task_seconds",
			Help: "Wall time of successful task attempts, by stage kind.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}, []string{"stage"}),
		jobs:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_jobs_total", Help: "Jobs ended, by state: succeeded, failed."}, []string{"state"}),
		jobsRunning: prometheus.NewGauge(prometheus.GaugeOpts{Name: "sluice_jobs_running", Help: "Jobs running now."}),
		lost: prometheus.NewCounter(prometheus.CounterOpts{Name: "sluice_executors_lost_total",
			Help: "Executors lost (failed, unreachable) while they held tasks."}),
	}
	reg.MustRegister(m.tasks, m.running, m.retries, m.stageRows, m.stageBytes, m.taskSeconds, m.jobs, m.jobsRunning, m.lost)
	for _, s := range []string{"done", "failed", "lost"} {
		m.tasks.WithLabelValues(s)
	}
	for _, s := range []string{"succeeded", "failed"} {
		m.jobs.WithLabelValues(s)
	}
	return m
}

func (m *Metrics) jobStarted() {
	if m != nil {
		m.jobsRunning.Inc()
	}
}

func (m *Metrics) jobEnded(state string) {
	if m != nil {
		m.jobsRunning.Dec()
		m.jobs.WithLabelValues(state).Inc()
	}
}

func (m *Metrics) taskStarted(s runreport.TaskStart) {
	if m == nil {
		return
	}
	m.running.Inc()
	if s.Attempt > 0 {
		m.retries.Inc()
	}
}

func (m *Metrics) taskEnded(e runreport.TaskEnd, kind string) {
	if m == nil {
		return
	}
	m.running.Dec()
	switch {
	case e.Err == nil:
		m.tasks.WithLabelValues("done").Inc()
		if kind != "" {
			m.stageRows.WithLabelValues(kind).Add(float64(e.Rows))
			m.stageBytes.WithLabelValues(kind).Add(float64(e.Bytes))
			m.taskSeconds.WithLabelValues(kind).Observe(e.Wall.Seconds())
		}
	case e.Lost:
		m.tasks.WithLabelValues("lost").Inc()
	default:
		m.tasks.WithLabelValues("failed").Inc()
	}
}

func (m *Metrics) executorLost() {
	if m != nil {
		m.lost.Inc()
	}
}

// The metrics every node serves live in package nodemon.
type (
	FetchMetrics = nodemon.FetchMetrics
	MemoryFunc   = nodemon.MemoryFunc
)

var (
	NewFetchMetrics = nodemon.NewFetchMetrics
	RegisterMemory  = nodemon.RegisterMemory
	RegisterGPU     = nodemon.RegisterGPU
)
