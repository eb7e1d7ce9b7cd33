// Package task is the executor side of a job: it runs one task of a stage
// from the stage fragment the task carries (proto/fragment.proto), never
// from a job file.
//
//   - worker.go receives a fragment, refuses one of another format
//     version, and binds the fragment's job once per job on this executor
//     (env.go: schemas, bound expressions checked against the driver's
//     types, device kernels for the operators the plan placed on a device).
//   - stage_scan.go, stage_agg.go, stage_window.go, stage_fit.go,
//     stage_shard.go and stage_expect.go are the stage runners: each
//     builds the operator pipeline its fragment lists, calling kernels
//     through exec/kernel.
//   - wirecheck.go checks what a fragment names before it runs.
//
// Subpackages: aggpartial (an aggregate table's partial states in a scan
// task), exchange (reading other tasks' outputs, the cache's bucket
// layout, Retryable and FetchFailed), expect (expectation checks and the
// unique rules' sort), roworder (each cached row's group, hashes and
// split), transform (cached rows to output rows), fragment (the fragment's broadcast and fitted
// transforms, encoded and decoded), rows (batch and group-key helpers),
// budget (the memory budget) and workdir (job ids, holds and debris of
// the work directory).
//
// Task results travel back to the driver (package engine), which merges
// them at the stage's barrier.
package task
