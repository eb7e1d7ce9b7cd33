// Package cluster holds what the nodes of a sluice cluster share to reach
// each other: the table of gRPC connections to ring members by ID (Peers),
// the streaming fetch of task outputs between executors and the driver
// (Fetcher on the reading side, ServeFetch on the serving side), the wire
// form of task failures (EncodeFailure, DecodeFailure) and the node logger.
//
// The node roles are its subpackages: ring is the gossip membership, auth
// the cluster secret and TLS, executor the executor process and serve the
// serving driver (`driver serve`), which schedules over the ring's
// executors with package scheduler. Executors run the stage fragments
// tasks carry (package task); nothing an executor links parses job files
// or plans.
//
// Paths in a cluster job (input and output) are opened by the executors:
// use absolute paths on a file system every node sees. The tests in this
// folder start real driver and executor processes (some in network
// namespaces) and take several minutes.
package cluster
