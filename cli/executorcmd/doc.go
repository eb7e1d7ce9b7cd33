// Package executorcmd is the executor command: its flags and its run. It
// links no driver code (no job parser, planner or engine), so the executor
// binary stays small; package cli uses its flag set to check command lines.
package executorcmd
