// Package vocab holds the names and plain values a job file and a stage
// fragment share: transform, fill and aggregate function names, stage
// kinds and operator names, and the input, feature and fill descriptions.
// The job parser (jobspec) and the planner fill them from a job file; the
// executors, which never see a job file, get them bound in a task's
// fragment.
package vocab
