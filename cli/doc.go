// Package cli implements the driver command line: flags, wiring and exit
// codes. cmd/driver only calls Driver.
package cli
