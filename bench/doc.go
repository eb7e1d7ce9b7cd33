// Package bench is sluice's benchmark suite (`driver bench`): it generates
// or reuses the Citi Bike-like data, runs the reference jobs (citibike,
// flights) and the micro-jobs (scan, groupby, split, shuffle, shardwrite)
// on sluice and on the peers of bench/peers (DuckDB and Polars under Node),
// each run in its own child process so that wall time, CPU time and peak
// RSS are measured per run, checks that every peer's output agrees with
// sluice's (rows per split and per group, aggregates within 1e-9
// relative), and writes report.md, report.json and chart.png.
//
// Benchmarks are benchmarks: nothing here asserts a time. The report gives
// ratios against the peers measured in the same run.
package bench
