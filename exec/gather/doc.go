// Package gather builds a batch from rows picked across many batches of one
// schema: row i of the result is row ri[i] of batch bi[i]. It is the
// "take" of a sort whose rows come from several inputs, done in one copy
// instead of concatenating the inputs first.
//
// Fixed-width columns (1, 2, 4 or 8 bytes wide, and any other width by
// copy), booleans, validity bitmaps, strings and binaries (32- and 64-bit
// offsets) are gathered directly. A dictionary column is gathered when
// every batch carries the same dictionary; other types, and dictionaries
// that differ between batches, are refused with ErrUnsupported so the
// caller can take another path.
package gather
