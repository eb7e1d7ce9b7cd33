// Package cluster runs sluice jobs across processes: executors and a
// serving driver join one memberlist gossip ring (membership.go), speak the
// gRPC protocol of package proto (executor.go, transport.go), read each
// other's task outputs over a streaming fetch (fetch.go), and authenticate
// with a shared secret (secret.go). The scheduler is package scheduler's:
// the serving driver (package cluster/serve) runs engine.Run over a
// Transport whose executors are the ring's. Executors run the stage
// fragments tasks carry (package task); this package never links the job
// parser or the planner, so neither does the executor binary.
//
// Paths in a cluster job (input and output) are opened by the executors:
// use absolute paths on a file system every node sees.
package cluster
