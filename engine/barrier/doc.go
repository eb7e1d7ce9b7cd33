// Package barrier holds the driver's steps between stages, the barrier
// nodes of the plan: the State the driver learns from each stage, merging
// the scan's group counts into dense group ids and exact split rows
// (MergeScans), encoding split and shard boundaries for broadcast
// (Boundaries), merging the fit stage's partials and fitting the
// transforms (MergeFits, Fit), checking the expectations (Expectations)
// and assembling the manifest at the commit (Manifest).
//
// Every step merges task results in task-index order, so what it produces
// does not depend on which task finished first or on how many executors
// ran them.
package barrier
