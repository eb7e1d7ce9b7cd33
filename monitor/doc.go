// Package monitor follows the driver's jobs, stages, tasks and executors
// (it is an runreport.Observer) and keeps what the web UI, `driver status`
// and the Prometheus metrics show: a Snapshot of plain values, and the
// sluice_* metrics.
//
// The driver feeds a Tracker through the engine's Observer hooks and, in a
// cluster, an ExecutorSource listing the ring's executors; readers take a
// Snapshot and never reach into the driver.
package monitor
