// Package serve is the serving driver, `driver serve`: the Driver gRPC
// service that accepts job submissions, runs each job with the engine's
// driver over the Transport that launches tasks on the ring's executors,
// and reports status and metrics; and Submit and Status, the client side
// of that service (`driver submit --driver`, `driver status`). It is the
// one part of a cluster that parses job files; executors get bound stage
// fragments.
package serve
