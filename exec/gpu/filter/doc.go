// Package filter evaluates filter expressions on the device. Compile turns
// an expression into a Program (postfix code for kernels/filter.cu):
// numeric comparisons of int64 and float64 columns with literals or with
// each other, is null, bool columns, and/or/not; anything else answers
// ErrUnsupported naming the construct, and runs on the CPU engine. Run
// evaluates a program over a batch and compacts the selected row numbers
// on the device, selecting the rows expr's Filter selects (null is false).
package filter
