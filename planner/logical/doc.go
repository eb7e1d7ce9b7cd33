// Package logical is the planner's logical plan: a DAG of nodes (Scan,
// Filter, Project, Aggregate, Split, Fit, Transform, Exchange, Sink) kept
// in a stable topological order, its one-line-per-node rendering for
// EXPLAIN, and the optimizer rules that rewrite it (projection pushdown,
// filter pushdown into row-group pruning ranges, partial aggregation,
// operator fusion), run in a fixed order by Optimize. Package planner
// builds the plan from a job and cuts the optimized plan into stages.
package logical
