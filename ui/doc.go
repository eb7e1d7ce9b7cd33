// Package ui serves the driver's web UI and its /metrics and /healthz
// endpoints: the jobs, one job's stages and output, and the executors,
// rendered on the server from a monitor.Snapshot and refreshed in the
// browser by polling. The assets are embedded; nothing is loaded from
// elsewhere.
//
// Access is HTTP basic auth whose password is the cluster secret (any user
// name), unless the server is configured insecure; /healthz is open so
// probes need no credentials.
package ui
