package monitor

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/exec/gpu"
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

func (m *Metrics) taskStarted(s engine.TaskStart) {
	if m == nil {
		return
	}
	m.running.Inc()
	if s.Attempt > 0 {
		m.retries.Inc()
	}
}

func (m *Metrics) taskEnded(e engine.TaskEnd, kind string) {
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

// FetchMetrics are the shuffle fetch metrics of a process that reads other
// executors' outputs. A nil *FetchMetrics ignores every update.
type FetchMetrics struct {
	bytes   prometheus.Counter
	seconds prometheus.Histogram
	errors  prometheus.Counter
}

// NewFetchMetrics registers the shuffle fetch metrics with reg.
func NewFetchMetrics(reg prometheus.Registerer) *FetchMetrics {
	f := &FetchMetrics{
		bytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "sluice_shuffle_fetch_bytes_total",
			Help: "Bytes of other executors' outputs received over fetch streams."}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "sluice_shuffle_fetch_seconds",
			Help: "Time to receive one segment of a fetch stream (the first includes opening the stream).", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10)}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "sluice_shuffle_fetch_errors_total",
			Help: "Fetches that failed (the reading task fails with a fetch failure)."}),
	}
	reg.MustRegister(f.bytes, f.seconds, f.errors)
	return f
}

// Segment records one received segment.
func (f *FetchMetrics) Segment(bytes int, d time.Duration) {
	if f != nil {
		f.bytes.Add(float64(bytes))
		f.seconds.Observe(d.Seconds())
	}
}

// Failed records a failed fetch.
func (f *FetchMetrics) Failed() {
	if f != nil {
		f.errors.Inc()
	}
}

// MemoryFunc reports Arrow bytes in use and the budget of each executor
// (by executor ID).
type MemoryFunc func() map[string][2]int64

// RegisterMemory registers sluice_memory_in_use_bytes and
// sluice_memory_budget_bytes, read from f at each scrape.
func RegisterMemory(reg prometheus.Registerer, f MemoryFunc) {
	reg.MustRegister(&memCollector{f: f,
		used:   prometheus.NewDesc("sluice_memory_in_use_bytes", "Arrow memory in use, by executor.", []string{"executor"}, nil),
		budget: prometheus.NewDesc("sluice_memory_budget_bytes", "Arrow memory budget, by executor.", []string{"executor"}, nil)})
}

type memCollector struct {
	f            MemoryFunc
	used, budget *prometheus.Desc
}

func (c *memCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.used; ch <- c.budget }

func (c *memCollector) Collect(ch chan<- prometheus.Metric) {
	for id, v := range c.f() {
		ch <- prometheus.MustNewConstMetric(c.used, prometheus.GaugeValue, float64(v[0]), id)
		ch <- prometheus.MustNewConstMetric(c.budget, prometheus.GaugeValue, float64(v[1]), id)
	}
}

// RegisterGPU registers sluice_gpu_memory_used_bytes and
// sluice_gpu_memory_total_bytes, read through NVML at each scrape; on a
// machine without a GPU they are absent.
func RegisterGPU(reg prometheus.Registerer) { registerGPU(reg, gpu.MemoryUsage) }

func registerGPU(reg prometheus.Registerer, f func() ([]gpu.DeviceMemory, error)) {
	reg.MustRegister(&gpuCollector{f: f,
		used:  prometheus.NewDesc("sluice_gpu_memory_used_bytes", "GPU memory in use, by device.", []string{"device", "name"}, nil),
		total: prometheus.NewDesc("sluice_gpu_memory_total_bytes", "GPU memory, by device.", []string{"device", "name"}, nil)})
}

type gpuCollector struct {
	f           func() ([]gpu.DeviceMemory, error)
	used, total *prometheus.Desc
}

func (c *gpuCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.used; ch <- c.total }

func (c *gpuCollector) Collect(ch chan<- prometheus.Metric) {
	devs, err := c.f()
	if err != nil {
		return
	}
	for _, d := range devs {
		idx := strconv.Itoa(d.Index)
		ch <- prometheus.MustNewConstMetric(c.used, prometheus.GaugeValue, float64(d.Used), idx, d.Name)
		ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(d.Total), idx, d.Name)
	}
}
