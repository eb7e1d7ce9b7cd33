// Package fragment is the Go side of a stage fragment (proto/fragment.proto):
// its format version, the driver's broadcast state and fitted transforms
// as the stage runners read them, and their encoding to and from the wire
// messages.
package fragment
