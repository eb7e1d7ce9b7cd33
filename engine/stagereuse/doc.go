// Package stagereuse decides what of a run the stage cache (package
// stagecache) gives back: every plan stage has a key (Keys); a stage
// whose entry is in the cache, and whose inputs' stages are reused too,
// is restored instead of run (Reusable; Open looks the stages up for one
// run and holds their entries). In process (embedded, --local) every
// stage can be reused; a cluster and an object-store output use no cache.
//
// A stage's key covers:
//
//	scan             the input files' stamps (stagecache.Fingerprint), the
//	                 bound job less the transforms and the output format,
//	                 compression and shuffle, the scan tasks, the stage
//	scan aggregates  the scan's key, the table, the output format and
//	                 compression
//	expect-unique    the scan's key
//	split-boundaries the scan's key, the split ratios
//	fit              the split's key, the features and label as the job
//	                 states them, the bound job less the output format and
//	                 compression (the shard count and shuffle stay: the fit
//	                 stage also finds the shard boundaries)
//	shard-write      the fit's key, the whole bound job, the output settings
//
// and every key the plan stage itself (its operators and engines) and
// stagecache.FormatVersion. The split seed, split.by and split.key are in
// the bound job the scan reads, so changing them reruns the scan.
package stagereuse
