// Package serve is `driver serve`: the Driver gRPC service that accepts
// job submissions, runs each job with the engine's driver over the ring's
// executors (cluster.DriverTransport) and reports status. It is the one
// part of a cluster that parses job files; executors get bound stage
// fragments.
package serve
