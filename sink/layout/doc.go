// Package layout names the files of an output directory: where shards
// (ShardPath) and aggregate tables (AggregatePath) go, the manifest's name,
// which relative paths a writer may use (CheckRelPath), and how a relative
// path joins a local directory or an object-store prefix (JoinOut).
package layout
