// Package nodemon is what every node serves for operations without the
// driver's code: the shuffle fetch, Arrow memory and GPU memory metrics,
// and the HTTP server of /metrics and /healthz behind the cluster secret.
// Executors link it; packages monitor and ui build the driver's tracker
// and web UI on it.
package nodemon
