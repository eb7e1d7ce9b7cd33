// Package guard protects the format readers from damaged input files:
// StoredSchema, ArrowFooter and SchemaMessage bounds-check the Arrow
// flatbuffers that arrow-go would decode unchecked (a Parquet file's stored
// Arrow schema, an Arrow IPC file's footer, the schema message that starts
// an IPC stream such as a shuffle segment; DecodeSchema decodes such a
// stream's schema once checked), and Safely turns a panic
// inside a third-party decoder into an error.
package guard
