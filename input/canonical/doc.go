// Package canonical holds the engine's canonical column types and the
// conversion of input columns into them, done once, at the scan: every
// integer type becomes int64; float32 and float64 become float64; bool
// stays bool; timestamps and dates become timestamp[us] UTC
// (arrow.FixedWidthTypes.Timestamp_us); utf8, large utf8 and dictionaries
// of strings become dictionary<int32, utf8> (DictString). Any other type
// is an error naming the file, the column and the allowed types. Every
// canonical field is nullable.
//
// It also holds the buffer and array builders the format readers and the
// generator build canonical columns with. Every function that returns an
// array or a batch hands over one reference (+1) and allocates through the
// allocator it is given.
package canonical
