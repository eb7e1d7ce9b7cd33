// Package rows holds the batch helpers the stage runners share: the
// internal columns (row id, row key, shard hash), split.by group keys
// (local and global ids), column append and projection, the shard
// sources whose dictionary columns are unified across cache batches, and
// gathering picked rows across batches.
package rows
