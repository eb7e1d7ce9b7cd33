// Package engine is the driver side of a job and the Go API (Run,
// Explain): it opens the input, binds the job, plans it, runs the plan's
// stages through the scheduler and the barriers between them, and commits
// the output with its manifest.
//
// job → plan → stages → tasks → kernels → shards:
//
//   - Package engine/bind opens the input, binds the expressions and asks
//     the planner for the plan (package planner; EXPLAIN prints it), and
//     turns the job into the bound job every stage fragment carries.
//   - execute.go runs plan.Stages in order and, after each, the stage's
//     barrier (package engine/barrier: group counts and split rows, split
//     cuts, fitted parameters and shard cuts, the manifest at the commit).
//     run.go runs one pass of a stage through the scheduler (package
//     scheduler) and records it under the plan's id; lineage.go re-runs
//     the producers of lost inputs.
//   - Executors run the tasks (package task) from their fragments; kernels
//     are exec/kernel's; shards are written by package sink.
//   - Package engine/runreport tells observers, the progress line and the
//     summary table how the run goes; stagecache_run.go restores and saves
//     stages through package engine/stagereuse (stage keys, which stages a
//     run reuses).
package engine
