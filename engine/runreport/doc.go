// Package runreport is what a job's run tells the world, while it runs
// and when it ends:
//
//   - observe.go: the Observer interface (the web UI, metrics, `driver
//     status`) with its events (JobStart, StageStart, TaskStart, TaskEnd,
//     StageStat), the plan's stages weighted by their cost estimates, the
//     job's Completion and ETA, and Observed, the transport that reports
//     every task attempt;
//   - progress.go: the progress line on the driver's terminal or log;
//   - result.go: the Result of a finished job, its stage statistics and
//     its compute cost at the given Prices;
//   - summary.go and expect.go: the closing summary table, and the
//     expectations' summary line and the error of a failed expectation.
package runreport
