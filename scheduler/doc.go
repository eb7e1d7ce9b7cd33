// Package scheduler places a stage's tasks on executor slots over a
// Transport (in-process: LocalTransport; a cluster: cluster/serve.Transport).
//
// A taskSet per stage (taskset.go) is a small state machine: each task
// moves pending → running → done (onDone), back to pending (onLost, or
// onFail with attempts left) or failed. Executors joining or leaving reach
// a running stage as membership events (MembershipEvents), not by polling;
// queue.go prefers the executor that holds a task's input.
package scheduler
