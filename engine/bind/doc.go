// Package bind readies a job for the driver: Prepare opens its input,
// parses and binds its derived columns and filter (an error names the job
// file, line and column), checks which engines can run each operator and
// asks the planner for the plan; Job turns the prepared job into the
// bound job every stage fragment carries (the executor never parses a job
// file), and Fragment is one task of a stage run as it goes on the wire.
package bind
