// Package arrowfile writes Arrow IPC files (the file format: magic, schema,
// record batches, footer) for the shard writer.
//
// The native writer writes metadata V5, its flatbuffers built by hand from
// the format's Schema.fbs/Message.fbs/File.fbs, for every flat column type
// (null, bool, integers, floats, (large) utf8 and binary, fixed-size
// binary, decimal128/256, dates, times, timestamps, durations, intervals).
// Each body buffer is compressed on its own by one reused encoder per file
// (zstd level 1 frames from the C library into a reused scratch, or LZ4 frames
// with 64 KiB blocks), and stored raw behind a -1 length when compression
// does not save space. A schema with any other type (lists, structs, maps,
// unions, views, extension types) is written by arrow-go's ipc.FileWriter
// instead, decided once per file by NewWriter.
//
// Determinism: the same batches with the same compression give
// byte-identical files.
package arrowfile
