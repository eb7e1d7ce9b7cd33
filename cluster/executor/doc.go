// Package executor is the executor process of a cluster (cmd/executor):
// Run joins the ring, serves the Executor gRPC service (launch and cancel
// task attempts, fetch of its outputs, health, forget a job's files),
// runs the stage fragments it is sent on its own engines, and on stop
// leaves the ring, drains and deletes its work directory. It cancels its
// jobs when no driver is left in the ring.
package executor
