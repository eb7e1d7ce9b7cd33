// Package proto holds the driver <-> executor gRPC protocol (sluice.proto),
// the stage fragment a task carries (fragment.proto) and their generated
// Go code, committed.
package proto
