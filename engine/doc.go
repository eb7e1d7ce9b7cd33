// Package engine runs jobs: the driver's job lifecycle and scheduler, the
// executors' task runner, and the Go API (Run, Explain).
//
// job → plan → stages → tasks → kernels → shards:
//
//   - prepare.go opens the input, binds the expressions and asks the
//     planner for the plan (package planner; EXPLAIN prints it).
//   - execute.go is the driver: it runs plan.Stages in order and, after
//     each, the stage's barrier (group counts and split rows, split cuts,
//     fitted parameters and shard cuts, the commit). run.go runs one pass
//     of a stage through the scheduler and records it under the plan's id;
//     lineage.go re-runs the producers of lost inputs.
//   - scheduler.go, taskset.go and queue.go place a stage's tasks on
//     executor slots: a taskSet per stage moves each task through
//     pending → running → done (onDone), back to pending (onLost, onFail
//     with attempts left) or failed.
//   - bind.go binds the job for the executors: every task carries a stage
//     fragment (proto/fragment.proto: the stage's operators, the bound
//     job, the broadcast, the task's input assignment) with a format
//     version. worker.go is the executor side: it runs a fragment (env.go
//     binds its job once per executor; fragment.go decodes it), never a
//     job file; stage_scan.go, stage_agg.go,
//     stage_window.go, stage_fit.go and stage_shard.go are the stage
//     runners. They call kernels through exec/kernel (the device the plan
//     placed an operator on, the CPU for a batch it gives back).
//   - manifest.go assembles manifest.json; budget.go is the executor's
//     memory budget; local.go the in-process executors of the embedded
//     mode.
package engine
