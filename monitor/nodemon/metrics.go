package nodemon

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-ml/sluice/exec/gpu/cuda"
)

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
func RegisterGPU(reg prometheus.Registerer) { registerGPU(reg, cuda.MemoryUsage) }

func registerGPU(reg prometheus.Registerer, f func() ([]cuda.DeviceMemory, error)) {
	reg.MustRegister(&gpuCollector{f: f,
		used:  prometheus.NewDesc("sluice_gpu_memory_used_bytes", "GPU memory in use, by device.", []string{"device", "name"}, nil),
		total: prometheus.NewDesc("sluice_gpu_memory_total_bytes", "GPU memory, by device.", []string{"device", "name"}, nil)})
}

type gpuCollector struct {
	f           func() ([]cuda.DeviceMemory, error)
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
