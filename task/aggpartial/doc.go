// Package aggpartial is the scan side of an aggregate table: Table
// aggregates a scan task's rows into partial states (on the device or
// the CPU, through the kernels given) and writes them to the exchange,
// partitioned by key hash, flushing early when its hash table outgrows
// its limit. The aggregate stage merges the partitions into final rows.
package aggpartial
