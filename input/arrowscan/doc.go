// Package arrowscan reads Arrow IPC input files (the file format): Schema
// reads a file's schema in canonical types and a Reader reads its record
// batches, cut to the batch size and converted to canonical types. The
// footer and every batch are checked before the conversion relies on them.
//
// Errors name the file and the record batch. A Reader lends each batch
// until the next call to Next or Close; Close is idempotent.
package arrowscan
