// Package guard protects the format readers from damaged input files:
// StoredSchema and ArrowFooter bounds-check the Arrow flatbuffers that
// arrow-go would decode unchecked (a Parquet file's stored Arrow schema, an
// Arrow IPC file's footer), and Safely turns a panic inside a third-party
// decoder into an error.
package guard
