// Package bench is sluice's benchmark suite (`driver bench`): it generates
// or reuses the Citi Bike-like data, runs the reference jobs (citibike with
// Parquet shards, citibike-arrow with Arrow IPC shards, flights) and the
// micro-jobs (scan, groupby, split, shuffle, shardwrite) on sluice and on
// the peers of bench/peers (DuckDB and Polars under Node, each written the
// way that engine is best used), with the same thread count for the peers
// and sluice's executors. Runs are interleaved (run i of every engine, then
// run i+1), each in its own child process so that wall time, CPU time and
// peak RSS are measured per run. Every peer's output is checked against
// sluice's: rows per split and per group, aggregates within 1e-9 relative,
// and the fitted statistics (categories equal, numbers within FitSE
// standard errors: each peer ranks rows by its own hash, so its train rows
// are a different exact sample). It writes report.md, report.json and
// chart.png.
//
// Benchmarks are benchmarks: nothing here asserts a time. The report gives
// wall and CPU ratios against the faster peer measured in the same run.
package bench
